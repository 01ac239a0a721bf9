/** Remote workers' leases in the PostgreSQL store (see ../workerLeaseBook.ts), on the lease rows of `attempts` (attemptLeases.ts) and their elected reaper (leaseReaper.ts). */
import type pg from 'pg';
import type { LeasedAttempt, WorkerLease, WorkerLeaseBook } from '../workerLeaseBook';
import { claimNamedAttempt, endLeases, renewLeases } from './attemptLeases';
import { LeaseReaper } from './leaseReaper';

export class PostgresWorkerLeaseBook implements WorkerLeaseBook {
  constructor(private readonly pool: pg.Pool) {}

  async claim(attempt: LeasedAttempt, worker: string, ttlMs: number): Promise<WorkerLease | undefined> {
    const claimed = await claimNamedAttempt(this.pool, worker, { runId: attempt.runId, stepId: attempt.invocationId, attempt: attempt.attempt, pool: attempt.pool }, ttlMs);
    return claimed && { attemptId: claimed.attemptId, epoch: claimed.epoch };
  }

  renew(worker: string, leases: readonly WorkerLease[], ttlMs: number): Promise<{ held: WorkerLease[]; fenced: WorkerLease[] }> {
    return renewLeases(this.pool, worker, leases, ttlMs);
  }

  end(leases: readonly WorkerLease[]): Promise<void> {
    return endLeases(this.pool, leases);
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
