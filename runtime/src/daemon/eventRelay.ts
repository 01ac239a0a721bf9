/**
 * A replica's event stream: the leader stores its events and tells the cluster up to which
 * number they are all stored (LISTEN/NOTIFY, `StoreCluster.followEvents`); on each notice the
 * replica reads those from the store, by number, and streams them to its own followers in order,
 * so an extension or CLI connected to any daemon sees every run live. Notices lost (a dropped
 * connection) are made up for every second: what was stored a second ago is settled.
 */
import type { StreamEvent } from '../api/protocol';
import type { StoreCluster } from '../store/storeCluster';
import { EVENT_PAGE, type Orchestrator } from './orchestrator';

/** How often the store is read without a notice. */
const CATCH_UP_MS = 1000;

export class EventRelay {
  /** The last event streamed. */
  private last = 0;
  /** Every event up to this number is stored (the leader said so, or it was found a catch-up earlier). */
  private settled = 0;
  /** The highest number found in the store, and what it was at the previous catch-up. */
  private highestSeen = 0;
  private seenAtLastCatchUp = 0;
  private reading: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly orchestrator: Orchestrator,
    private readonly log: (line: string) => void,
  ) {
    this.timer = setInterval(() => this.catchUp(), CATCH_UP_MS);
    this.timer.unref();
  }

  /** Relays events stored after now to `orchestrator`'s followers. */
  static async start(orchestrator: Orchestrator, cluster: StoreCluster, log: (line: string) => void): Promise<EventRelay> {
    const relay = new EventRelay(orchestrator, log);
    relay.last = relay.settled = relay.highestSeen = relay.seenAtLastCatchUp = await cluster.lastStoredEventSeq();
    relay.unlisten = await cluster.followEvents((through) => {
      if (through !== undefined) relay.settled = Math.max(relay.settled, through);
      relay.read();
    });
    return relay;
  }

  /** Relays everything stored now, then stops (this daemon leads from now on and streams its own events). */
  async stop(): Promise<void> {
    this.settled = Number.MAX_SAFE_INTEGER;
    this.read();
    await this.reading;
    this.stopped = true;
    clearInterval(this.timer);
    await this.unlisten?.();
  }

  private catchUp(): void {
    this.settled = Math.max(this.settled, this.seenAtLastCatchUp);
    this.seenAtLastCatchUp = this.highestSeen;
    this.read();
  }

  /** One read at a time (a notice during a read makes one more); streams in order, up to what is settled. */
  private read(): void {
    if (this.stopped || this.again) return;
    this.again = true;
    this.reading = this.reading.then(async () => {
      this.again = false;
      try {
        for (;;) {
          const page: StreamEvent[] = await this.orchestrator.eventsSince(this.last);
          for (const event of page) {
            this.highestSeen = Math.max(this.highestSeen, event.seq);
            if (event.seq > this.settled) return;
            this.last = event.seq;
            this.orchestrator.relay(event);
          }
          if (page.length < EVENT_PAGE) return;
        }
      } catch (error) {
        this.log(`could not read the leader's events from the store: ${(error as Error).message}`);
      }
    });
  }
}
