/**
 * When a heartbeat is late, for every side: a beat is expected every interval, one a little
 * behind is jitter, so a beat that comes more than 1.5 intervals after the previous one is late.
 * The engine records such a silence as a gap of the attempt (heartbeats themselves are batched,
 * never stored one row each), and the editor colours a running step's age by the same factor.
 */
export const LATE_BEAT_INTERVALS = 1.5;

/** A silence of an attempt's runner: from its previous beat to the late one (epoch ms). */
export interface HeartbeatGap {
  from: number;
  to: number;
}

/** Whether a silence of `silenceMs` is past lateness for beats every `intervalMs`. */
export function isLateBeat(silenceMs: number, intervalMs: number): boolean {
  return silenceMs > LATE_BEAT_INTERVALS * intervalMs;
}
