/**
 * The route table: the contract of the orchestrator's HTTP API. Each route is declared once,
 * here, with its method, path, success status, body limit, the zod schemas of its query or body,
 * and the type of its answer. The daemon registers every entry (`daemon/httpApi.ts`) and
 * dispatches it to its handler (`daemon/apiHandlers.ts`, typed by {@link RouteHandlers}); the
 * typed client (`client.ts`) derives one method per entry. A new route is an entry here and its
 * handler there.
 *
 * Schemas are written as functions of a kit (`routeSchemaKit` in `protocol.ts`: zod and the
 * shared schemas), which only the daemon calls: the clients (the CLI, the extension) load this
 * table without loading zod. Path parameters are named by the path (`/runs/:run`) and are text.
 *
 * The routes that are not plain JSON calls are written by hand in `daemon/httpApi.ts`: the
 * event stream, an artifact's bytes, and the runners' heartbeats and results.
 */
import type { z } from 'zod';
import type { HealthAnswer, LogAnswer, RouteSchemaKit, RunDetail } from './protocol';
import type { ServiceSpecInput } from '../services/serviceSpec';
import type { ServiceStatus } from '../services/serviceManager';
import type { PipelineDag } from '../model/dag';
import type { RunDiff } from '../model/runDiff';
import type { RunTimeline } from '../model/runTimeline';
import type { RouteScope } from '../model/tokenScopes';
import type { WorkersAnswer } from '../model/workerProtocol';
import type { PipelinePlan } from '../engine/planPrediction';
import { MAX_BODY_BYTES } from './paths';

/** The type of a route's answer; a marker with no value. */
export interface Answer<T> {
  readonly answer?: T;
}

/** Declares a route's answer type (`answer: answer<RunDetail>()`). */
export function answer<T>(): Answer<T> {
  return {};
}

type QuerySchemas = (kit: RouteSchemaKit) => Record<string, z.ZodType>;
type BodySchema = (kit: RouteSchemaKit) => z.ZodType;

/** What a route declares. A route reads a query or a body, never both. */
export type RouteSpec = {
  method: 'GET' | 'POST';
  /** Under `API_PREFIX`; `:name` segments are the path's parameters. */
  path: string;
  /** The scope of token it needs (`model/tokenScopes.ts`); the daemon's token check enforces it. */
  scope: RouteScope;
  /** The status of a successful answer (200 when left out). */
  status?: 200 | 201 | 202;
  /** The largest body accepted, in bytes (Fastify's 1 MiB when left out). */
  bodyLimit?: number;
  /**
   * Only the leading daemon of a shared store answers it (it changes what runs, or reads what only
   * the leader holds in memory: services, workers); a replica forwards it there (`daemon/leaderRoutes.ts`).
   */
  leader?: true;
  answer: Answer<unknown>;
} & ({ query?: QuerySchemas; body?: never } | { body?: BodySchema; query?: never });

export const API_ROUTES = {
  /** Any valid token: a worker, a scrape or a user checks it reaches the orchestrator. */
  health: { method: 'GET', path: '/health', scope: 'any', answer: answer<HealthAnswer>() },
  /** Answered before the daemon stops; only the store's own token may ask. */
  shutdown: { method: 'POST', path: '/shutdown', scope: 'admin', status: 202, answer: answer<{ stopping: boolean }>() },
  /** Resumes, now, every run whose engine is gone; answers the ids it resumed. */
  resumeAbandoned: { method: 'POST', path: '/resume', scope: 'user', leader: true, answer: answer<{ resumed: string[] }>() },

  /** Newest first; `status` keeps runs in any of the statuses it lists. */
  listRuns: {
    method: 'GET',
    path: '/runs',
    scope: 'user',
    query: (kit) => ({ limit: kit.int('limit', 1, 1000, 50), pipeline: kit.text, status: kit.runStatuses }),
    answer: answer<RunDetail[]>(),
  },
  submitRun: { method: 'POST', path: '/runs', scope: 'user', leader: true, status: 201, bodyLimit: MAX_BODY_BYTES, body: (kit) => kit.submitRun, answer: answer<RunDetail>() },
  /** What a run started now would do with each invocation (reuse or run, and why), running no step: `pipewright plan`. */
  planRun: { method: 'POST', path: '/plan', scope: 'user', bodyLimit: 64 * 1024, body: (kit) => kit.planRun, answer: answer<PipelinePlan>() },
  /** `run`: a run's id or name. */
  getRun: { method: 'GET', path: '/runs/:run', scope: 'user', answer: answer<RunDetail>() },
  /** The DAG the run compiled and ran (the editor compares it with the code now: drift). */
  runDag: { method: 'GET', path: '/runs/:run/dag', scope: 'user', answer: answer<PipelineDag>() },
  /** `run` (A) against `other` (B): parameters, statuses, durations and output hashes side by side (400 when both are one run). */
  diffRuns: { method: 'GET', path: '/runs/:run/diff/:other', scope: 'user', answer: answer<RunDiff>() },
  /** Every attempt of every step with its start, end, status and heartbeat gaps, and each step's upstream: the DAG panel's timeline. */
  runTimeline: { method: 'GET', path: '/runs/:run/timeline', scope: 'user', answer: answer<RunTimeline>() },
  cancelRun: { method: 'POST', path: '/runs/:run/cancel', scope: 'user', leader: true, status: 202, answer: answer<{ cancelling: string }>() },
  /** Re-runs every step that did not succeed, or `step` and what depends on it, reusing committed outputs. */
  retryRun: {
    method: 'POST',
    path: '/runs/:run/retry',
    scope: 'user',
    leader: true,
    status: 201,
    bodyLimit: 4096,
    body: (kit) => kit.z.strictObject({ step: kit.z.string().min(1).max(500).optional() }),
    answer: answer<RunDetail>(),
  },
  /** A run's stored output; of one step (`step`), or of one attempt of it (`step` and `attempt`). */
  logs: {
    method: 'GET',
    path: '/runs/:run/logs',
    scope: 'user',
    query: (kit) => ({ step: kit.text, attempt: kit.int('attempt', 1, 1_000_000) }),
    answer: answer<LogAnswer[]>(),
  },

  listServices: { method: 'GET', path: '/services', scope: 'user', leader: true, answer: answer<ServiceStatus[]>() },
  startService: {
    method: 'POST',
    path: '/services',
    scope: 'user',
    leader: true,
    status: 201,
    bodyLimit: 1024 * 1024,
    // The service manager validates the spec itself (`services/serviceSpec.ts`), naming every problem.
    body: (kit) => kit.z.custom<ServiceSpecInput>().transform((spec): unknown => spec),
    answer: answer<ServiceStatus>(),
  },
  serviceStatus: { method: 'GET', path: '/services/:name', scope: 'user', leader: true, answer: answer<ServiceStatus>() },
  stopService: { method: 'POST', path: '/services/:name/stop', scope: 'user', leader: true, answer: answer<ServiceStatus>() },
  /** The newest `tail` lines of a service's log (all of it when left out). */
  serviceLogs: { method: 'GET', path: '/services/:name/logs', scope: 'user', leader: true, query: (kit) => ({ tail: kit.int('tail', 1, 100_000) }), answer: answer<{ name: string; text: string }>() },

  /** Remote workers by pool: each worker's labels, last beat and running attempts, and each pool's queue depth (`pipewright workers list`). */
  listWorkers: { method: 'GET', path: '/workers', scope: 'user', leader: true, answer: answer<WorkersAnswer>() },
} as const satisfies Record<string, RouteSpec>;

type Routes = typeof API_ROUTES;
export type RouteName = keyof Routes;

/** The names of a path's `:parameters`. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<Rest> : P extends `${string}:${infer Name}` ? Name : never;
export type PathParams<K extends RouteName> = { [N in ParamNames<Routes[K]['path']>]: string };

type QueryShape<K extends RouteName> = Routes[K] extends { query: (kit: RouteSchemaKit) => infer Shape } ? Shape : Record<never, never>;
/** The query of route `K` as the daemon's handler reads it (parsed, defaults applied). */
export type QueryOf<K extends RouteName> = { [P in keyof QueryShape<K>]: z.output<QueryShape<K>[P]> };
type BodySchemaOf<K extends RouteName> = Routes[K] extends { body: (kit: RouteSchemaKit) => infer S extends z.ZodType } ? S : undefined;

/** What a caller of route `K` gives: its path parameters, its query parameters and its body's fields, side by side. */
export type ClientInput<K extends RouteName> = NoFieldsIfEmpty<Flat<PathParams<K> & Partial<QueryOf<K>> & (BodySchemaOf<K> extends z.ZodType ? z.input<BodySchemaOf<K>> : unknown)>>;

/** What the daemon's handler of route `K` is given: the path's and the query's parameters by name, and the validated body. */
export type HandlerInput<K extends RouteName> = Flat<PathParams<K> & QueryOf<K> & (BodySchemaOf<K> extends z.ZodType ? { body: z.output<BodySchemaOf<K>> } : unknown)>;

export type AnswerOf<K extends RouteName> = Routes[K]['answer'] extends Answer<infer T> ? T : never;

/** What a handler may do besides answering. */
export interface HandlerReply {
  /** Runs `action` once the answer has been sent (the daemon stops after answering a shutdown). */
  afterAnswer(action: () => void): void;
}

/** The daemon's behaviour of every route of the table: one handler each, typed by its entry. */
export type RouteHandlers = { [K in RouteName]: (input: HandlerInput<K>, reply: HandlerReply) => AnswerOf<K> | Promise<AnswerOf<K>> };

/** The `:parameters` of a route's path (`/runs/:run/logs`: `run`). */
const PATH_PARAM = /:([A-Za-z]\w*)/g;

/** The names of a path's parameters, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(PATH_PARAM)].map((match) => match[1]!);
}

/** `path` with each parameter replaced by `valueOf(name)`, percent-encoded. */
export function fillPath(path: string, valueOf: (name: string) => string): string {
  return path.replace(PATH_PARAM, (_match, name: string) => encodeURIComponent(valueOf(name)));
}

type Flat<T> = { [K in keyof T]: T[K] };
/** An input without fields is `{}` and nothing else (an `AbortSignal` given in its place is an error). */
type NoFieldsIfEmpty<T> = keyof T extends never ? Record<string, never> : T;
