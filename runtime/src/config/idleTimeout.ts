import { SettingError } from './settingError';

/** How long a daemon started on demand (by `pipewright run` and the like) waits, with nothing to do, before it stops. */
export const DEFAULT_ON_DEMAND_IDLE_TIMEOUT_S = 300;

export const IDLE_TIMEOUT_ENV = 'PIPEWRIGHT_DAEMON_IDLE_TIMEOUT';

/** Seconds (a non-negative number; 0 or `off` turns idle shutdown off); a bad value is an error naming `what`. */
export function parseIdleTimeout(text: string, what: string): number {
  const trimmed = text.trim();
  if (/^off$/i.test(trimmed)) return 0;
  const seconds = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(seconds) || seconds < 0) throw new SettingError(`${what}: "${text}" is not a number of seconds (0 or "off" for never)`);
  return seconds;
}

/** The idle timeout of a daemon started on demand: `PIPEWRIGHT_DAEMON_IDLE_TIMEOUT`, else the default. */
export function onDemandIdleTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[IDLE_TIMEOUT_ENV];
  return text === undefined || text.trim() === '' ? DEFAULT_ON_DEMAND_IDLE_TIMEOUT_S : parseIdleTimeout(text, IDLE_TIMEOUT_ENV);
}
