/**
 * Heartbeat lateness, shared by the status bar, the Runs view and the webview. Pure.
 *
 * A beat is expected every `intervalMs`; one beat a little behind is normal jitter, so an age
 * past 1.5 intervals is `late` (amber), and an age past the lease timeout is `lost` (red): the
 * orchestrator will mark the attempt lost at that point.
 */
export type HeartbeatLevel = 'ok' | 'late' | 'lost';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;

export function heartbeatLevel(ageMs: number, intervalMs: number, timeoutMs = 3 * intervalMs): HeartbeatLevel {
  if (ageMs >= timeoutMs) return 'lost';
  if (ageMs > 1.5 * intervalMs) return 'late';
  return 'ok';
}

/** Age of the last sign of life of a running attempt (its last heartbeat, else its start). */
export function heartbeatAge(now: number, heartbeatAt: number | undefined, startedAt: number | undefined): number | undefined {
  const last = heartbeatAt ?? startedAt;
  return last === undefined ? undefined : Math.max(0, now - last);
}

/** `850 ms`, `4.2 s`, `3 m 05 s`, `2 h 01 m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} m`;
}
