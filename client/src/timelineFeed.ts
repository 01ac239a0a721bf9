/**
 * Keeps a DAG panel's timeline current while the webview shows it: the shown run's timeline is
 * loaded when the timeline opens, and again as the run's state changes, at most one load at a
 * time and at most one per `minGapMs` (a run's events come many a second). No vscode.
 */
import type { RunTimeline } from '../../runtime/src/model/runTimeline';

export class TimelineFeed {
  private shown = false;
  private runId: string | null = null;
  private loading = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastLoad = -Infinity;

  constructor(
    private readonly load: (runId: string) => Promise<RunTimeline | undefined>,
    private readonly send: (timeline: RunTimeline) => void,
    private readonly warn: (error: Error) => void,
    private readonly minGapMs = 500,
    private readonly now: () => number = Date.now,
  ) {}

  setShown(shown: boolean, runId: string | null): void {
    this.shown = shown;
    this.runId = runId;
    if (shown) this.request();
  }

  /** The panel shows (a new state of) `runId`. */
  runChanged(runId: string): void {
    const changed = runId !== this.runId;
    this.runId = runId;
    if (!this.shown) return;
    if (changed) this.lastLoad = -Infinity;
    this.request();
  }

  private request(): void {
    if (this.loading) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastLoad + this.minGapMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.loadNow();
    }, wait);
  }

  private async loadNow(): Promise<void> {
    const runId = this.runId;
    if (!this.shown || runId === null) return;
    this.loading = true;
    this.lastLoad = this.now();
    try {
      const timeline = await this.load(runId);
      if (timeline && this.shown && timeline.runId === this.runId) this.send(timeline);
    } catch (error) {
      this.warn(error as Error);
    } finally {
      this.loading = false;
      if (this.again) {
        this.again = false;
        this.request();
      }
    }
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.shown = false;
  }
}
