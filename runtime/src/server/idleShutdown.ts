import { SettingError } from '../config/settingError';

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

/**
 * Stops the daemon once it has had nothing to do for `timeoutMs`: no run in flight, no live
 * service, no client following the event stream, no request being answered, and none received
 * meanwhile. `busy` names what keeps it up.
 */
export class IdleShutdown {
  private idleSince = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly busy: () => string[],
    private readonly onIdle: (why: string) => void,
  ) {
    this.timer = setInterval(() => this.check(), Math.min(1000, Math.max(20, timeoutMs / 10)));
    this.timer.unref();
  }

  /** Something happened (a request): the idle time starts again. */
  touch(): void {
    this.idleSince = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    if (this.busy().length > 0) {
      this.idleSince = Date.now();
      return;
    }
    if (Date.now() - this.idleSince < this.timeoutMs) return;
    this.stop();
    this.onIdle(`idle for ${this.timeoutMs / 1000} s: no run, service or event stream`);
  }
}
