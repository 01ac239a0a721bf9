/**
 * Which requests only the leading daemon of a shared store answers, and how a replica hands them
 * on. The one place that decides: the route table's `leader` flag (`api/routes.ts`) for its
 * routes, and here the hand-written routes of the runners and workers (their attempts, leases and
 * the workers' queue live in the leader's memory). Everything else (reads, the event stream, an
 * artifact's bytes, health, metrics) a replica answers itself from the store.
 *
 * A replica forwards a leader-only request, with its token, to the URL the leader advertised in
 * the store, and answers what the leader answered. With no leader (the old one just died and no
 * replica holds the claim yet), or none reachable, it answers 503 `no-leader`, saying so: the
 * request was not done, and clients and workers send it again. A leader that goes away once it
 * has the request (the connection drops before its answer) makes a 502 `leader-lost`: whether it
 * was done is not known, so only a request safe to repeat is sent again (api/leaderRetry.ts).
 */
import { API_PREFIX } from '../api/paths';
import type { Fetch } from '../api/trustedFetch';
import { API_ROUTES, type RouteSpec } from '../api/routes';
import type { HttpApp } from '../engine/httpApp';
import { ENV } from '../model/environment';
import { LeaderLostError, NoLeaderError } from '../model/errorCodes';
import { HEARTBEAT_PATH } from '../model/heartbeatProtocol';
import { ARTIFACT_BYTES_TYPE, WORKER_PATHS } from '../model/workerProtocol';
import type { DaemonMember, StoreCluster } from '../store/storeCluster';

/** Set on a forwarded request (the forwarding daemon's instance): a daemon that does not lead either never forwards it again. */
const FORWARDED_BY = 'x-pipewright-forwarded-by';
/** The leader's certificate is not trusted (the TLS handshake failed before anything was sent). */
const UNTRUSTED_CERTIFICATE = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'];
/** Failures to reach the leader that mean the request never left: it was not done, and may be sent again as it is. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', ...UNTRUSTED_CERTIFICATE]);
/** The answer's headers a forward passes on besides its body. */
const ANSWER_HEADERS = ['content-type', 'x-pipewright-materializer', 'x-pipewright-type'];

/** The hand-written routes only the leader answers: runners' beats and results, and the whole worker wire. */
const HAND_WRITTEN = new Set([`POST ${HEARTBEAT_PATH}`, `POST ${API_PREFIX}/runner-results`, `POST ${API_PREFIX}${WORKER_PATHS.claim}`, `POST ${API_PREFIX}${WORKER_PATHS.beat}`]);
const WORKER_JOB_ROUTES = `${API_PREFIX}${WORKER_PATHS.job}/`;

const TABLE = new Set(
  (Object.values(API_ROUTES) as RouteSpec[]).filter((route) => route.leader === true).map((route) => `${route.method} ${API_PREFIX}${route.path}`),
);

/** Whether the route `method url` (as registered: `/v1/runs/:run/cancel`) is answered by the leader only. */
export function isLeaderOnly(method: string, url: string): boolean {
  const key = `${method} ${url}`;
  return TABLE.has(key) || HAND_WRITTEN.has(key) || url.startsWith(WORKER_JOB_ROUTES);
}

export interface LeaderForwarding {
  /** Whether this daemon leads now (it answers everything itself then). */
  isLeading(): boolean;
  cluster: StoreCluster;
  /** This daemon, as the messages name it. */
  self: { instance: string; storeName: string };
  /** How it reaches the leader: trusting the CA of `$PIPEWRIGHT_ORCHESTRATOR_CA_FILE` when set (api/trustedFetch.ts). */
  send: Fetch;
}

/**
 * Makes every leader-only route of `app` registered from now on forward to the leader while this
 * daemon does not lead (a hook run after the token check and validation, before the handler).
 */
export function forwardLeaderRoutes(app: HttpApp, forwarding: LeaderForwarding): void {
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (!methods.some((method) => isLeaderOnly(method, route.url))) return;
    const own = [route.preHandler ?? []].flat();
    route.preHandler = [
      async (request, reply) => {
        if (forwarding.isLeading()) return;
        if (request.headers[FORWARDED_BY] !== undefined) {
          throw new NoLeaderError(`${describeSelf(forwarding)} was sent ${request.method} ${route.url} by a daemon that took it for the leader: the lead is changing hands, try again in a moment`);
        }
        const leader = await forwarding.cluster.leader();
        if (!leader) throw new NoLeaderError(`${describeSelf(forwarding)} has no leader to forward ${request.method} ${route.url} to: no daemon holds the store's claim right now (a replica takes it within a second or so); try again in a moment`);
        if (leader.instance === forwarding.self.instance) throw new NoLeaderError(`${describeSelf(forwarding)} has just taken the store's claim and is taking over from the previous leader; try again in a moment`);
        const answer = await forward(request.raw.method ?? request.method, request.url, request.headers, request.body, leader, forwarding, reply.raw);
        void reply.code(answer.status).headers(answer.headers).send(answer.body);
        return reply;
      },
      ...own,
    ];
  });
}

async function forward(method: string, url: string, headers: Record<string, string | string[] | undefined>, body: unknown, leader: DaemonMember, forwarding: LeaderForwarding, raw: NodeJS.EventEmitter): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  // A worker's long poll ends when the worker goes away: so does its forward.
  const aborted = new AbortController();
  const onClose = () => aborted.abort();
  raw.once('close', onClose);
  // An artifact's raw bytes (a worker's upload) arrive as the request's stream: they go on as they come.
  const bytes = method === 'POST' && contentTypeOf(headers) === ARTIFACT_BYTES_TYPE;
  try {
    const response = await forwarding.send(`${leader.url.replace(/\/+$/, '')}${url}`, {
      method,
      headers: {
        ...(typeof headers.authorization === 'string' ? { authorization: headers.authorization } : {}),
        ...(method === 'POST' ? { 'content-type': bytes ? ARTIFACT_BYTES_TYPE : 'application/json' } : {}),
        ...(bytes && typeof headers['content-length'] === 'string' ? { 'content-length': headers['content-length'] } : {}),
        [FORWARDED_BY]: forwarding.self.instance,
      },
      ...(method === 'POST' ? { body: bytes ? (body as NonNullable<RequestInit['body']>) : JSON.stringify(body ?? {}), duplex: 'half' } : {}),
      signal: aborted.signal,
    } as RequestInit);
    const answerHeaders: Record<string, string> = {};
    for (const name of ANSWER_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) answerHeaders[name] = value;
    }
    return { status: response.status, headers: answerHeaders, body: Buffer.from(await response.arrayBuffer()) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    const leaderName = `its leader at ${leader.url} (daemon ${leader.instance}, pid ${leader.pid} on ${leader.host})`;
    if (cause?.code !== undefined && UNTRUSTED_CERTIFICATE.includes(cause.code)) {
      throw new NoLeaderError(`${describeSelf(forwarding)} does not trust the certificate of ${leaderName}: ${why}; give the daemons the CA that signed it in $${ENV.orchestratorCaFile}`);
    }
    if (cause?.code !== undefined && NEVER_SENT.has(cause.code)) throw new NoLeaderError(`${describeSelf(forwarding)} could not reach ${leaderName}: ${why}; try again in a moment`);
    throw new LeaderLostError(`${describeSelf(forwarding)} handed ${method} ${url} to ${leaderName}, which went away before it answered (${why}): whether it was done is not known`);
  } finally {
    raw.off('close', onClose);
  }
}

function contentTypeOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const type = headers['content-type'];
  return typeof type === 'string' ? type.split(';')[0]?.trim().toLowerCase() : undefined;
}

function describeSelf(forwarding: LeaderForwarding): string {
  return `this daemon (${forwarding.self.instance}) is a replica of ${forwarding.self.storeName}: it`;
}
