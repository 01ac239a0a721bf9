import type { AttemptError } from './attemptError';
import type { AttemptStatus, RunStatus, StepStatus } from './status';

/** One committed output of a step: what `runs show` and `artifacts list` describe. */
export interface OutputSummary {
  /** The output's name (`output` for a step with one output). */
  name: string;
  /** The stored value's type, e.g. `Array`, `number`, `Map` or a class name. */
  type: string;
  /** The materializer that stored it (`json`, `text`, `bytes`, `structured` or a custom one). */
  materializer: string;
  /** Stored size in bytes. */
  size: number;
  /** The artifact's content hash (sha256, hex). */
  hash: string;
}

/** What a run was given and what it produced, beside its statuses. */
export interface RunContents {
  /** The run's parameters as stored (the safe structured encoding; plain JSON stays as is). */
  parameters: Record<string, unknown>;
  /** Committed outputs by invocation id, in step order (steps without outputs are absent). */
  outputs: Record<string, OutputSummary[]>;
}

export interface StepSummary {
  id: string;
  step: string;
  status: StepStatus;
  /** How many attempts were made, lost ones included. */
  attempts: number;
  cached: boolean;
  durationMs: number | null;
  /** Why the step failed (or was cancelled, crashed): its last failed attempt's error, or the engine's reason. */
  error?: AttemptError;
  /**
   * Set while its running attempt waits in the orchestrator's queue for a remote worker: what it
   * waits for (`pool gpu`, `pool default, labels accelerator=a100`). Its status stays `running`
   * (the attempt holds its lease and slots); `runs show` shows it `queued`.
   */
  queuedFor?: string;
  /** How each attempt ended (`runs show`). */
  history?: AttemptSummary[];
  /** Committed outputs (`runs show`). */
  outputs?: OutputSummary[];
}

export interface AttemptSummary {
  attempt: number;
  status: AttemptStatus;
  error: AttemptError | null;
  durationMs: number | null;
  /** Milliseconds since the last heartbeat, while the attempt runs. */
  heartbeatAgeMs?: number;
}

/** The shape printed by `--json` for `run` and `runs show`, and returned by `pipeline.run()`. */
export interface RunSummary {
  runId: string;
  runName: string;
  pipeline: string;
  status: RunStatus;
  steps: StepSummary[];
  error?: string;
  parentRunId?: string;
  createdAt: string;
  durationMs: number | null;
  /** The run's parameters in the stored encoding (`runs show`). */
  parameters?: Record<string, unknown>;
}
