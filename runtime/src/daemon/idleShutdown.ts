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
