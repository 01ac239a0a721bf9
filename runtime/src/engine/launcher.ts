/**
 * The seam between the engine and wherever attempts run. A session asks its launcher to compile
 * the pipeline, execute attempts, run hooks and compute user cache keys; the launcher reports
 * output and child-run requests back. Today's implementation is the local runner pool
 * (`runnerPool/`); a launcher that runs attempts on other machines passes the same contract tests.
 */
import type { ArtifactRef } from '../model/artifactRef';
import type { PipelineDag } from '../model/dag';
import type { RunTarget } from '../model/runTarget';
import type { CacheKeyTask, ChildRunOutcome, ExecuteTask, HookTask, RunnerConfig, TaskError } from '../model/runnerProtocol';

/** Who a piece of captured output belongs to. */
export interface TaskOwner {
  runId: string;
  invocationId: string;
  attempt: number;
}

export type ExecuteOutcome = { ok: true; outputs: Record<string, ArtifactRef> } | { ok: false; error: TaskError };

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

export interface Launcher {
  /** Runs the pipeline body (or wraps the one step) once with these (encoded) parameters; rejects with a compile error. */
  compile(target: RunTarget, parameters: Record<string, unknown>): Promise<PipelineDag>;
  /** Executes one attempt; `onStart` hears the pid of the process that runs it. */
  execute(task: ExecuteTask, onStart: (pid: number) => void): Promise<ExecuteOutcome>;
  hook(task: HookTask): Promise<{ source: string } | { error: TaskError }>;
  /** The inputs part of a cache key, from the step's own `cacheKey` function (user code). */
  cacheKey(task: CacheKeyTask, attempt: number): Promise<{ key: string } | { error: TaskError }>;
  /** Stops the attempt of this invocation now (its task then fails as cancelled). */
  stop(owner: Omit<TaskOwner, 'attempt'>): void;
  /** Takes the process of a fenced attempt out of service without killing it; its pid, if known. */
  abandon(owner: TaskOwner): number | undefined;
  close(): Promise<void>;
}

/** Makes the launcher of one session: one bundle run from one folder. */
export type LauncherFactory = (config: RunnerConfig, callbacks: LauncherCallbacks) => Launcher;
