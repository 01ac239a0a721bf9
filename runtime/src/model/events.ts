import type { AttemptError } from './attemptError';
import type { AttemptHeartbeat } from './heartbeatProtocol';
import type { RunStatus, StepStatus } from './status';

/** What the engine reports while a run progresses (for live progress and, later, event streams). */
export type EngineEvent =
  | { type: 'run'; runId: string; runName: string; pipeline: string; status: RunStatus; at: number; error?: string }
  | {
      type: 'step';
      runId: string;
      invocationId: string;
      stepName: string;
      status: StepStatus;
      attempt: number;
      cached: boolean;
      durationMs?: number;
      error?: AttemptError;
      at: number;
    }
  | {
      type: 'attempt';
      runId: string;
      invocationId: string;
      attempt: number;
      status: 'running' | 'lost' | 'relinquished' | 'refused';
      pid?: number;
      detail?: string;
      /** On `running`: the heartbeat settings of the attempt's lease. */
      heartbeat?: AttemptHeartbeat;
      at: number;
    }
  | { type: 'heartbeat'; runId: string; invocationId: string; attempt: number; at: number }
  | { type: 'retry'; runId: string; invocationId: string; nextAttempt: number; delayMs: number; error: AttemptError; at: number }
  | { type: 'hook'; runId: string; invocationId: string; hook: 'onSuccess' | 'onFailure'; ok: boolean; error?: string; at: number }
  | { type: 'log'; runId: string; invocationId?: string; attempt?: number; stream: 'stdout' | 'stderr'; text: string; at: number };

export type EngineListener = (event: EngineEvent) => void;
