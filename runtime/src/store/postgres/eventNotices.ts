/**
 * The leader's word to the replicas that events are stored (PostgreSQL's LISTEN/NOTIFY). A
 * notice carries only a number: every event numbered up to it is in the store. A replica reads
 * them from the store, so an event too large for a notification is never lost, and notices missed
 * while its connection was down are made up for by its next read.
 */
import pg from 'pg';

/** The channel of the store's event notices. */
export const EVENTS_CHANNEL = 'pipewright_events';

/** How long a notice waits for more appends to tell at once: a fan-out's many events cost one notice. */
const COALESCE_MS = 10;
/** How soon a listener that lost its connection tries again. */
const RECONNECT_MS = 500;

/** Sends one notice per burst of stored events (the highest number told so far), after they are written. */
export class EventNotifier {
  private pending: NodeJS.Timeout | undefined;
  private through = 0;
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  stored(throughSeq: number): void {
    this.through = Math.max(this.through, throughSeq);
    if (this.pending || this.closed) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      // A lost notice delays a replica's stream until its next catch-up, nothing more.
      this.pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(this.through)]).catch(() => undefined);
    }, COALESCE_MS);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.pending);
  }
}

/**
 * Listens for notices on a connection of its own, calling `onNotice` with each one's number, and
 * with none after every reconnection (what was sent meanwhile was lost with the connection).
 * Resolves once it listens; the returned function stops.
 */
export async function listenForEvents(config: pg.ClientConfig, onNotice: (throughSeq?: number) => void): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ ...config, keepAlive: true });
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      void next.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void reconnect(), RECONNECT_MS);
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => {
      const seq = Number(message.payload);
      if (message.channel === EVENTS_CHANNEL) onNotice(Number.isSafeInteger(seq) && seq > 0 ? seq : undefined);
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      lost();
      throw error;
    }
  };
  const reconnect = async (): Promise<void> => {
    if (stopped) return;
    try {
      await connect();
      onNotice();
    } catch {
      // Tried again by lost().
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const last = client;
    client = undefined;
    await last?.end().catch(() => undefined);
  };
}
