/**
 * Heartbeats as every part of the editor shows them: lateness and the wording of an age. The one
 * home of these rules: the webview's nodes, and the extension's Runs view and status bar import
 * them from here. Pure (no `vscode`, no DOM).
 *
 * A beat is expected every `intervalMs`; one beat a little behind is normal jitter, so an age
 * past 1.5 intervals is `late` (amber), and an age past the lease timeout is `lost` (red): the
 * orchestrator will mark the attempt lost at that point.
 */
export type HeartbeatLevel = 'ok' | 'late' | 'lost';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;

/** Heartbeat settings in milliseconds: a beat every `intervalMs`, lost after `timeoutMs` without one. */
export interface HeartbeatThresholds {
  intervalMs: number;
  timeoutMs: number;
}

export function heartbeatLevel(ageMs: number, intervalMs: number, timeoutMs = 3 * intervalMs): HeartbeatLevel {
  if (ageMs >= timeoutMs) return 'lost';
  if (ageMs > 1.5 * intervalMs) return 'late';
  return 'ok';
}

/**
 * A running attempt's level, judged by the settings of its lease as the orchestrator sent them
 * with the attempt; the editor's own settings (`fallback`) only when it sent none (an older
 * orchestrator, an attempt seen before its `attempt` event).
 */
export function attemptHeartbeatLevel(ageMs: number, attempt: HeartbeatThresholds | undefined, fallback: HeartbeatThresholds): HeartbeatLevel {
  const thresholds = attempt ?? fallback;
  return heartbeatLevel(ageMs, thresholds.intervalMs, thresholds.timeoutMs);
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

/**
 * How long ago the last beat was, in the unit a person would say: `just now` under 2 s (beats
 * are seconds apart, so milliseconds are noise), then `12 s`, `3 min`, `2 h` (rounded down).
 */
export function formatHeartbeatAge(ageMs: number): string {
  if (ageMs < 2000) return 'just now';
  if (ageMs < 60_000) return `${Math.floor(ageMs / 1000)} s`;
  if (ageMs < 3_600_000) return `${Math.floor(ageMs / 60_000)} min`;
  return `${Math.floor(ageMs / 3_600_000)} h`;
}

/** `just now`, `12 s ago`: a heartbeat age in a sentence. */
export function heartbeatAgo(ageMs: number): string {
  const age = formatHeartbeatAge(ageMs);
  return age === 'just now' ? age : `${age} ago`;
}

/** A running step's heartbeat as a short label: `♥ just now`, `♥ 12 s late`, `♥ 3 min lost`. */
export function heartbeatLabel(ageMs: number, level: HeartbeatLevel): string {
  return `♥ ${formatHeartbeatAge(ageMs)}${level === 'ok' ? '' : ` ${level}`}`;
}
