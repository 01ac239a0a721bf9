import * as os from 'node:os';
import pg from 'pg';
import { processIdentity } from '../../system/processAlive';

/** Held, for its whole life, by the connection of the database's one daemon: the server releases it when that connection ends. */
const OWNER_LOCK = 7_236_823_717;
/** Taken by each claim for its transaction, so a claimer reads the owner's row only once the owner has written it. */
const CLAIM_LOCK = 7_236_823_718;

/**
 * The claim of a PostgreSQL store by its one daemon. The owner is whoever holds an advisory
 * lock on a connection of its own: a daemon that dies (however: killed, its host gone) loses its
 * connection and with it the lock, so liveness is the server's to tell, on any host. The
 * `daemon_owner` row says who holds it (pid, identity, host).
 */
export class DaemonClaim {
  private client: pg.Client | undefined;
  private holding = false;

  constructor(private readonly config: pg.ClientConfig) {}

  /** Makes `pid` the owner unless another connection holds the lock: answers that owner's pid then. */
  async claim(pid: number): Promise<number | undefined> {
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
    const client = this.client;
    this.client = undefined;
    this.holding = false;
    await client?.end();
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client(this.config);
    // Ended by the server (a restart): the lock is gone with it; the next claim connects again.
    client.on('error', () => {
      if (this.client === client) {
        this.client = undefined;
        this.holding = false;
      }
    });
    await client.connect();
    this.client = client;
    return client;
  }
}
