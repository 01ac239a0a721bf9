/** Remote workers' leases in the PostgreSQL store (see ../workerLeaseBook.ts), on the lease rows of `attempts` (attemptLeases.ts) and their elected reaper (leaseReaper.ts). */
import type pg from 'pg';
import type { AttemptName, HeldAttempt, LeasedAttempt, WorkerLease, WorkerLeaseBook } from '../workerLeaseBook';
import { claimNamedAttempt, endLeases, heldJobLease, renewJobLeases, renewLeases } from './attemptLeases';
import { LeaseReaper } from './leaseReaper';

export class PostgresWorkerLeaseBook implements WorkerLeaseBook {
  constructor(private readonly pool: pg.Pool) {}

  async claim(attempt: LeasedAttempt, worker: string, ttlMs: number, jobId: string): Promise<WorkerLease | undefined> {
    const claimed = await claimNamedAttempt(this.pool, worker, { runId: attempt.runId, stepId: attempt.invocationId, attempt: attempt.attempt, pool: attempt.pool }, ttlMs, jobId);
    return claimed && { attemptId: claimed.attemptId, epoch: claimed.epoch };
  }

  renew(worker: string, leases: readonly WorkerLease[], ttlMs: number): Promise<{ held: WorkerLease[]; fenced: WorkerLease[] }> {
    return renewLeases(this.pool, worker, leases, ttlMs);
  }

  end(leases: readonly WorkerLease[]): Promise<void> {
    return endLeases(this.pool, leases);
  }

  async heldAttempt(attempt: AttemptName): Promise<HeldAttempt | undefined> {
    const held = await heldJobLease(this.pool, { runId: attempt.runId, stepId: attempt.invocationId, attempt: attempt.attempt });
    return held && { lease: { attemptId: held.attemptId, epoch: held.epoch }, worker: held.worker, jobId: held.jobId, ttlMs: held.ttlMs };
  }

  renewJobs(worker: string, jobIds: readonly string[]): Promise<string[]> {
    return renewJobLeases(this.pool, worker, jobIds);
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
