import * as os from 'node:os';
import pg from 'pg';
import { processIdentity } from '../../system/processAlive';

/** Held, for its whole life, by the connection of the database's one daemon: the server releases it when that connection ends. */
const OWNER_LOCK = 7_236_823_717;
/** Taken by each claim for its transaction, so a claimer reads the owner's row only once the owner has written it. */
const CLAIM_LOCK = 7_236_823_718;

/** How often a held claim's connection is checked, and a dropped claim is tried again. */
const CHECK_MS = 500;

/**
 * The claim of a PostgreSQL store by its one daemon. The owner is whoever holds an advisory
 * lock on a connection of its own: a daemon that dies (however: killed, its host gone) loses its
 * connection and with it the lock, so liveness is the server's to tell, on any host. The
 * `daemon_owner` row says who holds it (pid, identity, host).
 *
 * The lock goes with the connection also when the daemon lives on: a restart of the server, a
 * failover, a terminated backend. The holder notices (the connection's end, or a check every
 * half second that fails) and claims again until it holds the lock anew; if another daemon
 * claimed the store meanwhile, `onLost` says so, and the daemon must stop serving it.
 */
export class DaemonClaim {
  private client: pg.Client | undefined;
  private holding = false;
  private closed = false;
  /** Set once the lock is held: the owner's pid and what to tell when the claim is lost for good. */
  private held: { pid: number; onLost(why: string): void } | undefined;
  private checker: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly config: pg.ClientConfig) {}

  /**
   * Makes `pid` the owner unless another connection holds the lock: answers that owner's pid then.
   * Once it holds, the claim is kept (re-claimed after a dropped connection); `onLost` hears when
   * another daemon took the store in the meantime.
   */
  async claim(pid: number, onLost: (why: string) => void = () => undefined): Promise<number | undefined> {
    const owner = await this.tryClaim(pid);
    if (owner === undefined && !this.closed) {
      this.held = { pid, onLost };
      this.checker ??= setInterval(() => void this.check(), CHECK_MS);
      this.checker.unref();
    }
    return owner;
  }

  /** Whether the lock is held now (false while a dropped claim is being taken again). */
  get isHeld(): boolean {
    return this.holding;
  }

  /** The held claim's check: its connection still answers, or the lock is taken again. */
  private async check(): Promise<void> {
    const held = this.held;
    if (!held || this.checking || this.closed) return;
    this.checking = true;
    try {
      if (this.holding && this.client) {
        try {
          await this.client.query('SELECT 1');
          return;
        } catch {
          // The connection is broken (its lock with it): end it, then claim again below.
          const broken = this.client;
          this.dropConnection(broken);
          await broken.end().catch(() => undefined);
        }
      }
      let owner: number | undefined;
      try {
        owner = await this.tryClaim(held.pid);
      } catch {
        return; // The server is still away: nobody can claim the store meanwhile; try again at the next check.
      }
      if (owner !== undefined && this.held === held) {
        this.held = undefined;
        clearInterval(this.checker);
        this.checker = undefined;
        held.onLost(`the daemon with pid ${owner} claimed the store while this daemon's connection to it was down`);
      }
    } finally {
      this.checking = false;
    }
  }

  private async tryClaim(pid: number): Promise<number | undefined> {
    const client = await this.connection();
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
      if (!this.holding) this.holding = (await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [OWNER_LOCK])).rows[0]!.got;
      if (!this.holding) {
        const owner = (await client.query<{ pid: number; host: string }>('SELECT pid, host FROM daemon_owner')).rows[0];
        await client.query('COMMIT');
        if (!owner) throw new Error('the store is claimed by a daemon that did not record who it is');
        return owner.pid;
      }
      await client.query(
        `INSERT INTO daemon_owner (pid, identity, host) VALUES ($1, $2, $3)
         ON CONFLICT (single) DO UPDATE SET pid = EXCLUDED.pid, identity = EXCLUDED.identity, host = EXCLUDED.host`,
        [pid, processIdentity(pid), os.hostname()],
      );
      await client.query('COMMIT');
      return undefined;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Ends the claim's connection, which gives up the store if it was claimed. */
  async close(): Promise<void> {
    this.closed = true;
    this.held = undefined;
    clearInterval(this.checker);
    this.checker = undefined;
    const client = this.client;
    this.client = undefined;
    this.holding = false;
    await client?.end();
  }

  /** Forgets `client` (and the lock it held) if it is the claim's connection. */
  private dropConnection(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.holding = false;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ ...this.config, query_timeout: CHECK_MS * 4 });
    // Ended by the server (a restart): the lock is gone with it; the next check claims again.
    client.on('error', () => this.dropConnection(client));
    client.on('end', () => this.dropConnection(client));
    await client.connect().catch(async (error: Error) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    this.client = client;
    return client;
  }
}
