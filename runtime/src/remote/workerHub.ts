/**
 * The orchestrator's side of remote workers: one queue of jobs for every session's
 * {@link RemoteLauncher}, claimed by workers over HTTP (`workerRoutes.ts`). The queue lives in
 * the daemon's memory; the attempts' epochs and leases stay the engine's (a result of an attempt
 * the engine fenced is refused here too). A worker that is not heard from for the timeout is
 * gone: the jobs it held end as lost, and the engine retries their attempts.
 */
import { randomBytes } from 'node:crypto';
import type { TaskOwner } from '../engine/launcher';
import type { AttemptAnswer } from '../model/heartbeatProtocol';
import type { BeatAnswer, ClaimAnswer, ClaimRequest, WorkerJob, WorkerReply } from '../model/workerProtocol';
import type { RunnerConfig } from '../model/runnerProtocol';
import type { RemoteLauncher } from './remoteLauncher';

export interface WorkerHubSettings {
  /** How often workers beat. */
  intervalMs: number;
  /** A worker unheard of for this long is gone. */
  timeoutMs: number;
}

/** A job in the queue or held by a worker. */
export interface HeldJob {
  job: WorkerJob;
  owner?: TaskOwner;
  launcher: RemoteLauncher;
  config: RunnerConfig;
  settle(reply: WorkerReply): void;
  onClaim?: () => void;
  workerId?: string;
  claimedAt?: number;
  stopRequested: boolean;
  abandoned: boolean;
}

interface WorkerState {
  lastSeenAt: number;
  pool: string;
  labels: Record<string, string>;
}

export class WorkerHub {
  private readonly queue: HeldJob[] = [];
  private readonly jobs = new Map<string, HeldJob>();
  private readonly workers = new Map<string, WorkerState>();
  private readonly waiting = new Set<() => void>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly settings: WorkerHubSettings,
    /** Renews an attempt's lease with the engine (the daemon's heartbeat); none: attempts hold no lease. */
    private readonly renew?: (owner: TaskOwner) => AttemptAnswer,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(20, Math.min(100, settings.intervalMs)));
    this.sweeper.unref();
  }

  /** Queues a job; `settle` hears its reply once (from its worker, or as lost). */
  enqueue(held: Omit<HeldJob, 'stopRequested' | 'abandoned' | 'job'> & { job: Omit<WorkerJob, 'jobId'> }): HeldJob {
    const job = { ...held.job, jobId: randomBytes(12).toString('hex') } as WorkerJob;
    const entry: HeldJob = { ...held, job, stopRequested: false, abandoned: false };
    this.jobs.set(job.jobId, entry);
    this.queue.push(entry);
    for (const wake of [...this.waiting]) wake();
    return entry;
  }

  /** Long-poll: the next queued job, or none after `waitMs`. */
  async claim(request: ClaimRequest, signal?: AbortSignal): Promise<ClaimAnswer> {
    const deadline = Date.now() + Math.max(0, request.waitMs);
    for (;;) {
      // A worker gone mid-poll is handed nothing.
      if (signal?.aborted) return { ...this.settings };
      this.seen(request.workerId, request.pool, request.labels);
      const entry = this.queue.shift();
      if (entry) {
        entry.workerId = request.workerId;
        entry.claimedAt = Date.now();
        entry.onClaim?.();
        return { job: entry.job, ...this.settings };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { ...this.settings };
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiting.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiting.add(wake);
        signal?.addEventListener('abort', wake);
      });
    }
  }

  /** A worker's beat for every job it holds: what it must stop or abandon. */
  beat(workerId: string, jobIds: readonly string[]): BeatAnswer {
    this.seen(workerId);
    const answer: BeatAnswer = { stop: [], abandon: [] };
    // A job claimed for this worker that it never lists (its claim's answer was lost on the way) is lost.
    const listed = new Set(jobIds);
    const graceMs = Math.max(1000, 2 * this.settings.intervalMs);
    for (const entry of [...this.jobs.values()]) {
      if (entry.workerId !== workerId || listed.has(entry.job.jobId) || Date.now() - (entry.claimedAt ?? 0) <= graceMs) continue;
      this.finish(entry, { kind: 'failed', error: { name: 'Error', message: `worker ${workerId} never took job ${entry.job.jobId} it was handed`, retryable: true, lost: true } });
    }
    for (const id of jobIds) {
      const entry = this.jobs.get(id);
      if (!entry || entry.workerId !== workerId || entry.stopRequested) answer.stop.push(id);
      else if (entry.abandoned) answer.abandon.push(id);
      else if (entry.job.kind === 'execute' && entry.owner && this.renew) {
        const renewed = this.renew(entry.owner);
        if (renewed.fenced) {
          entry.abandoned = true;
          answer.abandon.push(id);
        } else if (renewed.stop) answer.stop.push(id);
      }
    }
    return answer;
  }

  /** The job `jobId` as held by `workerId`; undefined when it is not (or no longer) theirs. */
  heldBy(jobId: string, workerId: string): HeldJob | undefined {
    const entry = this.jobs.get(jobId);
    if (entry?.workerId !== workerId) return undefined;
    this.seen(workerId);
    return entry;
  }

  /** The job `jobId`, whoever holds it (for reading its bundle and artifacts). */
  job(jobId: string): HeldJob | undefined {
    return this.jobs.get(jobId);
  }

  /**
   * A worker's reply. Resolves whether it was taken as current: false when the job was fenced
   * (abandoned) or is not this worker's (the reply of an abandoned job still reaches its
   * launcher, whose engine refuses a fenced attempt's outcome).
   */
  reply(jobId: string, workerId: string, reply: WorkerReply): { accepted: boolean; reason?: string } {
    const entry = this.jobs.get(jobId);
    if (!entry || entry.workerId !== workerId) return { accepted: false, reason: `job ${jobId} is not held by worker ${workerId}` };
    this.finish(entry, reply);
    if (entry.abandoned) return { accepted: false, reason: `attempt ${entry.owner?.attempt} of "${entry.owner?.invocationId}" was fenced (its lease was lost)` };
    return { accepted: true };
  }

  /** Ends a job now with `reply` (from its worker, or as lost or stopped). */
  finish(entry: HeldJob, reply: WorkerReply): void {
    if (this.jobs.get(entry.job.jobId) !== entry) return;
    this.jobs.delete(entry.job.jobId);
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) this.queue.splice(queued, 1);
    entry.settle(reply);
  }

  /** Jobs of one launcher (queued or held). */
  jobsOf(launcher: RemoteLauncher): HeldJob[] {
    return [...this.jobs.values()].filter((entry) => entry.launcher === launcher);
  }

  /**
   * Jobs waiting for a worker, by pool: the default pool and every pool a live worker serves
   * (0 when nothing waits for it). Jobs carry no pool yet: every queued job is the default pool's.
   */
  queuedByPool(): Record<string, number> {
    const depths: Record<string, number> = { default: 0 };
    for (const worker of this.workers.values()) depths[worker.pool] = 0;
    depths.default = this.queue.length;
    return depths;
  }

  /** Workers heard from within the timeout. */
  get liveWorkers(): number {
    return this.workers.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const wake of [...this.waiting]) wake();
  }

  private seen(workerId: string, pool?: string, labels?: Record<string, string>): void {
    const known = this.workers.get(workerId);
    this.workers.set(workerId, { lastSeenAt: Date.now(), pool: pool ?? known?.pool ?? 'default', labels: labels ?? known?.labels ?? {} });
  }

  /**
   * Workers unheard of for the timeout are gone: their jobs end as lost. An attempt still queued
   * keeps its lease here: it waits for a worker, which is no sign of one lost.
   */
  private sweep(): void {
    const now = Date.now();
    for (const entry of this.queue) if (entry.job.kind === 'execute' && entry.owner) this.renew?.(entry.owner);
    for (const [workerId, state] of this.workers) {
      if (now - state.lastSeenAt <= this.settings.timeoutMs) continue;
      this.workers.delete(workerId);
      for (const entry of [...this.jobs.values()]) {
        if (entry.workerId !== workerId) continue;
        this.finish(entry, {
          kind: 'failed',
          error: { name: 'Error', message: `worker ${workerId} was not heard from for ${now - state.lastSeenAt} ms`, retryable: true, lost: true },
        });
      }
    }
  }
}
