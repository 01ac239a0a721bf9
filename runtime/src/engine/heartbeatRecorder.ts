import type { RunStore } from '../store/runStore';

/**
 * Keeps the newest heartbeat time of each attempt and writes them to the store in one
 * transaction per flush: the lease itself lives in memory, the store only needs to show how
 * recent the last beat was, and one transaction per beat would cap ingestion far too low.
 */
export class HeartbeatRecorder {
  private pending = new Map<string, { runId: string; stepId: string; attempt: number; at: number }>();

  constructor(private readonly store: RunStore) {}

  note(runId: string, stepId: string, attempt: number, at: number): void {
    this.pending.set(`${runId}\u0000${stepId}\u0000${attempt}`, { runId, stepId, attempt, at });
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.store.recordHeartbeats(batch);
  }
}
