/** Remote workers' leases in the PostgreSQL store (see ../workerLeaseBook.ts), on the lease rows of `attempts` (attemptLeases.ts) and their elected reaper (leaseReaper.ts). */
import type pg from 'pg';
import type { AttemptName, HeldAttempt, LeasedAttempt, WorkerLease, WorkerLeaseBook } from '../workerLeaseBook';
import { claimNamedAttempt, endLeases, heldJobLease, renewJobLeases, renewLeases } from './attemptLeases';
import { LeaseReaper } from './leaseReaper';

/**
 * Claims, renewals and ends are written on `relaxed` connections, whose commits do not wait for
 * the disk: a crash of the database server that loses one only makes the lease look older or
 * absent, so its worker is fenced and the attempt retried, never committed twice (a commit, on
 * the store's own connections, waits, and checks the lease as it stands).
 */
export class PostgresWorkerLeaseBook implements WorkerLeaseBook {
  constructor(
    private readonly pool: pg.Pool,
    private readonly relaxed: pg.Pool = pool,
  ) {}

  async claim(attempt: LeasedAttempt, worker: string, ttlMs: number, jobId: string): Promise<WorkerLease | undefined> {
    const claimed = await claimNamedAttempt(this.relaxed, worker, { runId: attempt.runId, stepId: attempt.invocationId, attempt: attempt.attempt, pool: attempt.pool }, ttlMs, jobId);
    return claimed && { attemptId: claimed.attemptId, epoch: claimed.epoch };
  }

  renew(worker: string, leases: readonly WorkerLease[], ttlMs: number): Promise<{ held: WorkerLease[]; fenced: WorkerLease[] }> {
    return renewLeases(this.relaxed, worker, leases, ttlMs);
  }

  end(leases: readonly WorkerLease[]): Promise<void> {
    return endLeases(this.relaxed, leases);
  }

  async heldAttempt(attempt: AttemptName): Promise<HeldAttempt | undefined> {
    const held = await heldJobLease(this.pool, { runId: attempt.runId, stepId: attempt.invocationId, attempt: attempt.attempt });
    return held && { lease: { attemptId: held.attemptId, epoch: held.epoch }, worker: held.worker, jobId: held.jobId, ttlMs: held.ttlMs };
  }

  renewJobs(worker: string, jobIds: readonly string[]): Promise<string[]> {
    return renewJobLeases(this.relaxed, worker, jobIds);
  }

  startReaper(holder: string, onExpired: (leases: WorkerLease[]) => void, onError: (error: unknown) => void): { stop(): Promise<void> } {
    return LeaseReaper.start(this.pool, {
      holder,
      onSweep: (sweep) => {
        if (sweep.expired.length > 0) onExpired(sweep.expired.map(({ attemptId, epoch }) => ({ attemptId, epoch })));
      },
      onError,
    });
  }
}
