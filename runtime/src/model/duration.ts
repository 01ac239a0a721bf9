/**
 * Durations in options (`cacheExpiresAfter`): a number of seconds, or a string of a number and
 * a unit: `500ms`, `90s`, `15m`, `1h`, `2d`. One rule for the runtime and the language server.
 */
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };

export const DURATION_FORMAT = "seconds (a number > 0) or a string like '90s', '15m', '1h', '2d'";

/** The duration in seconds, or undefined when `value` is not a positive duration. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]];
  return seconds > 0 ? seconds : undefined;
}
