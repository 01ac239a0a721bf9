/**
 * The orchestrator's HTTP API (version 1): the request schemas and answer shapes its route table
 * (`routes.ts`) and hand-written routes use, shared by the daemon and its one typed client (used
 * by the CLI and the editor, which load only the types of this module: it loads zod).
 */
import { z } from 'zod';
import type { OutputSummary } from '../model/runSummary';
import type { RunSummary } from '../model/runSummary';
import type { AttemptError } from '../model/attemptError';
import type { AttemptStatus } from '../model/status';
import type { AttemptHeartbeat } from '../model/heartbeatProtocol';
import type { ErrorCode } from '../model/errorCodes';
import type { RunTarget } from '../model/runTarget';
import { runOptionsSchema } from '../model/runOptions';
import { intParam, runStatusesParam, textParam } from './queryParams';

export { API_PREFIX, MAX_BODY_BYTES } from './paths';

export const submitRunSchema = z.strictObject({
  /** Name of the pipeline file on the author's side (for display and errors). */
  file: z.string().min(1).max(4096),
  /** What to run: a pipeline, or one step on its own. */
  target: z.strictObject({ kind: z.enum(['pipeline', 'step']), name: z.string().min(1).max(500) }) satisfies z.ZodType<RunTarget>,
  /** Parameters in the safe structured encoding. */
  parameters: z.record(z.string(), z.unknown()).default({}),
  /** Run options (`model/runOptions.ts`: the same schema as the SDK's and YAML configs'). */
  options: runOptionsSchema.default({}),
  /** The esbuild bundle of the pipeline file (CommonJS text). */
  bundle: z.string().min(1),
  /** The static manifest computed on the author's side (types, annotations). */
  manifest: z.unknown().optional(),
  /**
   * Absolute folder the steps run in (relative paths resolve against it): the folder the user
   * ran from. Only the local daemon is sent one; left out, steps run in the orchestrator's own
   * working folder (a remote orchestrator has no access to the author's folders).
   */
  workingDir: z.string().min(1).max(4096).optional(),
  /** Absolute folder whose node_modules provide the bundle's external packages (default: the working folder). */
  projectDir: z.string().min(1).max(4096).optional(),
  /**
   * Run from a past run: invocation `from` and everything downstream of it execute, every other
   * invocation takes the committed outputs of run `run` (id or name), a run of the same pipeline.
   */
  reuse: z.strictObject({ run: z.string().min(1).max(500), from: z.string().min(1).max(500) }).optional(),
  /**
   * The new run's id, chosen by the client (a UUID) so that the submit can be sent again after
   * its answer was lost (a leader gone mid-request): a run of that id already made is answered,
   * never made twice. Left out, the orchestrator picks one.
   */
  runId: z.uuid().optional(),
});

export type SubmitRunRequest = z.input<typeof submitRunSchema>;

/** `POST /v1/plan`: what `pipewright plan` takes, for a file on the daemon's machine. */
export const planRunSchema = z
  .strictObject({
    /** Absolute path of the pipeline file. */
    file: z.string().min(1).max(4096),
    /** Pipeline to plan when the file defines several (`--pipeline`). */
    pipeline: z.string().min(1).max(500).optional(),
    /** Plan a run of only this step (`--step`). */
    step: z.string().min(1).max(500).optional(),
    /** Parameters as text, converted to their declared types (`--param key=value`). */
    params: z.record(z.string(), z.string()).default({}),
    /** Absolute path of a YAML run config (`--config`). */
    config: z.string().min(1).max(4096).optional(),
    /** Plan a run with caching disabled (`--no-cache`). */
    noCache: z.boolean().default(false),
    /** Absolute folder the run would run in (part of the default cache key); default: the daemon's. */
    workingDir: z.string().min(1).max(4096).optional(),
  })
  .refine((body) => body.step === undefined || body.pipeline === undefined, { message: 'step and pipeline cannot be combined', path: ['step'] });

export type PlanRunRequest = z.output<typeof planRunSchema>;

/**
 * What the schema functions of the route table (`routes.ts`) are given: zod, the query
 * parameters' schemas and the bodies' schemas declared here. The table is written against this
 * kit rather than against zod, so the clients (the CLI, the extension) load the table without
 * zod; the daemon, which validates, hands the kit to the table's functions.
 */
export const routeSchemaKit = {
  z,
  /** An optional text query parameter. */
  text: textParam,
  /** An integer query parameter within bounds (`int('limit', 1, 1000, 50)`). */
  int: intParam,
  /** A comma-separated list of run statuses (`?status=failed,running`). */
  runStatuses: runStatusesParam,
  submitRun: submitRunSchema,
  planRun: planRunSchema,
};

export type RouteSchemaKit = typeof routeSchemaKit;

/** `POST /runner-results`: a result an orphaned runner delivers to its daemon's successor. */
export const runnerResultSchema = z.strictObject({
  runId: z.string().min(1).max(100),
  invocationId: z.string().min(1).max(500),
  attempt: z.number().int().min(1),
  reply: z.object({ type: z.enum(['executed', 'taskFailed']) }).passthrough(),
});

export interface AttemptInfo {
  attempt: number;
  status: AttemptStatus;
  runnerPid: number | null;
  /** Why the attempt failed (name, whole message, source-mapped stack, thrown value) or was lost. */
  error: AttemptError | null;
  startedAt: number;
  endedAt: number | null;
  heartbeatAt: number | null;
  /** While the attempt runs: the heartbeat settings of its lease (absent from older orchestrators). */
  heartbeat?: AttemptHeartbeat;
}

/**
 * `GET /v1/runs/:id`: the summary plus every attempt of every step, lost ones included, the
 * run's parameters (stored encoding) and the committed outputs of each step.
 */
export interface RunDetail extends RunSummary {
  attempts: Record<string, AttemptInfo[]>;
  /** Committed outputs by invocation id; a step without any is absent (absent from older orchestrators). */
  outputs?: Record<string, OutputSummary[]>;
}

export interface HealthAnswer {
  status: 'ok';
  pid: number;
  instanceId: string;
  version: string;
  startedAt: string;
  runsInFlight: number;
  /** Concurrency slots held by running attempts (0 when nothing runs). */
  slotsHeld: number;
  /** Attempts holding a lease now. */
  leasesHeld: number;
  /** A daemon of a shared (PostgreSQL) store: whether it leads (schedules, drives runs) or is a replica (forwards to the leader). */
  role?: 'leader' | 'replica';
}

/** A line of a run's stored output, as the API answers it. */
export interface LogAnswer {
  step: string | null;
  attempt: number | null;
  stream: 'stdout' | 'stderr';
  text: string;
  at: number;
}

/** One event of the stream; `seq` is its SSE id, resumable with `Last-Event-ID`. */
export interface StreamEvent {
  seq: number;
  type: string;
  runId: string | null;
  data: unknown;
}

/** The body of every error answer; its status is the one `ERROR_CODES` gives its code. */
export interface ApiErrorBody {
  error: string;
  /** The error's stable code (`errorCodes.ts`); the client rebuilds the error's class from it. */
  code: ErrorCode;
}
