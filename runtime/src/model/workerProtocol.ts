/**
 * The wire between the orchestrator and its remote workers (`pipewright worker`): JSON, except
 * artifacts, whose bytes travel raw ({@link ARTIFACT_BYTES_TYPE}) both ways, checked against their
 * content address as they arrive (a small output travels inside its result instead, base64).
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
  /** GET: an input's bytes; POST: an output's bytes (raw, {@link ARTIFACT_BYTES_TYPE}); `?materializer=M&workerId=W`. */
  artifact: '/worker-jobs/:job/artifacts/:hash',
} as const;

/** The content type of an artifact's bytes on this wire, both ways. */
export const ARTIFACT_BYTES_TYPE = 'application/octet-stream';

/** The path of an artifact of job `jobId` (for GET or POST), naming its materializer (and, for an upload, the worker). */
export function workerArtifactPath(jobId: string, ref: { hash: string; materializer: string }, workerId?: string): string {
  const query = new URLSearchParams({ materializer: ref.materializer, ...(workerId === undefined ? {} : { workerId }) });
  return `${WORKER_PATHS.artifact.replace(':job', encodeURIComponent(jobId)).replace(':hash', encodeURIComponent(ref.hash))}?${query}`;
}

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
  /** The pool it serves: it is handed only jobs of that pool (and jobs of no pool: compiling a run). */
  pool: string;
  labels: Record<string, string>;
  /** Most jobs it runs at once (`--concurrency`; 1 when left out): it is handed none while it holds that many. */
  concurrency?: number;
  /** How long the orchestrator may hold the request open when there is nothing to claim. */
  waitMs: number;
}

export interface ClaimAnswer {
  job?: WorkerJob;
  /**
   * Input artifacts of the job small enough to travel inside the answer (the same bounds as a
   * result's outputs), by hash, base64, unless this worker sent them itself: one request fewer per
   * step. The worker checks them against their content address; any it is not given it downloads.
   */
  inputs?: Record<string, string>;
  /** How often the worker beats, and after how long without reaching the orchestrator it stops. */
  intervalMs: number;
  timeoutMs: number;
}

export interface BeatRequest {
  workerId: string;
  /** Every job the worker holds now. */
  jobs: string[];
  /** It is draining (SIGTERM): hand it nothing more; it finishes or hands back what it holds. */
  draining?: boolean;
  /** Its last beat: it holds nothing and exits now (it leaves the list of workers at once). */
  leaving?: boolean;
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
  /**
   * Outputs of an `executed` reply small enough to travel inside it ({@link INLINE_OUTPUT_BYTES}
   * at most each), by hash, base64: one request fewer per step. Checked against their content
   * address on arrival like an upload; larger outputs are uploaded first.
   */
  outputs?: Record<string, string>;
}

/** The largest output a worker sends inside its result instead of uploading it first. */
export const INLINE_OUTPUT_BYTES = 256 * 1024;
/** The most output bytes one result carries inside it (the rest are uploaded first), well under the result route's body limit. */
export const INLINE_RESULT_BYTES = 4 * 1024 * 1024;

export interface LogRequest {
  workerId: string;
  lines: { stream: 'stdout' | 'stderr'; text: string }[];
}

export interface ChildRunAnswer {
  outcome?: ChildRunOutcome;
  error?: string;
}

/** The error of a reply by which a drained worker hands a job back unfinished (`relinquished`: run again elsewhere, charged to no budget). */
export function relinquishedError(workerId: string, why: string): TaskError {
  return { name: 'Relinquished', message: `handed back by worker ${workerId}: ${why}`, retryable: true, relinquished: true };
}

/** One worker as the daemon knows it (`GET /v1/workers`, `pipewright workers list`). */
export interface WorkerInfo {
  id: string;
  pool: string;
  labels: Record<string, string>;
  concurrency: number;
  /** `draining`: it got SIGTERM; it claims nothing more and exits once its attempts finish or are handed back. */
  state: 'serving' | 'draining';
  /** When it was first and last heard from (ms since the epoch, the daemon's clock). */
  firstSeenAt: number;
  lastSeenAt: number;
  /** What it runs now. */
  running: HeldJobInfo[];
}

/** A job in the daemon's queue or held by a worker. */
export interface HeldJobInfo {
  kind: WorkerJob['kind'];
  /** Its pool; none for a job any worker may take (compiling a run). */
  pool?: string;
  /** The labels a worker must have to take it, when its step requires some. */
  labels?: Record<string, string>;
  runId?: string;
  invocationId?: string;
  attempt?: number;
  /** When it was queued, or claimed when held. */
  since: number;
}

/** One pool: its live workers, what they run, and the queue's depth (jobs waiting for a worker of this pool). */
export interface PoolInfo {
  name: string;
  workers: number;
  /** Attempts its workers can run at once (the sum of their concurrency, draining ones left out). */
  capacity: number;
  running: number;
  queued: number;
}

/** The daemon's workers, pools and queue, as of `at`. */
export interface WorkersAnswer {
  /** `local`: the daemon runs steps itself (no worker, no queue). */
  workersMode: 'local' | 'remote';
  /** The daemon's clock when it answered (heartbeat ages are `at - lastSeenAt`). */
  at: number;
  pools: PoolInfo[];
  workers: WorkerInfo[];
  /** Queued jobs, oldest first. */
  queued: HeldJobInfo[];
}
