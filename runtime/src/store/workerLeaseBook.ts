/**
 * Leases by which remote workers hold the step attempts they run, kept where a shared store keeps
 * them (PostgreSQL: `postgres/workerLeaseBook.ts`) and judged there, on the database's clock,
 * never a daemon's: a claim starts a lease, a worker's beat renews all of its leases in one
 * statement, the store's commit of an attempt is refused unless its lease is still held, and one
 * elected reaper expires the leases nobody renewed. The daemon's queue (`remote/workerHub.ts`)
 * still chooses which worker takes which attempt; this book decides whether it still holds it,
 * and remembers the job a worker holds it by, so that a daemon that leads after another adopts
 * the attempts workers still run (their beats renew them meanwhile) instead of running them again.
 * The embedded store has none: a daemon alone on its machine judges leases in memory.
 */

/** One lease: the attempt's lease row and the epoch its claim set. */
export interface WorkerLease {
  attemptId: number;
  epoch: number;
}

/** A step attempt as the engine names it. */
export interface AttemptName {
  runId: string;
  invocationId: string;
  attempt: number;
}

/** A step attempt as the engine names it, and the pool it was placed in. */
export interface LeasedAttempt extends AttemptName {
  pool: string;
}

/** A lease a worker still holds: by which job of the daemon that dispatched it, renewed by `ttlMs` each time. */
export interface HeldAttempt {
  lease: WorkerLease;
  worker: string;
  jobId: string;
  ttlMs: number;
}

export interface WorkerLeaseBook {
  /** `worker` takes `attempt` as job `jobId`, its lease expiring `ttlMs` from the store's now; undefined when that attempt was committed already. */
  claim(attempt: LeasedAttempt, worker: string, ttlMs: number, jobId: string): Promise<WorkerLease | undefined>;
  /** Renews `worker`'s `leases` in one statement (each `ttlMs` more from the store's now); those not held any more are `fenced`. */
  renew(worker: string, leases: readonly WorkerLease[], ttlMs: number): Promise<{ held: WorkerLease[]; fenced: WorkerLease[] }>;
  /** Ends `leases` without a commit (failed, stopped, lost, handed back). */
  end(leases: readonly WorkerLease[]): Promise<void>;
  /** The lease a worker still holds on `attempt` (unexpired by the store's clock), with its job; undefined when none does. */
  heldAttempt(attempt: AttemptName): Promise<HeldAttempt | undefined>;
  /** Renews (each by its own timeout) the leases `worker` still holds by the jobs `jobIds`, of a daemon that led before; the job ids still held. */
  renewJobs(worker: string, jobIds: readonly string[]): Promise<string[]>;
  /**
   * Starts this daemon's reaper, which expires leases past their time whenever it is the one
   * elected (only one sweeps at a time, whatever the number of daemons); `onExpired` hears each
   * lease it expired.
   */
  startReaper(holder: string, onExpired: (leases: WorkerLease[]) => void, onError: (error: unknown) => void): { stop(): Promise<void> };
}
