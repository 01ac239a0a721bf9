/**
 * The launcher whose attempts run on remote workers (`pipewright worker`): each task becomes a
 * job of the daemon's {@link WorkerHub}, which a worker claims, runs in a runner process of its
 * machine and answers. It passes the same contract tests as the local runner pool.
 */
import * as path from 'node:path';
import type { AttemptWorker, ExecuteOutcome, Launcher, LauncherCallbacks, LauncherFactory, TaskOwner } from '../engine/launcher';
import type { PipelineDag } from '../model/dag';
import type { CacheKeyTask, ExecuteTask, HookTask, RunnerConfig, TaskError } from '../model/runnerProtocol';
import type { RunTarget } from '../model/runTarget';
import type { WorkerJob, WorkerReply } from '../model/workerProtocol';
import { DEFAULT_POOL } from '../model/runOptions';
import { PipelineCompileError } from '../sdk/compile';
import { BundleLoadError } from '../runnerPool/runnerPool';
import type { HeldJob, JobEnd, WorkerHub } from './workerHub';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type JobSpec = DistributiveOmit<WorkerJob, 'jobId' | 'bundleHash'>;

export class RemoteLauncher implements Launcher {
  private closed = false;
  private readonly bundleHash: string;

  constructor(
    readonly config: RunnerConfig,
    readonly callbacks: LauncherCallbacks,
    private readonly hub: WorkerHub,
  ) {
    // Bundles are stored as `<hash>.cjs` (prepare/bundle.ts): the name is the content address.
    this.bundleHash = path.basename(config.bundlePath, '.cjs');
  }

  async compile(target: RunTarget, parameters: Record<string, unknown>): Promise<PipelineDag> {
    // Before the DAG exists no step's pool is known: any worker compiles.
    const { reply } = await this.run({ kind: 'compile', target, parameters }, undefined);
    if (reply.kind === 'compiled') return reply.dag;
    if (reply.kind === 'compileFailed') throw reply.bundleLoad ? new BundleLoadError(reply.bundleLoad) : new PipelineCompileError(reply.detail, reply.location);
    throw new Error(reply.kind === 'failed' ? reply.error.message : `unexpected worker reply ${reply.kind}`);
  }

  async execute(task: ExecuteTask, onStart: (worker: AttemptWorker) => void): Promise<ExecuteOutcome> {
    const owner = { runId: task.run.runId, invocationId: task.invocationId, attempt: task.attempt };
    return outcomeOf(await this.run({ kind: 'execute', task }, task, owner, () => onStart({})));
  }

  /** Whether a worker still holds this attempt by its lease in the store (a daemon that led before dispatched it). */
  async stillHeld(owner: TaskOwner): Promise<boolean> {
    return (await this.hub.heldAttempt(owner)) !== undefined;
  }

  async reattach(task: ExecuteTask): Promise<ExecuteOutcome> {
    const owner = { runId: task.run.runId, invocationId: task.invocationId, attempt: task.attempt };
    if (this.closed) return { ok: false, error: { name: 'Error', message: 'the remote launcher is closed', retryable: true, lost: true } };
    return outcomeOf(await this.hub.adopt({ job: { kind: 'execute', task, bundleHash: this.bundleHash } as Omit<WorkerJob, 'jobId'>, ...placementOf(task), owner, launcher: this, config: this.config }));
  }

  async hook(task: HookTask): Promise<{ source: string } | { error: TaskError }> {
    const { reply } = await this.run({ kind: 'hook', task }, task, { runId: task.run.runId, invocationId: task.invocationId, attempt: task.attempt });
    if (reply.kind === 'hookDone') return { source: reply.source };
    return { error: reply.kind === 'failed' ? reply.error : unexpected(reply, false) };
  }

  async cacheKey(task: CacheKeyTask, attempt: number): Promise<{ key: string } | { error: TaskError }> {
    const { reply } = await this.run({ kind: 'cacheKey', task, attempt }, task, { runId: task.run.runId, invocationId: task.invocationId, attempt });
    if (reply.kind === 'cacheKeyDone') return { key: reply.key };
    return { error: reply.kind === 'failed' ? reply.error : unexpected(reply, false) };
  }

  stop(owner: Omit<TaskOwner, 'attempt'>): void {
    for (const entry of this.hub.jobsOf(this)) {
      if (entry.owner?.runId !== owner.runId || entry.owner.invocationId !== owner.invocationId) continue;
      if (entry.workerId === undefined) this.hub.finish(entry, stopped('stopped before a worker claimed it'));
      else entry.stopRequested = true;
    }
  }

  abandon(owner: TaskOwner): void {
    for (const entry of this.hub.jobsOf(this)) {
      const held = entry.owner;
      if (held?.runId === owner.runId && held.invocationId === owner.invocationId && held.attempt === owner.attempt) entry.abandoned = true;
    }
  }

  /** An attempt waits in the hub's queue for a worker of its pool with its labels. */
  queuedFor(task: { pool?: string; labels?: Record<string, string> }): string {
    const labels = Object.entries(task.labels ?? {}).map(([key, value]) => `${key}=${value}`);
    return `pool ${task.pool ?? DEFAULT_POOL}${labels.length > 0 ? `, labels ${labels.join(',')}` : ''}`;
  }

  /** A remote worker has no process here to check: whether it still holds an attempt is the store's lease book's to say ({@link stillHeld}). */
  mayStillRun(_worker: AttemptWorker): boolean {
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.hub.jobsOf(this)) {
      entry.stopRequested = true;
      this.hub.finish(entry, stopped('its launcher closed'));
    }
  }

  /** The reply's outputs and logs are the hub's routes' business; this waits for the reply. */
  private run(spec: JobSpec, step: { pool?: string; labels?: Record<string, string> } | undefined, owner?: TaskOwner, onClaim?: () => void): Promise<JobEnd> {
    if (this.closed) return Promise.reject(new Error('the remote launcher is closed'));
    // Before the DAG exists (compiling) no step's pool or labels are known: any worker takes it.
    const placement = step === undefined ? {} : placementOf(step);
    return new Promise((resolve) => {
      this.hub.enqueue({ job: { ...spec, bundleHash: this.bundleHash } as Omit<WorkerJob, 'jobId'>, ...placement, owner, launcher: this, config: this.config, settle: (reply, carried) => resolve({ reply, carried }), onClaim });
    });
  }

  /** Output a job's worker sent. */
  log(entry: HeldJob, stream: 'stdout' | 'stderr', text: string): void {
    this.callbacks.onLog(entry.owner, stream, text);
  }
}

/** Where a step's job may go: a worker of its pool with each of its labels. */
function placementOf(step: { pool?: string; labels?: Record<string, string> }): { pool: string; labels?: Record<string, string> } {
  return { pool: step.pool ?? DEFAULT_POOL, ...(step.labels && Object.keys(step.labels).length > 0 ? { labels: step.labels } : {}) };
}

function outcomeOf({ reply, carried }: JobEnd): ExecuteOutcome {
  if (reply.kind === 'executed') return { ok: true, outputs: reply.outputs, ...(carried ? { carried } : {}) };
  if (reply.kind === 'failed') return { ok: false, error: reply.error };
  return { ok: false, error: unexpected(reply, true) };
}

function stopped(why: string): WorkerReply {
  return { kind: 'failed', error: { name: 'Error', message: `stopped: ${why}`, retryable: false } };
}

function unexpected(reply: WorkerReply, retryable: boolean): TaskError {
  return { name: 'Error', message: reply.kind === 'failed' ? reply.error.message : `unexpected worker reply ${reply.kind}`, retryable };
}

/** Sessions whose attempts run on the workers of `hub`. */
export function remoteLauncher(hub: WorkerHub): LauncherFactory {
  return (config, callbacks) => new RemoteLauncher(config, callbacks, hub);
}
