import { randomBytes } from 'node:crypto';
import type { FromRunner } from '../model/runnerProtocol';
import { ensureRunnerToken, daemonFiles } from '../api/daemonFiles';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { bearerMatches } from '../engine/leaseServer';
import { parseRunStatuses, type RunStatus } from '../model/status';
import { runtimeVersion } from '../system/packagePaths';
import { API_PREFIX, MAX_BODY_BYTES, submitRunSchema, type HealthAnswer, type StreamEvent } from '../api/protocol';
import { CodedError, ConflictError, errorCodeOf, InputError, NotFoundError, UnprocessableError } from '../model/errorCodes';
import { decodeSegment, readJson, sendError, sendJson } from './httpUtil';
import { EVENT_PAGE, Orchestrator } from './orchestrator';
import type { RunStore } from '../store/runStore';

const runnerResultSchema = z.strictObject({
  runId: z.string().min(1).max(100),
  invocationId: z.string().min(1).max(500),
  attempt: z.number().int().min(1),
  reply: z.object({ type: z.enum(['executed', 'taskFailed']) }).passthrough(),
});

const heartbeatSchema = z.strictObject({ runId: z.string().min(1).max(100), invocationId: z.string().min(1).max(500), attempt: z.number().int().min(1) });

export interface DaemonHttpApiOptions {
  storeDir: string;
  /** The run store, opened (and claimed) by the daemon, which closes it. */
  store: RunStore;
  host: string;
  port: number;
  token: string;
  /** Called once the daemon was asked to stop (after answering). */
  onShutdown(): void;
  /** The daemon's log (one line per call). */
  log(line: string): void;
  /** Called on every request (the daemon's idle shutdown counts them as activity). */
  onRequest?(): void;
}

/**
 * The orchestrator's versioned HTTP API. Every route needs the bearer token (runners get a
 * separate one that only renews leases); malformed, oversized or unauthenticated requests get
 * a 4xx with a message and change nothing.
 */
export class DaemonHttpApi {
  readonly instanceId = randomBytes(8).toString('hex');
  readonly startedAt = new Date().toISOString();
  readonly orchestrator: Orchestrator;
  private readonly runnerToken: string;
  private readonly server: http.Server;
  private port = 0;
  private streams = 0;
  private requests = 0;

  constructor(private readonly options: DaemonHttpApiOptions) {
    this.runnerToken = ensureRunnerToken(daemonFiles(options.storeDir));
    this.orchestrator = new Orchestrator(options.store, () => ({ url: `http://127.0.0.1:${this.port}${API_PREFIX}/heartbeats`, token: this.runnerToken }));
    this.server = http.createServer((request, response) => {
      options.onRequest?.();
      this.requests += 1;
      response.once('close', () => (this.requests -= 1));
      this.route(request, response).catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        sendError(response, error);
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  /** Clients following the event stream now. */
  get openStreams(): number {
    return this.streams;
  }

  /** Requests being answered now, event streams not included (a run being submitted, say). */
  get requestsInProgress(): number {
    return this.requests - this.streams;
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, resolve);
    });
    const address = this.server.address() as AddressInfo;
    this.port = address.port;
    return address;
  }

  async close(): Promise<void> {
    await this.orchestrator.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    if (`/${parts[0]}` !== API_PREFIX) throw new NotFoundError(`no such endpoint ${url.pathname} (the API lives under ${API_PREFIX})`);
    const route = parts.slice(1);
    const method = request.method ?? 'GET';
    if ((route[0] === 'heartbeats' || route[0] === 'runner-results') && route.length === 1) {
      if (!bearerMatches(request.headers.authorization, this.runnerToken) && !bearerMatches(request.headers.authorization, this.options.token)) {
        throw new CodedError('unauthorized', 'missing or wrong bearer token');
      }
      expectMethod(method, 'POST');
      if (route[0] === 'runner-results') {
        const body = parse(runnerResultSchema, await readJson(request, 1024 * 1024));
        const answer = await this.orchestrator.runnerResult(body.runId, body.invocationId, body.attempt, body.reply as FromRunner);
        return sendJson(response, answer.status, answer.body);
      }
      const body = parse(heartbeatSchema, await readJson(request, 4096));
      const answer = this.orchestrator.heartbeat(body);
      return sendJson(response, answer.status, answer.body);
    }
    if (!bearerMatches(request.headers.authorization, this.options.token)) throw new CodedError('unauthorized', 'missing or wrong bearer token');
    const orchestrator = this.orchestrator;
    switch (route[0]) {
      case 'health': {
        expectMethod(method, 'GET');
        const health: HealthAnswer = { status: 'ok', pid: process.pid, instanceId: this.instanceId, version: runtimeVersion, startedAt: this.startedAt, runsInFlight: orchestrator.runsInFlight, slotsHeld: orchestrator.slots.held, leasesHeld: orchestrator.leasesHeld };
        return sendJson(response, 200, health);
      }
      case 'shutdown':
        expectMethod(method, 'POST');
        sendJson(response, 202, { stopping: true });
        this.options.onShutdown();
        return;
      case 'resume':
        expectMethod(method, 'POST');
        return sendJson(response, 200, { resumed: await orchestrator.resumeAbandoned(this.options.log) });
      case 'events':
        expectMethod(method, 'GET');
        return this.stream(request, response, url);
      case 'runs':
        return this.runs(method, route.slice(1), url, request, response);
      case 'services':
        return this.services(method, route.slice(1), url, request, response);
      default:
        throw new NotFoundError(`no such endpoint ${url.pathname}`);
    }
  }

  private async runs(method: string, rest: string[], url: URL, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const orchestrator = this.orchestrator;
    if (rest.length === 0) {
      if (method === 'GET') {
        const limit = boundedInt(url.searchParams.get('limit'), 50, 1, 1000, 'limit');
        const pipeline = url.searchParams.get('pipeline') ?? undefined;
        const statuses = runStatusesParam(url.searchParams.get('status'));
        return sendJson(response, 200, await Promise.all((await orchestrator.store.listRuns({ limit, pipeline, statuses })).map((run) => orchestrator.detail(run.id))));
      }
      expectMethod(method, 'POST');
      const body = parse(submitRunSchema, await readJson(request, MAX_BODY_BYTES));
      try {
        const detail = await orchestrator.submit(body);
        return sendJson(response, 201, detail);
      } catch (error) {
        // What is not known to be something else was the submitted code failing before anything ran.
        throw errorCodeOf(error) === 'internal' ? new UnprocessableError((error as Error).message, { cause: error }) : error;
      }
    }
    const runName = decodeSegment(rest[0], 'run');
    const run = await orchestrator.store.findRun(runName);
    if (!run) throw new NotFoundError(`no run "${runName}"`);
    if (rest.length === 1) {
      expectMethod(method, 'GET');
      return sendJson(response, 200, await orchestrator.detail(run.id));
    }
    switch (rest[1]) {
      case 'cancel':
        expectMethod(method, 'POST');
        if (run.status !== 'running') throw new ConflictError(`run ${run.name} is already ${run.status}`);
        if (!orchestrator.cancel(run.id)) throw new ConflictError(`run ${run.name} is not executing on this orchestrator`);
        return sendJson(response, 202, { cancelling: run.id });
      case 'retry': {
        expectMethod(method, 'POST');
        const body = parse(z.strictObject({ step: z.string().min(1).max(500).optional() }), await readJson(request, 4096));
        return sendJson(response, 201, await orchestrator.retry(run.id, body.step));
      }
      case 'logs': {
        expectMethod(method, 'GET');
        const step = url.searchParams.get('step') ?? undefined;
        const attemptText = url.searchParams.get('attempt');
        const attempt = attemptText === null ? undefined : boundedInt(attemptText, 1, 1, 1_000_000, 'attempt');
        return sendJson(response, 200, await orchestrator.logs(run.id, step, step === undefined ? undefined : attempt));
      }
      case 'artifacts': {
        expectMethod(method, 'GET');
        if (rest.length !== 4) throw new NotFoundError('use /v1/runs/:run/artifacts/:step/:output');
        const step = decodeSegment(rest[2], 'step');
        const output = decodeSegment(rest[3], 'output');
        const ref = await orchestrator.store.outputOf(run.id, step, output);
        if (!ref) throw new NotFoundError(`run ${run.name} has no committed output "${output}" of step "${step}"`);
        const bytes = fs.readFileSync(orchestrator.store.artifacts.pathOf(ref.hash));
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length, 'x-pipewright-materializer': ref.materializer, 'x-pipewright-type': ref.typeName });
        response.end(bytes);
        return;
      }
      default:
        throw new NotFoundError(`no such endpoint ${url.pathname}`);
    }
  }

  private async services(method: string, rest: string[], url: URL, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const services = this.orchestrator.services;
    if (rest.length === 0) {
      if (method === 'GET') return sendJson(response, 200, services.list());
      expectMethod(method, 'POST');
      const body = await readJson(request, 1024 * 1024);
      return sendJson(response, 201, await services.start(body));
    }
    const name = decodeSegment(rest[0], 'service');
    if (rest.length === 1) {
      expectMethod(method, 'GET');
      return sendJson(response, 200, await services.status(name));
    }
    switch (rest[1]) {
      case 'stop':
        expectMethod(method, 'POST');
        return sendJson(response, 200, await services.stop(name));
      case 'logs': {
        expectMethod(method, 'GET');
        const tail = url.searchParams.get('tail');
        const text = await services.logs(name, tail === null ? undefined : boundedInt(tail, 100, 1, 100_000, 'tail'));
        return sendJson(response, 200, { name, text });
      }
      default:
        throw new NotFoundError(`no such endpoint ${url.pathname}`);
    }
  }

  /**
   * Server-sent events; resumes after `Last-Event-ID` (or `?since=`) without missing any. Stored
   * events are replayed page by page, at the pace the client reads them; events published
   * meanwhile are held and follow once the replay has caught up (de-duplicated by seq).
   */
  private stream(request: http.IncomingMessage, response: http.ServerResponse, url: URL): void {
    const since = boundedInt((request.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('since'), 0, 0, Number.MAX_SAFE_INTEGER, 'since');
    const runId = url.searchParams.get('run') ?? undefined;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let last = since;
    /** False when the client's buffer is full (wait for `drain`). */
    const write = (event: StreamEvent): boolean => {
      if (event.seq <= last || (runId !== undefined && event.runId !== runId)) return true;
      last = event.seq;
      return response.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    };
    let held: StreamEvent[] | undefined = [];
    const unsubscribe = this.orchestrator.subscribe((event) => {
      if (!held) write(event);
      else if (runId === undefined || event.runId === runId) held.push(event);
    });
    this.streams += 1;
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    let closed = false;
    const whenClosed = new Promise<void>((resolve) =>
      request.on('close', () => {
        closed = true;
        clearInterval(keepAlive);
        unsubscribe();
        this.streams -= 1;
        resolve();
      }),
    );
    const replay = async () => {
      for (;;) {
        const page = await this.orchestrator.eventsSince(last, runId);
        for (const event of page) {
          if (!write(event)) await Promise.race([once(response, 'drain'), whenClosed]);
          if (closed) return;
        }
        if (page.length < EVENT_PAGE) break;
      }
      const live = held ?? [];
      held = undefined;
      for (const event of live) write(event);
    };
    replay().catch(() => response.destroy());
  }
}

function expectMethod(actual: string, expected: string): void {
  if (actual !== expected) throw new CodedError('method-not-allowed', `method ${actual} not allowed here (use ${expected})`);
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InputError(`${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`);
}

/** `?status=failed,running`: only runs in one of these statuses. */
function runStatusesParam(text: string | null): RunStatus[] | undefined {
  if (text === null) return undefined;
  try {
    return parseRunStatuses(text);
  } catch (error) {
    throw new InputError(`status: ${(error as Error).message}`);
  }
}

function boundedInt(text: string | null | undefined, fallback: number, min: number, max: number, what: string): number {
  if (text === null || text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError(`${what} must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}
