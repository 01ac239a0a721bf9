/**
 * The wire between the orchestrator and its remote workers (`pipewright worker`): plain JSON.
 * A worker claims jobs (long-poll), runs each in a runner process of its own machine, and
 * answers with the job's reply; one beat per interval covers all the jobs it holds.
 */
import type { ArtifactRef } from './artifactRef';
import type { PipelineDag } from './dag';
import type { RunTarget } from './runTarget';
import type { CacheKeyTask, ChildRunOutcome, ExecuteTask, HookTask, TaskError } from './runnerProtocol';
import type { SourceLocation } from './location';

/** Routes of the worker wire, under the API prefix. */
export const WORKER_PATHS = {
  claim: '/worker-claims',
  beat: '/worker-beats',
  job: '/worker-jobs/:job',
} as const;

interface JobBase {
  jobId: string;
  /** sha256 of the pipeline bundle's text: the worker fetches it once and checks it. */
  bundleHash: string;
}

export type WorkerJob =
  | (JobBase & { kind: 'compile'; target: RunTarget; parameters: Record<string, unknown> })
  | (JobBase & { kind: 'execute'; task: ExecuteTask })
  | (JobBase & { kind: 'hook'; task: HookTask })
  | (JobBase & { kind: 'cacheKey'; task: CacheKeyTask; attempt: number });

/** What a worker answers for a job. */
export type WorkerReply =
  | { kind: 'compiled'; dag: PipelineDag }
  | { kind: 'compileFailed'; detail: string; location?: SourceLocation; bundleLoad?: TaskError }
  | { kind: 'executed'; outputs: Record<string, ArtifactRef> }
  | { kind: 'hookDone'; source: string }
  | { kind: 'cacheKeyDone'; key: string }
  | { kind: 'failed'; error: TaskError };

export interface ClaimRequest {
  workerId: string;
  pool: string;
  labels: Record<string, string>;
  /** How long the orchestrator may hold the request open when there is nothing to claim. */
  waitMs: number;
}

export interface ClaimAnswer {
  job?: WorkerJob;
  /** How often the worker beats, and after how long without reaching the orchestrator it stops. */
  intervalMs: number;
  timeoutMs: number;
}

export interface BeatRequest {
  workerId: string;
  /** Every job the worker holds now. */
  jobs: string[];
}

/** What the worker must do with the jobs it holds. */
export interface BeatAnswer {
  /** Stop these now (cancelled, or their launcher closed). */
  stop: string[];
  /** Fenced: take their runners out of service; their results will be refused. */
  abandon: string[];
}

export interface ResultRequest {
  workerId: string;
  reply: WorkerReply;
}

export interface LogRequest {
  workerId: string;
  lines: { stream: 'stdout' | 'stderr'; text: string }[];
}

export interface ChildRunAnswer {
  outcome?: ChildRunOutcome;
  error?: string;
}

/** An artifact's bytes on the wire (base64), named by its content address. */
export interface ArtifactBytes {
  hash: string;
  materializer: string;
  base64: string;
}
