import type { RestartPolicy } from './serviceSpec';

/** At most this many automatic restarts... */
export const RESTART_LIMIT = 3;
/** ...within this sliding window. */
export const RESTART_WINDOW_MS = 60_000;

/** How a service's process ended; `code` and `signal` are both null when nobody could see it. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** Whether to restart, and the restart times (epoch ms) still inside the window. */
export type RestartDecision = { restart: true; recent: number[] } | { restart: false; reason: string; recent: number[] };

/** A one-line description of an exit, for status details and the log. */
export function describeExit(exit: ExitInfo): string {
  if (exit.code !== null) return `exited with code ${exit.code}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return 'is gone (exit status unknown)';
}

/**
 * Pure: decides whether a service whose process ended on its own is restarted. Under
 * `on-failure`, anything but exit code 0 is a failure (a signal, or an unknown status for a
 * process adopted after a daemon restart), bounded by `RESTART_LIMIT` per `RESTART_WINDOW_MS`.
 */
export function restartDecision(policy: RestartPolicy, exit: ExitInfo, previous: readonly number[], now: number): RestartDecision {
  const recent = previous.filter((at) => now - at < RESTART_WINDOW_MS);
  if (policy !== 'on-failure') return { restart: false, reason: 'restart policy is "never"', recent };
  if (exit.code === 0) return { restart: false, reason: 'a clean exit is not restarted', recent };
  if (recent.length >= RESTART_LIMIT) {
    return { restart: false, reason: `not restarted: already restarted ${recent.length} times within ${RESTART_WINDOW_MS / 1000} s`, recent };
  }
  return { restart: true, recent: [...recent, now] };
}
