import { randomUUID } from 'node:crypto';
import { CodedError, ConflictError, ERROR_CODES, errorCodeForStatus, FencedError, InputError, LeaderLostError, NoLeaderError, NotFoundError, NothingToRetryError, UnprocessableError, type ErrorCode } from '../model/errorCodes';
import { ServiceError } from '../services/errors';
import { API_PREFIX } from './paths';
import type { ApiErrorBody, StreamEvent } from './protocol';
import { LEADER_PATIENCE_MS, mayRepeat, noticeLeaderWait, repeatDelayMs } from './leaderRetry';
import { fetchFor, type Fetch, type TrustOptions } from './trustedFetch';
import { API_ROUTES, fillPath, type AnswerOf, type ClientInput, type RouteName, type RouteSpec } from './routes';

/** The HTTP status of each error the client rebuilt from an answer (so a caller can tell an answer from a failed connection). */
const answered = new WeakMap<CodedError, number>();

/** The status the orchestrator answered with, when `error` is its answer; undefined for anything else (a connection that failed, say). */
export function answerStatus(error: unknown): number | undefined {
  return error instanceof CodedError ? answered.get(error) : undefined;
}

/**
 * The error an answer stands for, rebuilt as the class its code names (a `nothing-to-retry`
 * answer is a {@link NothingToRetryError} here as it was in the daemon), with its message.
 * An answer without a known code gets the code its status stands for.
 */
export function errorFromAnswer(status: number, message: string, code: ErrorCode = errorCodeForStatus(status)): CodedError {
  const error = rebuild(code, message);
  answered.set(error, status);
  return error;
}

function rebuild(code: ErrorCode, message: string): CodedError {
  switch (code) {
    case 'invalid-input':
      return new InputError(message);
    case 'unprocessable':
      return new UnprocessableError(message);
    case 'not-found':
      return new NotFoundError(message);
    case 'conflict':
      return new ConflictError(message);
    case 'nothing-to-retry':
      return new NothingToRetryError(message);
    case 'fenced':
      return new FencedError(message);
    case 'no-leader':
      return new NoLeaderError(message);
    case 'leader-lost':
      return new LeaderLostError(message);
    case 'invalid-spec':
    case 'invalid-argument':
    case 'unknown-service':
    case 'io':
      return new ServiceError(message, code);
    default:
      return new CodedError(code, message);
  }
}

/** Options of any call: `signal` bounds the wait (a first contact with a remote orchestrator uses a timeout). */
export interface CallOptions {
  signal?: AbortSignal;
  /** How long to keep sending a request again while the daemons of a shared store change leader (api/leaderRetry.ts; default 15 s). */
  leaderPatienceMs?: number;
}

/** A route's method's arguments: its input may be left out when every field of it is optional. */
type RouteArgs<K extends RouteName> = Record<never, never> extends ClientInput<K> ? [input?: ClientInput<K>, options?: CallOptions] : [input: ClientInput<K>, options?: CallOptions];

/** One method per route of the table (`client.getRun({ run })`), derived from it. */
export type RouteMethods = { [K in RouteName]: (...args: RouteArgs<K>) => Promise<AnswerOf<K>> };

/** The one typed client of the orchestrator's API, used by the CLI and the editor: see {@link OrchestratorClient}. */
class ClientCore {
  private readonly send: Fetch;

  /** `trust.caFile`: the CA that signed an HTTPS orchestrator's certificate, when not one Node trusts. */
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    trust: TrustOptions = {},
  ) {
    this.send = fetchFor(trust);
  }

  /**
   * Calls route `name` of the table: the input's path parameters fill the path, the rest is the
   * query (a list comma-separated) or, for a route that reads a body, the body's fields. While
   * the daemons of a shared store change leader, what is safe to send again is (leaderRetry.ts);
   * a submit names the run it makes, so that it is.
   */
  async request<K extends RouteName>(name: K, input?: ClientInput<K>, options: CallOptions = {}): Promise<AnswerOf<K>> {
    const route: RouteSpec = API_ROUTES[name];
    const rest: Record<string, unknown> = { ...(input ?? {}) };
    if (name === 'submitRun' && rest.runId === undefined) rest.runId = randomUUID();
    let path = fillPath(route.path, (param) => {
      const value = String(rest[param]);
      delete rest[param];
      return value;
    });
    let body: unknown;
    if (route.body) body = rest;
    else {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(rest)) {
        // Left out: an absent value, and an empty list (no filter).
        if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
        query.set(key, Array.isArray(value) ? value.join(',') : String(value));
      }
      if (query.size > 0) path += `?${query}`;
    }
    const giveUpAt = Date.now() + (options.leaderPatienceMs ?? LEADER_PATIENCE_MS);
    for (let tries = 0; ; tries++) {
      try {
        const response = await this.fetch(route.method, path, body, options.signal);
        return (await response.json()) as AnswerOf<K>;
      } catch (error) {
        const wait = repeatDelayMs(tries);
        if (options.signal?.aborted || !mayRepeat(route.method, name, error) || Date.now() + wait > giveUpAt) throw error;
        if (tries === 0) noticeLeaderWait((error as Error).message);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** The bytes of a committed output (`output` by default) of step `step` of run `run`, and how they are encoded. */
  async artifact(input: { run: string; step: string; output?: string }, options: CallOptions = {}): Promise<{ bytes: Buffer; materializer: string }> {
    const path = ['runs', input.run, 'artifacts', input.step, input.output ?? 'output'].map(encodeURIComponent).join('/');
    const response = await this.fetch('GET', `/${path}`, undefined, options.signal);
    return { bytes: Buffer.from(await response.arrayBuffer()), materializer: response.headers.get('x-pipewright-materializer') ?? '' };
  }

  /**
   * Follows the event stream, reconnecting after a drop and resuming after the last event seen,
   * until `onEvent` returns true or `signal` aborts. `onLink` hears the stream's state: `open`
   * when a connection is made, `heard` for each block it carries (an event or the daemon's
   * keep-alive, so a silent daemon can be told from an idle one), `dropped` with why, before each
   * reconnection.
   */
  async follow(onEvent: (event: StreamEvent) => boolean | void, options: { runId?: string; since?: number; signal?: AbortSignal; onLink?: (link: StreamLink) => void } = {}): Promise<void> {
    let last = options.since ?? 0;
    const link = options.onLink ?? (() => undefined);
    for (let failures = 0; !options.signal?.aborted; ) {
      try {
        const params = new URLSearchParams({ since: String(last) });
        if (options.runId) params.set('run', options.runId);
        const response = await this.fetch('GET', `/events?${params}`, undefined, options.signal);
        failures = 0;
        link({ state: 'open' });
        const reader = response.body?.getReader();
        if (!reader) return;
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            if (!options.signal?.aborted) link({ state: 'dropped', reason: 'the orchestrator closed the event stream' });
            break;
          }
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            link({ state: 'heard' });
            const event = parseSse(block);
            if (!event) continue;
            last = event.seq;
            if (onEvent(event) === true) {
              await reader.cancel();
              return;
            }
          }
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        const status = answerStatus(error);
        if (status !== undefined && status < 500) throw error;
        if (++failures > 50) throw error;
        link({ state: 'dropped', reason: describeFailure(error) });
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * failures)));
      }
    }
  }

  private async fetch(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const response = await this.send(`${this.baseUrl}${API_PREFIX}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      let code: ErrorCode | undefined;
      try {
        const body = JSON.parse(text) as Partial<ApiErrorBody>;
        message = body.error ?? text;
        if (typeof body.code === 'string' && Object.hasOwn(ERROR_CODES, body.code)) code = body.code as ErrorCode;
      } catch {
        // Not JSON: keep the text.
      }
      throw errorFromAnswer(response.status, message, code);
    }
    return response;
  }
}

for (const name of Object.keys(API_ROUTES) as RouteName[]) {
  // A route named like one of the client's own members would hide it.
  if (name in ClientCore.prototype) throw new Error(`route "${name}" is named like a member of the client`);
  Object.defineProperty(ClientCore.prototype, name, {
    value(this: ClientCore, input?: ClientInput<typeof name>, options?: CallOptions) {
      return this.request(name, input, options);
    },
  });
}

/** The one typed client of the orchestrator's API: a method per route of the table, the event stream and artifacts' bytes. */
export type OrchestratorClient = ClientCore & RouteMethods;
export const OrchestratorClient = ClientCore as new (baseUrl: string, token: string, trust?: TrustOptions) => OrchestratorClient;

/** What the event stream's follower hears of its connection (see `follow`). */
export type StreamLink = { state: 'open' } | { state: 'heard' } | { state: 'dropped'; reason: string };

/** A failed fetch's reason, with the system error under it (`fetch failed: connect ECONNREFUSED 127.0.0.1:7420`). */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message;
}

function parseSse(block: string): StreamEvent | undefined {
  let id: number | undefined;
  let type = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (id === undefined || data === '') return undefined;
  const parsed = JSON.parse(data) as { runId?: string };
  return { seq: id, type, runId: parsed.runId ?? null, data: parsed };
}

