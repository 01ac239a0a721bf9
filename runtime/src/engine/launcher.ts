/**
 * The seam between the engine and wherever attempts run. A session asks its launcher to compile
 * the pipeline, execute attempts, run hooks and compute user cache keys; the launcher reports
 * output and child-run requests back. Today's implementation is the local runner pool
 * (`runnerPool/`); a launcher that runs attempts on other machines passes the same contract tests.
 */
import type { ArtifactRef, CarriedBytes } from '../model/artifactRef';
import type { PipelineDag } from '../model/dag';
import type { RunTarget } from '../model/runTarget';
import type { CacheKeyTask, ChildRunOutcome, ExecuteTask, HookTask, RunnerConfig, TaskError } from '../model/runnerProtocol';

/** Who a piece of captured output belongs to. */
export interface TaskOwner {
  runId: string;
  invocationId: string;
  attempt: number;
}

/**
 * How an attempt ended. A success's outputs are in the run's artifact store, except those whose
 * bytes are `carried` (by hash, checked against it): small outputs that came inside a remote
 * worker's result, which the store keeps with the commit (RunStore.commitOutputs).
 */
export type ExecuteOutcome = { ok: true; outputs: Record<string, ArtifactRef>; carried?: CarriedBytes } | { ok: false; error: TaskError };

export interface ChildRunRequest {
  parentRunId: string;
  parentInvocation: string;
  pipeline: string;
  parameters: Record<string, unknown>;
}

/** What a launcher reports back to its session. */
export interface LauncherCallbacks {
  onLog(owner: TaskOwner | undefined, stream: 'stdout' | 'stderr', text: string): void;
  onChildRun(request: ChildRunRequest): Promise<ChildRunOutcome>;
}

/**
 * Who runs an attempt, as its launcher reports it. The engine records it with the attempt and
 * shows it, and after a restart asks the launcher whether it may still be at work
 * ({@link Launcher.mayStillRun}); it never interprets it itself.
 */
export interface AttemptWorker {
  /** The worker's process id when it runs on the engine's machine (kept as the attempt's runner pid); none for a worker elsewhere. */
  pid?: number;
}

export interface Launcher {
  /** Runs the pipeline body (or wraps the one step) once with these (encoded) parameters; rejects with a compile error (`PipelineCompileError`, located when it can be). */
  compile(target: RunTarget, parameters: Record<string, unknown>): Promise<PipelineDag>;
  /**
   * Executes one attempt. `onStart` hears who runs it, once it has a worker. A failure of the
   * step resolves `{ ok: false }` (what was thrown, with its stack); a worker that went away
   * resolves an error marked `lost`.
   */
  execute(task: ExecuteTask, onStart: (worker: AttemptWorker) => void): Promise<ExecuteOutcome>;
  hook(task: HookTask): Promise<{ source: string } | { error: TaskError }>;
  /** The inputs part of a cache key, from the step's own `cacheKey` function (user code). */
  cacheKey(task: CacheKeyTask, attempt: number): Promise<{ key: string } | { error: TaskError }>;
  /** Stops the attempt of this invocation now (its task then fails as cancelled). */
  stop(owner: Omit<TaskOwner, 'attempt'>): void;
  /**
   * Takes the worker of a fenced attempt (its lease was lost) out of service: whatever it still
   * does is refused, and it gets no new task. The local pool lets it finish; a remote worker,
   * told its attempt is fenced, kills that attempt's runner at once.
   */
  abandon(owner: TaskOwner): void;
  /**
   * What an attempt of `task` waits for before it starts, when this launcher queues it for a
   * worker (`pool gpu, labels accelerator=a100`): recorded as `queued` until its `onStart`. None:
   * it starts at once (the local runner pool).
   */
  queuedFor?(task: Pick<ExecuteTask, 'pool' | 'labels'>): string;
  /**
   * Whether the worker an earlier engine recorded for a still-running attempt may still be
   * running it (after an engine restart): such an attempt gets a new lease and its result is
   * awaited; any other is lost.
   */
  mayStillRun(worker: AttemptWorker): boolean;
  /**
   * Whether a remote worker still holds `owner`'s attempt, dispatched by an engine that is gone
   * (a daemon that led before this one): the engine then {@link reattach}es it instead of
   * running it again. None: no attempt outlives its engine elsewhere.
   */
  stillHeld?(owner: TaskOwner): Promise<boolean>;
  /** Takes over the attempt of `task` that {@link stillHeld} found: its outcome, as {@link execute}'s (lost when its worker no longer holds it). */
  reattach?(task: ExecuteTask): Promise<ExecuteOutcome>;
  /** Ends every worker of this launcher. */
  close(): Promise<void>;
}

/** Makes the launcher of one session: one bundle run from one folder. */
export type LauncherFactory = (config: RunnerConfig, callbacks: LauncherCallbacks) => Launcher;
