import type { EngineEvent } from '../model/events';

/**
 * On a terminal, a live last line with each running step's heartbeat age, redrawn twice a
 * second; progress lines are printed above it. Does nothing when output is not a terminal.
 */
export class HeartbeatFooter {
  private readonly lastBeat = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly now: () => number = Date.now,
  ) {
    if (stream.isTTY) this.timer = setInterval(() => this.draw(), 500);
  }

  observe(event: EngineEvent): void {
    if (event.type === 'heartbeat') this.lastBeat.set(event.invocationId, event.at);
    if (event.type === 'attempt' && event.status === 'running') this.lastBeat.set(event.invocationId, event.at);
    if (event.type === 'step' && event.status !== 'running') this.lastBeat.delete(event.invocationId);
  }

  /** Writes a line above the footer. */
  line(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }

  /** The footer text: `♥ fit 0.4 s · train 1.2 s` (ages of the last heartbeat). */
  text(): string {
    const now = this.now();
    return [...this.lastBeat].map(([id, at]) => `${id} ${((now - at) / 1000).toFixed(1)} s`).join(' · ');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
  }

  private draw(): void {
    const text = this.text();
    if (!text) return this.clear();
    this.stream.write(`\r\x1b[K♥ heartbeat age: ${text}`);
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
