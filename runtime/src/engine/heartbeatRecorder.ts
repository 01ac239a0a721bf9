import type { HeartbeatTime, RunStore } from '../store/runStore';

/**
 * Keeps the newest heartbeat of each attempt (its time, and its number in the daemon's event
 * stream when it was streamed) and writes them to the store in one call per flush: the lease
 * itself lives in memory, the store only needs to show how recent the last beat was, and one
 * write per beat would cap ingestion far too low.
 */
export class HeartbeatRecorder {
  private pending = new Map<string, HeartbeatTime>();

  constructor(private readonly store: RunStore) {}

  note(beat: HeartbeatTime): void {
    this.pending.set(`${beat.runId}\u0000${beat.invocationId}\u0000${beat.attempt}`, beat);
  }

  /** Writes the beats noted since the last flush (a batch the store refuses is dropped: newer beats follow). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.store.recordHeartbeats(batch);
  }
}
