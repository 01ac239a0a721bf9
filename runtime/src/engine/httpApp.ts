/**
 * The Fastify app every HTTP endpoint of the runtime is built on (the daemon's API, the
 * in-process lease server): requests validated by zod schemas (fastify-type-provider-zod), a
 * bearer token of the scope each route declares (`requireScope`: 401 without a valid token, 403
 * when its scope does not cover the route), bodies read as JSON whatever their content type, and
 * every failure answered as `{ error, code }` with the status its code stands for
 * (`errorCodes.ts`). Served over HTTPS when given a certificate and its key.
 *
 * Loading Fastify takes a while: commands that serve nothing import this module lazily.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction, type onRequestHookHandler, type preValidationHookHandler } from 'fastify';
import { hasZodFastifySchemaValidationErrors, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { CodedError, errorCodeForStatus, errorCodeOf, FencedError, httpStatusOf, InputError } from '../model/errorCodes';
import { OWNER_SCOPES, type RouteScope } from '../model/tokenScopes';
import { allows, bearerToken, fixedCredentials, forbidden, unauthorized, type Credential, type CredentialCheck } from './credentials';

export type HttpApp = FastifyInstance<http.Server, http.IncomingMessage, http.ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** A certificate (chain) and its private key, PEM, for HTTPS. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export interface HttpAppOptions {
  /** Routes live under this prefix (`/v1`); an unknown route under it needs a valid token to be told so. */
  prefix: string;
  /** Who a bearer token is and what it may do: every route's scope is checked against it. */
  credentials: CredentialCheck;
  /** Serve HTTPS with this certificate (plain HTTP when left out). */
  tls?: TlsFiles;
  /** Called on every request before anything else (the daemon counts requests in progress). */
  onRequest?(request: http.IncomingMessage, response: http.ServerResponse): void;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** One token holding every scope (the in-process lease server's, a test's). */
export function singleTokenCredentials(token: string, name = 'the token'): CredentialCheck {
  return fixedCredentials([{ token, credential: { name, scopes: OWNER_SCOPES } }]);
}

/** The credential of a request's `Authorization: Bearer` header, if it is a valid token. */
async function identify(app: HttpApp, header: string | undefined): Promise<Credential | undefined> {
  const token = bearerToken(header);
  return token === undefined ? undefined : credentialChecks.get(app)!(token);
}

/**
 * A route's `onRequest` hook, its one token check: the request must bear a valid token (401
 * before anything is read) whose scopes cover `scope` (403, naming both). A callback hook that
 * answers at once when the check is synchronous (the fixed tokens: every heartbeat), so the
 * hot routes take no promise and no extra turn of the event loop.
 */
export function requireScope(app: HttpApp, scope: RouteScope): onRequestHookHandler {
  const check = credentialChecks.get(app)!;
  const decide = (request: FastifyRequest, reply: FastifyReply, credential: Credential | undefined, done: HookHandlerDoneFunction): void => {
    if (!credential) sendError(reply, unauthorized());
    else if (scope !== 'any' && !allows(credential, scope)) sendError(reply, forbidden(credential, scope, `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`));
    else done();
  };
  return function checkScope(request, reply, done) {
    const token = bearerToken(request.headers.authorization);
    const found = token === undefined ? undefined : check(token);
    if (!(found instanceof Promise)) return decide(request, reply, found, done);
    found.then(
      (credential) => decide(request, reply, credential, done),
      (error: unknown) => sendError(reply, error),
    );
  };
}

/** A route's `preValidation` hook: a request without a body has the body `{}` (as an empty one has). */
export const noBodyAsEmptyObject: preValidationHookHandler = (request, _reply, done) => {
  if (request.body === undefined || (request.body === null && request.headers['transfer-encoding'] === undefined && Number(request.headers['content-length'] ?? 0) === 0)) request.body = {};
  done();
};

export function createHttpApp(options: HttpAppOptions): HttpApp {
  let serve: http.RequestListener | undefined;
  const app: HttpApp = Fastify({
    serverFactory: (handler) => {
      const listener = (request: http.IncomingMessage, response: http.ServerResponse) => {
        options.onRequest?.(request, response);
        response.setHeader('cache-control', 'no-store');
        handler(request, response);
      };
      serve = listener;
      // An https.Server is an http.Server to Fastify (the same request and response classes).
      const server = options.tls ? (https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) as unknown as http.Server) : http.createServer(listener);
      server.keepAliveTimeout = 60_000;
      return server;
    },
    // As the hand-written router did: `/v1//runs/` is `/v1/runs`, ids of any length, no implicit HEAD.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 10_000 },
    exposeHeadRoutes: false,
    // No logger is configured: skip building the two log records of every request all the same.
    logController: new LogController({ disableRequestLogging: true }),
    // Event streams never end on their own: closing the app closes them.
    forceCloseConnections: true,
    frameworkErrors: (error, request, reply) => {
      void identify(app, request.headers.authorization).then(
        (credential) => {
          if (!credential) sendError(reply, unauthorized());
          else if (error.code === 'FST_ERR_BAD_URL') sendError(reply, new InputError(`path ${cut(request.url)} is not valid percent-encoded UTF-8`));
          else sendError(reply, new CodedError(errorCodeForStatus(error.statusCode ?? 400), error.message));
        },
        (failure: unknown) => sendError(reply, failure),
      );
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.removeAllContentTypeParsers();
  // JSON whatever the content type says (as runners and curl send it); JSON's own type found first.
  const parseJson = (_request: FastifyRequest, text: string | Buffer, done: (error: Error | null, body?: unknown) => void) => {
    if ((text as string).trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text as string));
    } catch (error) {
      done(new InputError(`request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  // Raw bytes (an artifact on the worker wire) reach their route unread, as the request's stream: it reads, limits and checks them itself.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJson);
  app.setErrorHandler((error, request, reply) => {
    if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // Read the rest and keep the connection, so the client gets to read the 413 instead of a reset.
      reply.removeHeader('connection');
      request.raw.resume();
    }
    sendError(reply, fromFramework(error as FastifyError, request));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const pathname = request.url.split('?')[0]!;
    if (pathname !== options.prefix && !pathname.startsWith(`${options.prefix}/`)) {
      return sendError(reply, new CodedError('not-found', `no such endpoint ${pathname} (the API lives under ${options.prefix})`));
    }
    if (!(await identify(app, request.headers.authorization))) return sendError(reply, unauthorized());
    return sendError(reply, new CodedError('not-found', `no such endpoint ${pathname}`));
  });
  // Every route's other methods answer 405 (after the route's own token check): see listenHttpApp.
  const routes = new Map<string, { methods: Set<string>; onRequest: RouteOptions['onRequest'] }>();
  app.addHook('onRoute', (route) => {
    if ((route.config as { refusal?: boolean } | undefined)?.refusal === true) return;
    const entry = routes.get(route.url) ?? { methods: new Set<string>(), onRequest: route.onRequest as RouteOptions['onRequest'] };
    for (const method of [route.method].flat()) entry.methods.add(method);
    routes.set(route.url, entry);
  });
  routeTables.set(app, routes);
  credentialChecks.set(app, options.credentials);
  listeners.set(app, serve!);
  return app;
}

type RouteOptions = Parameters<HttpApp['route']>[0];
const routeTables = new WeakMap<HttpApp, Map<string, { methods: Set<string>; onRequest: RouteOptions['onRequest'] }>>();
const credentialChecks = new WeakMap<HttpApp, CredentialCheck>();
const listeners = new WeakMap<HttpApp, http.RequestListener>();

/** Listens once every route is registered (their other methods then answer 405); answers where. */
export async function listenHttpApp(app: HttpApp, port: number, host: string): Promise<AddressInfo> {
  for (const [url, { methods, onRequest }] of routeTables.get(app) ?? []) {
    const others = METHODS.filter((method) => !methods.has(method));
    const allowed = [...methods].join(', ');
    if (others.length === 0) continue;
    app.route({
      method: others,
      url,
      config: { refusal: true } as RouteOptions['config'],
      onRequest,
      handler: (request) => {
        throw new CodedError('method-not-allowed', `method ${request.method} not allowed here (use ${allowed})`);
      },
    });
  }
  await app.listen({ port, host });
  return app.server.address() as AddressInfo;
}

/**
 * Serves the same routes over plain HTTP on loopback too, once `app` listens (an HTTPS daemon's
 * runners and local commands reach it there: a certificate names the host remote clients use,
 * not 127.0.0.1). Tries `port` first and takes any free one if it is taken; close it before the app.
 */
export async function listenLoopback(app: HttpApp, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(listeners.get(app)!);
  server.keepAliveTimeout = 60_000;
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch (error) {
    if (port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await listen(0);
  }
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        // Event streams never end on their own.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `{ error, code }` with the status `error`'s code stands for; a fenced attempt's answer also says `stop`. */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const body = { error: code === 'internal' ? `internal error: ${message}` : message, code, ...(error instanceof FencedError ? { stop: true, reason: error.reason } : {}) };
  return reply.code(httpStatusOf(error)).send(body);
}

/** What Fastify itself raised (validation, body limit, a bad length), as the runtime's coded errors. */
function fromFramework(error: FastifyError, request: FastifyRequest): unknown {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0]!;
    const where = issue.instancePath.slice(1).replaceAll('/', '.');
    // A query parameter's schema words its whole message (`tail must be an integer ...`).
    if (error.validationContext === 'querystring') return new InputError(issue.message ?? 'malformed query');
    return new InputError(`${where === '' ? (error.validationContext ?? 'body') : where}: ${issue.message}`);
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const declared = Number(request.headers['content-length'] ?? NaN);
    const limit = request.routeOptions.bodyLimit;
    return new CodedError('too-large', Number.isFinite(declared) && declared > limit ? `request body of ${declared} bytes exceeds the limit of ${limit}` : `request body exceeds the limit of ${limit} bytes`);
  }
  if (error instanceof CodedError || error.code === undefined || !error.code.startsWith('FST_')) return error;
  return new CodedError(errorCodeForStatus(error.statusCode ?? 500), error.message);
}

function cut(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
