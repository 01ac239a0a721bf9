/**
 * What the timeline of a run (the DAG panel's Gantt) is drawn from, as `GET /runs/:run/timeline`
 * answers it: every attempt of every invocation with its start, end and status, the heartbeat
 * gaps the engine recorded (late beats, `heartbeatGap.ts`), and each invocation's upstream in the
 * run's own DAG (for its critical path). Retry delays are the time between one attempt's end and
 * the next one's start.
 */
import type { HeartbeatGap } from './heartbeatGap';
import type { AttemptStatus, RunStatus, StepStatus } from './status';

export interface TimelineAttempt {
  attempt: number;
  status: AttemptStatus;
  startedAt: number;
  endedAt: number | null;
  /** The newest heartbeat recorded (a lost attempt's runner fell silent after it). */
  heartbeatAt: number | null;
  /** Silences before late beats, oldest first. */
  gaps: HeartbeatGap[];
  /** The failure's first line, when it failed or was lost. */
  error?: string;
}

export interface TimelineInvocation {
  id: string;
  step: string;
  status: StepStatus;
  cached: boolean;
  /** When the invocation started and ended (a cached one: when it was reused), if it did. */
  startedAt: number | null;
  endedAt: number | null;
  /** The invocations it waits for (data and order edges of the run's DAG). */
  upstream: string[];
  attempts: TimelineAttempt[];
}

export interface RunTimeline {
  runId: string;
  runName: string;
  pipeline: string;
  status: RunStatus;
  startedAt: number | null;
  endedAt: number | null;
  /** The orchestrator's clock when it answered: where running bars end. */
  now: number;
  /** In the run's step order. */
  invocations: TimelineInvocation[];
}
