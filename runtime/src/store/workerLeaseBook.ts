/**
 * Leases by which remote workers hold the step attempts they run, kept where a shared store keeps
 * them (PostgreSQL: `postgres/workerLeaseBook.ts`) and judged there, on the database's clock,
 * never a daemon's: a claim starts a lease, a worker's beat renews all of its leases in one
 * statement, the store's commit of an attempt is refused unless its lease is still held, and one
 * elected reaper expires the leases nobody renewed. The daemon's queue (`remote/workerHub.ts`)
 * still chooses which worker takes which attempt; this book decides whether it still holds it.
 * The embedded store has none: a daemon alone on its machine judges leases in memory.
 */

/** One lease: the attempt's lease row and the epoch its claim set. */
export interface WorkerLease {
  attemptId: number;
  epoch: number;
}

/** A step attempt as the engine names it, and the pool it was placed in. */
export interface LeasedAttempt {
  runId: string;
  invocationId: string;
  attempt: number;
  pool: string;
}

export interface WorkerLeaseBook {
  /** `worker` takes `attempt`, its lease expiring `ttlMs` from the store's now; undefined when that attempt was committed already. */
  claim(attempt: LeasedAttempt, worker: string, ttlMs: number): Promise<WorkerLease | undefined>;
  /** Renews `worker`'s `leases` in one statement (each `ttlMs` more from the store's now); those not held any more are `fenced`. */
  renew(worker: string, leases: readonly WorkerLease[], ttlMs: number): Promise<{ held: WorkerLease[]; fenced: WorkerLease[] }>;
  /** Ends `leases` without a commit (failed, stopped, lost, handed back). */
  end(leases: readonly WorkerLease[]): Promise<void>;
  /**
   * Starts this daemon's reaper, which expires leases past their time whenever it is the one
   * elected (only one sweeps at a time, whatever the number of daemons); `onExpired` hears each
   * lease it expired.
   */
  startReaper(holder: string, onExpired: (leases: WorkerLease[]) => void, onError: (error: unknown) => void): { stop(): Promise<void> };
}
