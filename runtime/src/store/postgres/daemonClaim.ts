import { createHash } from 'node:crypto';
import * as os from 'node:os';
import pg from 'pg';
import { processIdentity } from '../../system/processAlive';
import type { DaemonMember, JoinAnswer, JoinHooks } from '../storeCluster';

/** Held, for its whole life, by the connection of the database's leading daemon: the server releases it when that connection ends. */
export const OWNER_LOCK = 7_236_823_717;
/** Taken by each claim for its transaction, so a claimer reads the owner's row only once the owner has written it. */
const CLAIM_LOCK = 7_236_823_718;
/** The first key of the two-key advisory locks that stand for one store folder of one machine (the second: a hash of both). */
const FOLDER_LOCK_CLASS = 0x5057_4446;

/** How often a held claim's connection is checked, a dropped claim is tried again, and a replica tries for the claim. */
const CHECK_MS = 500;
/**
 * A replica whose connection was down (the server restarted, say) leaves the claim this long to
 * the leader, whose connection went down too and which takes it again at its next check: the
 * leader stays the leader, instead of the first daemon to reconnect.
 */
const LEADER_RECLAIM_GRACE_MS = 3000;

/**
 * The server ends the claim's connection (and so releases the claim) when its peer stops
 * answering for about this long: a leader whose host was cut off loses the claim in seconds, not
 * after the system's TCP timeouts (minutes). Set on the session; ignored over a Unix socket.
 */
const PEER_SILENCE_SETTINGS = ['SET tcp_keepalives_idle = 1', 'SET tcp_keepalives_interval = 1', 'SET tcp_keepalives_count = 2', 'SET tcp_user_timeout = 3000'];

/** What a claim is held for: a plain claim (`claimDaemon`) or a member of the cluster (`join`). */
interface Holder {
  pid: number;
  member?: DaemonMember;
  /** The folder lock's second key, for a member. */
  folderKey?: number;
  onLost(why: string): void;
  /** A replica waiting for the claim: told once it holds it. */
  onLeading?: () => void;
}

/**
 * The claim of a PostgreSQL store by its leading daemon. The owner is whoever holds an advisory
 * lock on a connection of its own: a daemon that dies (however: killed, its host gone) loses its
 * connection and with it the lock, so liveness is the server's to tell, on any host. The
 * `daemon_owner` row says who holds it (pid, identity, host; a cluster member's instance and URL).
 *
 * The lock goes with the connection also when the daemon lives on: a restart of the server, a
 * failover, a terminated backend. The holder notices (the connection's end, or a check every
 * half second that fails) and claims again until it holds the lock anew; if another daemon
 * claimed the store meanwhile, `onLost` says so, and the daemon must stop serving it.
 *
 * A member of the cluster (`join`) that does not get the claim is a replica: it tries again every
 * half second (after its own connection came back, only once the leader had 3 s to take it again). Each member also holds, on the same connection, the lock of its store folder on its
 * machine, so a second daemon started for the same folder is told that one serves it.
 */
export class DaemonClaim {
  private client: pg.Client | undefined;
  private holding = false;
  private folderHeld = false;
  private closed = false;
  private held: Holder | undefined;
  private checker: NodeJS.Timeout | undefined;
  private checking = false;
  /** When the claim's connection was last made again after one before it was lost. */
  private reconnectedAt = 0;
  private connectedBefore = false;

  constructor(private readonly config: pg.ClientConfig) {}

  /**
   * Makes `pid` the owner unless another connection holds the lock: answers that owner's pid then.
   * Once it holds, the claim is kept (re-claimed after a dropped connection); `onLost` hears when
   * another daemon took the store in the meantime.
   */
  async claim(pid: number, onLost: (why: string) => void = () => undefined): Promise<number | undefined> {
    const holder: Holder = { pid, onLost };
    const owner = await this.tryClaim(holder);
    if (owner === undefined && !this.closed) this.keep(holder);
    return owner;
  }

  /**
   * Joins the store's cluster as `member`: leads if no daemon holds the claim, else stays a
   * replica trying for it every half second (`onLeading` once it holds it). Refused when another
   * daemon of `folder` on this machine has joined.
   */
  async join(member: DaemonMember, folder: string, hooks: JoinHooks): Promise<JoinAnswer> {
    const folderKey = createHash('sha256').update(`${os.hostname()}\u0000${folder}`).digest().readInt32BE(0);
    const holder: Holder = { pid: member.pid, member, folderKey, onLost: hooks.onLost };
    const client = await this.connection();
    this.folderHeld = (await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [FOLDER_LOCK_CLASS, folderKey])).rows[0]!.got;
    if (!this.folderHeld) return { sameFolder: true };
    const owner = await this.tryClaim(holder);
    if (owner !== undefined) holder.onLeading = hooks.onLeading;
    if (!this.closed) this.keep(holder);
    return { leading: owner === undefined };
  }

  /** Whether the lock is held now (false while a dropped claim is being taken again). */
  get isHeld(): boolean {
    return this.holding;
  }

  private keep(holder: Holder): void {
    this.held = holder;
    this.checker ??= setInterval(() => void this.check(), CHECK_MS);
    this.checker.unref();
  }

  /** The held claim's check: its connection still answers, or the lock is taken again (a replica: tried for). */
  private async check(): Promise<void> {
    const held = this.held;
    if (!held || this.checking || this.closed) return;
    this.checking = true;
    try {
      const checked = this.client;
      if (checked && (this.holding || held.onLeading)) {
        try {
          await checked.query('SELECT 1');
          if (this.holding) return;
        } catch {
          // The connection is broken (its locks with it), or the claim was closed meanwhile: end it, then claim again below.
          this.dropConnection(checked);
          await checked.end().catch(() => undefined);
          if (this.closed) return;
        }
      }
      let owner: number | undefined;
      try {
        if (held.folderKey !== undefined && !this.folderHeld) {
          const client = await this.connection();
          this.folderHeld = (await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [FOLDER_LOCK_CLASS, held.folderKey])).rows[0]!.got;
        }
        if (held.onLeading && Date.now() - this.reconnectedAt < LEADER_RECLAIM_GRACE_MS) return;
        owner = await this.tryClaim(held);
      } catch {
        return; // The server is still away: nobody can claim the store meanwhile; try again at the next check.
      }
      if (this.held !== held) return;
      if (owner === undefined && held.onLeading) {
        const onLeading = held.onLeading;
        held.onLeading = undefined;
        onLeading();
      } else if (owner !== undefined && !held.onLeading) {
        this.held = undefined;
        clearInterval(this.checker);
        this.checker = undefined;
        held.onLost(`the daemon with pid ${owner} claimed the store while this daemon's connection to it was down`);
      }
    } finally {
      this.checking = false;
    }
  }

  private async tryClaim(holder: Holder): Promise<number | undefined> {
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
      const member = holder.member;
      await client.query(
        `INSERT INTO daemon_owner (pid, identity, host, instance, url) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (single) DO UPDATE SET pid = EXCLUDED.pid, identity = EXCLUDED.identity, host = EXCLUDED.host, instance = EXCLUDED.instance, url = EXCLUDED.url`,
        [holder.pid, processIdentity(holder.pid), member?.host ?? os.hostname(), member?.instance ?? null, member?.url ?? null],
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
    this.folderHeld = false;
    await client?.end();
  }

  /** Forgets `client` (and the locks it held) if it is the claim's connection. */
  private dropConnection(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.holding = false;
    this.folderHeld = false;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ ...this.config, query_timeout: CHECK_MS * 4, keepAlive: true, keepAliveInitialDelayMillis: 1000 });
    // Ended by the server (a restart): the lock is gone with it; the next check claims again.
    client.on('error', () => this.dropConnection(client));
    client.on('end', () => this.dropConnection(client));
    try {
      await client.connect();
      for (const setting of PEER_SILENCE_SETTINGS) await client.query(setting);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    if (this.connectedBefore) this.reconnectedAt = Date.now();
    this.connectedBefore = true;
    return client;
  }
}
