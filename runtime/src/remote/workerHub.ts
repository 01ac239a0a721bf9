/**
 * The orchestrator's side of remote workers: one queue of jobs for every session's
 * {@link RemoteLauncher}, claimed by workers over HTTP (`workerRoutes.ts`). The queue lives in
 * the daemon's memory; the attempts' epochs and leases stay the engine's (a result of an attempt
 * the engine fenced is refused here too). A job of a pool goes only to a worker of that pool
 * (one of no pool, compiling a run, to any) that has every label the job's step requires, and a
 * worker is handed no more jobs than its concurrency. A job whose pool has no worker waits in the queue, its lease kept, however long:
 * the queue's depth is what scales a pool up. A worker that is not heard from for the timeout is
 * gone: the jobs it held end as lost, and the engine retries their attempts. A draining worker
 * is handed nothing; what it hands back runs again at once (a step attempt as `relinquished`,
 * by the engine; a compile, hook or cache key back at the head of the queue, here).
 *
 * Given a shared store's lease book (`store/workerLeaseBook.ts`: PostgreSQL), a step attempt is
 * held by a lease judged there, on the database's clock, not by this daemon's: the claim takes
 * it, the worker's beat renews it (one statement for all its attempts), the store's commit of its
 * success checks it (and keeps the small outputs that came inside the result, `carried`: one
 * round trip, not one to renew the lease and keep them and another to commit), and the store's
 * elected reaper ends it as lost once nobody renewed it. This daemon's own clock then judges only compiles,
 * hooks and cache keys, which hold no attempt. The book also keeps the job each lease was taken
 * for, so a daemon that leads after another adopts the step attempts workers still run for the
 * old leader ({@link WorkerHub.adopt}): until their run is resumed here, their beats renew them
 * and their results wait (for {@link WorkerHub.adoptionGraceMs} at most), rather than being told
 * to stop.
 */
import { randomBytes } from 'node:crypto';
import type { TaskOwner } from '../engine/launcher';
import type { CarriedBytes } from '../model/artifactRef';
import type { AttemptAnswer } from '../model/heartbeatProtocol';
import type { BeatAnswer, BeatRequest, ClaimAnswer, ClaimRequest, HeldJobInfo, PoolInfo, WorkerInfo, WorkerJob, WorkerReply, WorkersAnswer } from '../model/workerProtocol';
import type { RunnerConfig } from '../model/runnerProtocol';
import { DEFAULT_POOL, labelsMatch } from '../model/runOptions';
import type { AttemptName, HeldAttempt, WorkerLease, WorkerLeaseBook } from '../store/workerLeaseBook';
import type { RemoteLauncher } from './remoteLauncher';

/** How a job ended: its reply, and the bytes of a success's small outputs that the store's commit is to keep (none: they are kept already). */
export interface JobEnd {
  reply: WorkerReply;
  carried?: CarriedBytes;
}

/** The small outputs that came inside a worker's result, checked against their hashes. */
export interface ResultOutputs {
  /** Their bytes, for the store's commit to keep (none: the store must keep them first, as `keep` does). */
  carried?: CarriedBytes;
  /** Keeps them in the artifact store now. */
  keep(): Promise<void>;
}

const NO_OUTPUTS: ResultOutputs = { keep: async () => undefined };

export interface WorkerHubSettings {
  /** How often workers beat. */
  intervalMs: number;
  /** A worker unheard of for this long is gone. */
  timeoutMs: number;
}

/** A job in the queue or held by a worker. */
export interface HeldJob {
  job: WorkerJob;
  /** Only a worker of this pool may claim it; none: any worker (compiling a run). */
  pool?: string;
  /** Only a worker with each of these labels may claim it. */
  labels?: Record<string, string>;
  owner?: TaskOwner;
  launcher: RemoteLauncher;
  config: RunnerConfig;
  /** Hears how the job ended, once; `carried`: the checked bytes of a success's small outputs, left for the store's commit to keep. */
  settle(reply: WorkerReply, carried?: CarriedBytes): void;
  onClaim?: () => void;
  workerId?: string;
  queuedAt: number;
  claimedAt?: number;
  stopRequested: boolean;
  abandoned: boolean;
  /** The lease it is held by in the store's lease book (a step attempt claimed, with a book). */
  lease?: WorkerLease;
}

interface WorkerState {
  firstSeenAt: number;
  lastSeenAt: number;
  pool: string;
  labels: Record<string, string>;
  concurrency: number;
  draining: boolean;
}

export class WorkerHub {
  private readonly queue: HeldJob[] = [];
  private readonly jobs = new Map<string, HeldJob>();
  private readonly workers = new Map<string, WorkerState>();
  private readonly waiting = new Set<() => void>();
  /** Jobs whose lease was lost, by when: a beat that still lists one is told to abandon it. */
  private readonly fencedJobs = new Map<string, number>();
  /** Jobs of a daemon that led before, still held by their workers' leases, by when a beat first listed them: each waits to be adopted. */
  private readonly unadopted = new Map<string, number>();
  /** Woken when a job is adopted. */
  private readonly adoptionWaiters = new Set<() => void>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly settings: WorkerHubSettings,
    /** Renews an attempt's lease with the engine (the daemon's heartbeat); none: attempts hold no lease. */
    private readonly renew?: (owner: TaskOwner) => AttemptAnswer,
    /** Where step attempts' leases are kept and judged (a shared store's); none: by this daemon, in memory. */
    private readonly leases?: WorkerLeaseBook,
    /** Hears what went wrong writing to the lease book when nobody waits for the answer. */
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(20, Math.min(100, settings.intervalMs)));
    this.sweeper.unref();
  }

  /** Queues a job; `settle` hears its reply once (from its worker, or as lost). */
  enqueue(held: Omit<HeldJob, 'stopRequested' | 'abandoned' | 'job' | 'queuedAt'> & { job: Omit<WorkerJob, 'jobId'> }): HeldJob {
    const job = { ...held.job, jobId: randomBytes(12).toString('hex') } as WorkerJob;
    const entry: HeldJob = { ...held, job, queuedAt: Date.now(), stopRequested: false, abandoned: false };
    this.jobs.set(job.jobId, entry);
    this.queue.push(entry);
    for (const wake of [...this.waiting]) wake();
    return entry;
  }

  /** The lease a worker still holds on this step attempt in the store's book (none without a book). */
  heldAttempt(attempt: AttemptName): Promise<HeldAttempt | undefined> {
    return this.leases ? this.leases.heldAttempt(attempt) : Promise.resolve(undefined);
  }

  /**
   * Takes over a step attempt that a worker still runs for a daemon that led before this one:
   * the job is known here again under its id, held by that worker by its lease as it stands, so
   * the worker's beats renew it and its result settles it (resolved as `execute`'s would be).
   * Lost at once when no worker holds it any more.
   */
  async adopt(held: Omit<HeldJob, 'stopRequested' | 'abandoned' | 'job' | 'queuedAt' | 'settle'> & { job: Omit<WorkerJob, 'jobId'> }): Promise<JobEnd> {
    const owner = held.owner!;
    const found = await this.heldAttempt(owner);
    if (!found || this.jobs.has(found.jobId)) {
      return { reply: { kind: 'failed', error: { name: 'Error', message: `no worker holds attempt ${owner.attempt} of "${owner.invocationId}" any more: its lease ended or expired while no daemon led`, retryable: true, lost: true } } };
    }
    return new Promise<JobEnd>((resolve) => {
      const settle = (reply: WorkerReply, carried?: CarriedBytes) => resolve({ reply, carried });
      const now = Date.now();
      const job = { ...held.job, jobId: found.jobId } as WorkerJob;
      const entry: HeldJob = { ...held, job, settle, workerId: found.worker, lease: found.lease, queuedAt: now, claimedAt: now, stopRequested: false, abandoned: false };
      this.jobs.set(job.jobId, entry);
      this.unadopted.delete(job.jobId);
      this.seen(found.worker);
      for (const wake of [...this.adoptionWaiters]) wake();
    });
  }

  /** How long a job of a daemon that led before, still held by its worker, may wait here to be adopted (its run resumed) before its worker is told to stop it. */
  get adoptionGraceMs(): number {
    return Math.max(5000, 2 * this.settings.timeoutMs);
  }

  /** Long-poll: the next queued job this worker may take (its pool's, within its concurrency), or none after `waitMs`. */
  async claim(request: ClaimRequest, signal?: AbortSignal): Promise<ClaimAnswer> {
    const deadline = Date.now() + Math.max(0, request.waitMs);
    // Heard from when its request arrives, not while it waits: a poll left open by a worker cut
    // off or frozen since proves nothing, so its silence still counts toward the timeout.
    const claim = { pool: request.pool, labels: request.labels, concurrency: request.concurrency ?? 1 };
    const arrived = this.seen(request.workerId, claim);
    for (;;) {
      // A worker gone mid-poll is handed nothing.
      if (signal?.aborted) return { ...this.settings };
      const worker = this.workers.get(request.workerId) ?? arrived;
      if (worker.draining) return { ...this.settings };
      const entry = this.heldCount(request.workerId) < worker.concurrency ? this.takeFor(worker) : undefined;
      if (entry) {
        // Handed a job, the worker is known again (it may have been swept while it waited), so
        // that its silence from now on ends the job as lost after the timeout.
        this.seen(request.workerId, claim);
        entry.workerId = request.workerId;
        entry.claimedAt = Date.now();
        // The claim is the worker's first word on the attempt: its lease runs from here on the
        // lease timeout, not on the grace a runner starting on the daemon's machine is given.
        if (entry.job.kind === 'execute' && entry.owner) {
          this.renew?.(entry.owner);
          if (this.leases && !(await this.claimLease(entry, request.workerId))) continue;
        }
        // Told once the answer is on its way (the engine's bookkeeping and events of the claim wait
        // that long): the worker's result can only come after it, in a later turn.
        const { onClaim } = entry;
        if (onClaim) setImmediate(() => this.jobs.get(entry.job.jobId) === entry && onClaim());
        return { job: entry.job, ...this.settings };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { ...this.settings };
      await wokenOrAfter(this.waiting, left, signal);
    }
  }

  /** A worker's beat for every job it holds: what it must stop or abandon. */
  async beat({ workerId, jobs: jobIds, draining, leaving }: BeatRequest): Promise<BeatAnswer> {
    if (leaving && jobIds.length === 0) {
      this.leave(workerId);
      return { stop: [], abandon: [] };
    }
    const worker = this.seen(workerId);
    if (draining && !worker.draining) {
      worker.draining = true;
      // Its long poll ends now, empty.
      for (const wake of [...this.waiting]) wake();
    }
    const answer: BeatAnswer = { stop: [], abandon: [] };
    // A job claimed for this worker that it does not list is lost: its claim's answer was lost on
    // the way, or the worker gave up delivering its result (tried again for a lease timeout).
    const listed = new Set(jobIds);
    const graceMs = Math.max(1000, 2 * this.settings.intervalMs);
    for (const entry of [...this.jobs.values()]) {
      if (entry.workerId !== workerId || listed.has(entry.job.jobId) || Date.now() - (entry.claimedAt ?? 0) <= graceMs) continue;
      this.finish(entry, { kind: 'failed', error: { name: 'Error', message: `worker ${workerId} no longer holds job ${entry.job.jobId} it was handed (the claim's answer never reached it, or it gave up delivering the result: its log says which)`, retryable: true, lost: true } });
    }
    const fenced = await this.renewLeases(workerId, jobIds);
    const awaitingAdoption = await this.renewUnadopted(workerId, jobIds);
    for (const id of jobIds) {
      const entry = this.jobs.get(id);
      if (awaitingAdoption.has(id)) continue;
      if (fenced.has(id) || this.fencedJobs.has(id)) answer.abandon.push(id);
      else if (!entry || entry.workerId !== workerId || entry.stopRequested) answer.stop.push(id);
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

  /**
   * The job `jobId` as held by `workerId`; undefined when it is not (or no longer) theirs. A job
   * of a daemon that led before, which the worker still holds by its lease, is waited for while
   * its run is resumed here (up to {@link adoptionGraceMs}).
   */
  async heldBy(jobId: string, workerId: string): Promise<HeldJob | undefined> {
    const entry = this.jobs.get(jobId) ?? (await this.adopted(jobId, workerId));
    if (entry?.workerId !== workerId) return undefined;
    this.seen(workerId);
    return entry;
  }

  /** Waits for job `jobId`, unknown here, to be adopted, when `workerId` still holds its lease; undefined when it is not (in time). */
  private async adopted(jobId: string, workerId: string): Promise<HeldJob | undefined> {
    if (!this.leases || this.fencedJobs.has(jobId)) return undefined;
    const since = this.unadopted.get(jobId);
    if (since === undefined && (await this.renewUnadopted(workerId, [jobId])).size === 0) return undefined;
    const deadline = (this.unadopted.get(jobId) ?? Date.now()) + this.adoptionGraceMs;
    while (!this.jobs.has(jobId) && Date.now() < deadline) {
      await wokenOrAfter(this.adoptionWaiters, Math.max(1, deadline - Date.now()));
    }
    return this.jobs.get(jobId);
  }

  /**
   * Of the jobs a beat lists that are unknown here, those its worker still holds by a lease a
   * daemon that led before took for it: renewed in the store, they wait to be adopted, within the
   * grace; the others (and those past it) are told to stop, as before.
   */
  private async renewUnadopted(workerId: string, jobIds: readonly string[]): Promise<Set<string>> {
    const now = Date.now();
    const unknown = jobIds.filter((id) => !this.jobs.has(id) && !this.fencedJobs.has(id) && now - (this.unadopted.get(id) ?? now) < this.adoptionGraceMs);
    if (!this.leases || unknown.length === 0) return new Set();
    const held = new Set(await this.leases.renewJobs(workerId, unknown));
    for (const id of unknown) {
      if (held.has(id) && !this.jobs.has(id)) this.unadopted.set(id, this.unadopted.get(id) ?? now);
      else this.unadopted.delete(id);
    }
    return new Set([...held].filter((id) => !this.jobs.has(id)));
  }

  /** The job `jobId`, whoever holds it (for reading its bundle and artifacts). */
  job(jobId: string): HeldJob | undefined {
    return this.jobs.get(jobId);
  }

  /**
   * A worker's reply, with the small outputs that came inside it. Resolves whether it was taken
   * as current: false when the job was fenced (abandoned) or is not this worker's (the reply of an
   * abandoned job still reaches its launcher, whose engine refuses a fenced attempt's outcome).
   * A success held by a lease is not checked here: the store's commit checks the lease by the
   * database's clock (an attempt whose lease it no longer holds is ended as lost by its engine),
   * and keeps the outputs' bytes in the same statement when they are carried to it.
   */
  async reply(jobId: string, workerId: string, reply: WorkerReply, outputs: ResultOutputs = NO_OUTPUTS): Promise<{ accepted: boolean; reason?: string }> {
    const entry = this.jobs.get(jobId) ?? (await this.adopted(jobId, workerId));
    if (!entry || entry.workerId !== workerId) return { accepted: false, reason: `job ${jobId} is not held by worker ${workerId}` };
    const carried = entry.lease && reply.kind === 'executed' && !entry.abandoned ? outputs.carried : undefined;
    if (!carried) {
      await outputs.keep();
      if (this.jobs.get(jobId) !== entry) return { accepted: false, reason: `job ${jobId} is not held by worker ${workerId}` };
    }
    if (reply.kind === 'failed' && reply.error.relinquished && entry.job.kind !== 'execute' && !entry.stopRequested) {
      // No attempt to end: the same job goes back to the head of the queue for another worker.
      this.requeue(entry);
      return { accepted: true };
    }
    this.finish(entry, reply, carried);
    if (entry.abandoned) return { accepted: false, reason: `attempt ${entry.owner?.attempt} of "${entry.owner?.invocationId}" was fenced (its lease was lost)` };
    return { accepted: true };
  }

  /** Ends a job now with `reply` (from its worker, or as lost or stopped). */
  finish(entry: HeldJob, reply: WorkerReply, carried?: CarriedBytes): void {
    if (this.jobs.get(entry.job.jobId) !== entry) return;
    this.jobs.delete(entry.job.jobId);
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) this.queue.splice(queued, 1);
    // A success's lease is ended by the store's commit; any other end frees it now.
    if (entry.lease && reply.kind !== 'executed') this.leases?.end([entry.lease]).catch(this.onError);
    entry.settle(reply, carried);
  }

  /**
   * The store's reaper expired these leases (nobody renewed them in time, by the store's clock):
   * their jobs end as lost, and a worker still beating for one is told to abandon it.
   */
  leasesExpired(leases: readonly WorkerLease[]): void {
    const expired = new Map(leases.map((lease) => [`${lease.attemptId}:${lease.epoch}`, lease]));
    for (const entry of [...this.jobs.values()]) {
      if (!entry.lease || !expired.delete(`${entry.lease.attemptId}:${entry.lease.epoch}`)) continue;
      const silent = entry.workerId === undefined ? undefined : Date.now() - (this.workers.get(entry.workerId)?.lastSeenAt ?? entry.claimedAt ?? Date.now());
      this.loseLease(entry, `the lease of worker ${entry.workerId} expired by the store's clock: no beat renewed it within ${this.ttlOf(entry)} ms${silent === undefined ? '' : ` (last heard from ${silent} ms ago)`}`);
    }
    // Leases of no job here were taken for a daemon that led before this one, whose attempts it ended: they end too.
    if (expired.size > 0) this.leases?.end([...expired.values()]).catch(this.onError);
  }

  /** Takes the store's lease on a claimed step attempt; false when there is none to take (committed already, so the job ends). */
  private async claimLease(entry: HeldJob, workerId: string): Promise<boolean> {
    const owner = entry.owner!;
    let lease: WorkerLease | undefined;
    try {
      lease = await this.leases!.claim({ ...owner, pool: entry.pool ?? DEFAULT_POOL }, workerId, this.ttlOf(entry), entry.job.jobId);
    } catch (error) {
      // The store is unreachable: the job waits for the next claim, and this one fails.
      if (this.jobs.get(entry.job.jobId) === entry) this.requeue(entry);
      throw error;
    }
    if (this.jobs.get(entry.job.jobId) !== entry) {
      // Stopped or ended while the claim was being written.
      if (lease) await this.leases!.end([lease]).catch(this.onError);
      return false;
    }
    if (!lease) {
      this.finish(entry, { kind: 'failed', error: { name: 'Error', message: `attempt ${owner.attempt} of "${owner.invocationId}" is committed already`, retryable: false } });
      return false;
    }
    entry.lease = lease;
    return true;
  }

  /** Renews in the store the leases of the listed step attempts `workerId` holds (one statement per lease timeout); the ids of those fenced. */
  private async renewLeases(workerId: string, jobIds: readonly string[]): Promise<Set<string>> {
    const fenced = new Set<string>();
    if (!this.leases) return fenced;
    const byTtl = new Map<number, HeldJob[]>();
    for (const id of jobIds) {
      const entry = this.jobs.get(id);
      if (!entry?.lease || entry.workerId !== workerId || entry.abandoned) continue;
      const ttl = this.ttlOf(entry);
      byTtl.set(ttl, [...(byTtl.get(ttl) ?? []), entry]);
    }
    for (const [ttl, entries] of byTtl) {
      const check = await this.leases.renew(workerId, entries.map((entry) => entry.lease!), ttl);
      const lost = new Set(check.fenced.map((lease) => `${lease.attemptId}:${lease.epoch}`));
      for (const entry of entries) {
        if (!lost.has(`${entry.lease!.attemptId}:${entry.lease!.epoch}`)) continue;
        fenced.add(entry.job.jobId);
        this.loseLease(entry, `the lease of worker ${workerId} was no longer held by the store's clock when it beat`);
      }
    }
    return fenced;
  }

  /** A step attempt whose lease the store no longer holds: it ends as lost (the engine retries it), and its worker is told to abandon it. */
  private loseLease(entry: HeldJob, why: string): void {
    entry.abandoned = true;
    this.fencedJobs.set(entry.job.jobId, Date.now());
    this.finish(entry, { kind: 'failed', error: { name: 'Error', message: why, retryable: true, lost: true } });
  }

  /** A step attempt's lease timeout: its own heartbeat settings', or the daemon's. */
  private ttlOf(entry: HeldJob): number {
    return (entry.job.kind === 'execute' ? entry.job.task.lease?.timeoutMs : undefined) ?? this.settings.timeoutMs;
  }

  /** Jobs of one launcher (queued or held). */
  jobsOf(launcher: RemoteLauncher): HeldJob[] {
    return [...this.jobs.values()].filter((entry) => entry.launcher === launcher);
  }

  /**
   * Jobs waiting for a worker, by pool (the metric an autoscaler scales each pool on): the
   * default pool, every pool a live worker serves (0 when nothing waits for it) and every pool a
   * queued job is for; a job of no pool (compiling a run, which any worker takes) counts in the
   * default pool.
   */
  queuedByPool(): Record<string, number> {
    const depths: Record<string, number> = { [DEFAULT_POOL]: 0 };
    for (const worker of this.workers.values()) depths[worker.pool] = 0;
    for (const entry of this.queue) {
      const pool = entry.pool ?? DEFAULT_POOL;
      depths[pool] = (depths[pool] ?? 0) + 1;
    }
    return depths;
  }

  /** Workers heard from within the timeout. */
  get liveWorkers(): number {
    return this.workers.size;
  }

  /** The workers, pools and queue now (`GET /v1/workers`). */
  snapshot(): WorkersAnswer {
    const at = Date.now();
    const info = (entry: HeldJob): HeldJobInfo => ({
      kind: entry.job.kind,
      ...(entry.pool === undefined ? {} : { pool: entry.pool }),
      ...(entry.labels === undefined ? {} : { labels: { ...entry.labels } }),
      ...(entry.owner ? { runId: entry.owner.runId, invocationId: entry.owner.invocationId, attempt: entry.owner.attempt } : {}),
      since: entry.claimedAt ?? entry.queuedAt,
    });
    const held = [...this.jobs.values()].filter((entry) => entry.workerId !== undefined);
    const workers: WorkerInfo[] = [...this.workers].map(([id, state]) => ({
      id,
      pool: state.pool,
      labels: { ...state.labels },
      concurrency: state.concurrency,
      state: state.draining ? 'draining' : 'serving',
      firstSeenAt: state.firstSeenAt,
      lastSeenAt: state.lastSeenAt,
      running: held.filter((entry) => entry.workerId === id).map(info),
    }));
    const queued = this.queue.map(info);
    const names = new Set([...workers.map((worker) => worker.pool), ...queued.flatMap((job) => (job.pool === undefined ? [] : [job.pool]))]);
    const pools: PoolInfo[] = [...names].sort().map((name) => {
      const members = workers.filter((worker) => worker.pool === name);
      return {
        name,
        workers: members.length,
        capacity: members.filter((worker) => worker.state === 'serving').reduce((sum, worker) => sum + worker.concurrency, 0),
        running: members.reduce((sum, worker) => sum + worker.running.length, 0),
        queued: queued.filter((job) => job.pool === name).length,
      };
    });
    return { workersMode: 'remote', at, pools, workers, queued };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const wake of [...this.waiting]) wake();
  }

  /** Notes that `workerId` was heard from now (with what its claim says of it); its state. */
  private seen(workerId: string, claim?: Pick<WorkerState, 'pool' | 'labels' | 'concurrency'>): WorkerState {
    const now = Date.now();
    const known = this.workers.get(workerId);
    const state: WorkerState = known ?? { firstSeenAt: now, lastSeenAt: now, pool: DEFAULT_POOL, labels: {}, concurrency: 1, draining: false };
    state.lastSeenAt = now;
    if (claim) Object.assign(state, claim);
    this.workers.set(workerId, state);
    return state;
  }

  /** A worker that exits: the jobs it still held (none, if it says so truly) end as lost. */
  private leave(workerId: string): void {
    this.workers.delete(workerId);
    for (const entry of [...this.jobs.values()]) {
      if (entry.workerId === workerId) this.finish(entry, { kind: 'failed', error: { name: 'Error', message: `worker ${workerId} left holding job ${entry.job.jobId}`, retryable: true, lost: true } });
    }
  }

  /** Jobs `workerId` holds now. */
  private heldCount(workerId: string): number {
    let count = 0;
    for (const entry of this.jobs.values()) if (entry.workerId === workerId) count += 1;
    return count;
  }

  /** Takes the oldest queued job `worker` may run: of its pool (or of none), and requiring only labels it has. */
  private takeFor(worker: Pick<WorkerState, 'pool' | 'labels'>): HeldJob | undefined {
    const index = this.queue.findIndex((entry) => (entry.pool === undefined || entry.pool === worker.pool) && labelsMatch(entry.labels, worker.labels));
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  /** A job handed back before it ended: queued again, first. */
  private requeue(entry: HeldJob): void {
    entry.workerId = undefined;
    entry.claimedAt = undefined;
    this.queue.unshift(entry);
    for (const wake of [...this.waiting]) wake();
  }

  /**
   * Workers unheard of for the timeout are gone: their jobs end as lost. An attempt still queued
   * keeps its lease here: it waits for a worker, which is no sign of one lost.
   */
  private sweep(): void {
    const now = Date.now();
    for (const entry of this.queue) if (entry.job.kind === 'execute' && entry.owner) this.renew?.(entry.owner);
    // Held by the store's lease, an attempt is judged there: the engine's lease is kept meanwhile.
    for (const entry of this.jobs.values()) if (entry.lease && entry.owner) this.renew?.(entry.owner);
    for (const [jobId, at] of this.fencedJobs) if (now - at > 10 * 60_000) this.fencedJobs.delete(jobId);
    for (const [jobId, at] of this.unadopted) if (now - at > 2 * this.adoptionGraceMs) this.unadopted.delete(jobId);
    for (const [workerId, state] of this.workers) {
      if (now - state.lastSeenAt <= this.settings.timeoutMs) continue;
      this.workers.delete(workerId);
      for (const entry of [...this.jobs.values()]) {
        if (entry.workerId !== workerId || entry.lease) continue;
        this.finish(entry, {
          kind: 'failed',
          error: { name: 'Error', message: `worker ${workerId} was not heard from for ${now - state.lastSeenAt} ms`, retryable: true, lost: true },
        });
      }
    }
  }
}

/** Resolves when its waker (added to `waiters`, removed once called) is called, after `ms`, or when `signal` aborts, whichever comes first. */
function wokenOrAfter(waiters: Set<() => void>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      waiters.delete(wake);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiters.add(wake);
    signal?.addEventListener('abort', wake);
  });
}
