/**
 * The orchestrator's HTTP API (version 1): request schemas and response shapes, shared by the
 * daemon and its one typed client (used by the CLI and the editor).
 */
import { z } from 'zod';
import type { OutputSummary } from '../model/runSummary';
import type { RunSummary } from '../model/runSummary';
import type { AttemptError } from '../model/attemptError';
import type { AttemptStatus } from '../model/status';
import type { ErrorCode } from '../model/errorCodes';
import type { RunTarget } from '../model/runTarget';
import { runOptionsSchema } from '../model/runOptions';

export { API_PREFIX } from './paths';
/** Largest request body accepted (a submitted run carries its bundle). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

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
});

export type SubmitRunRequest = z.input<typeof submitRunSchema>;

export interface AttemptInfo {
  attempt: number;
  status: AttemptStatus;
  runnerPid: number | null;
  /** Why the attempt failed (name, whole message, source-mapped stack, thrown value) or was lost. */
  error: AttemptError | null;
  startedAt: number;
  endedAt: number | null;
  heartbeatAt: number | null;
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
}

/** One event of the stream; `seq` is its SSE id, resumable with `Last-Event-ID`. */
export interface StreamEvent {
  seq: number;
  type: string;
  runId: string | null;
  data: unknown;
}

export interface ApiError {
  error: string;
  /** The error's stable code (`errorCodes.ts`), e.g. {@link NOTHING_TO_RETRY}. */
  code: ErrorCode;
}

/** `POST /runs/:id/retry` (409): every step of the run succeeded, so no run was made. */
export const NOTHING_TO_RETRY = 'nothing-to-retry' satisfies ErrorCode;
