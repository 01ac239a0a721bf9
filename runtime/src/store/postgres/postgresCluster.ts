/** The cluster of daemons sharing one PostgreSQL store (see storeCluster.ts): the claim, the leader's row, the event notices. */
import type pg from 'pg';
import type { DaemonMember, JoinAnswer, JoinHooks, StoreCluster } from '../storeCluster';
import { OWNER_LOCK, type DaemonClaim } from './daemonClaim';
import { listenForEvents, type EventNotifier } from './eventNotices';
import type { WorkerLeaseBook } from '../workerLeaseBook';
import { PostgresWorkerLeaseBook } from './workerLeaseBook';

/** The owner lock as pg_locks shows a bigint key: classid, its high half; objid, its low. */
const OWNER_LOCK_GRANTED = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND classid::bigint * 4294967296 + objid::bigint = ${OWNER_LOCK})`;

export class PostgresCluster implements StoreCluster {
  /** This process's member, once it joined (the engine instance it records on the runs it drives). */
  member: DaemonMember | undefined;
  readonly workerLeases: WorkerLeaseBook;

  constructor(
    private readonly claim: DaemonClaim,
    private readonly pool: pg.Pool,
    /** Connections whose commits do not wait for the disk (PostgresRunStore's `relaxed`). */
    relaxed: pg.Pool,
    private readonly config: pg.ClientConfig,
    private readonly notifier: EventNotifier,
  ) {
    this.workerLeases = new PostgresWorkerLeaseBook(pool, relaxed);
  }

  async keepBundle(hash: string, text: string): Promise<void> {
    await this.pool.query('INSERT INTO bundles (hash, text, created_at) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING', [hash, Buffer.from(text, 'utf8'), Date.now()]);
  }

  async bundleText(hash: string): Promise<string | undefined> {
    const row = (await this.pool.query<{ text: Buffer }>('SELECT text FROM bundles WHERE hash = $1', [hash])).rows[0];
    return row?.text.toString('utf8');
  }

  async lastStoredEventSeq(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>(
      `SELECT GREATEST(COALESCE((SELECT max(seq) FROM events), 0), COALESCE((SELECT max(event_seq) FROM logs), 0), COALESCE((SELECT max(heartbeat_seq) FROM step_attempts), 0)) AS seq`,
    );
    return Number(rows[0]!.seq);
  }

  eventsStored(throughSeq: number): void {
    this.notifier.stored(throughSeq);
  }

  close(): void {
    this.notifier.close();
  }

  async join(member: DaemonMember, folder: string, hooks: JoinHooks): Promise<JoinAnswer> {
    const answer = await this.claim.join(member, folder, hooks);
    if (!answer.sameFolder) this.member = member;
    return answer;
  }

  async leader(): Promise<DaemonMember | undefined> {
    const row = (await this.pool.query<{ instance: string | null; pid: number; host: string; url: string | null }>(`SELECT instance, pid, host, url FROM daemon_owner WHERE ${OWNER_LOCK_GRANTED}`)).rows[0];
    return row?.instance && row.url ? { instance: row.instance, pid: row.pid, host: row.host, url: row.url } : undefined;
  }

  followEvents(onAppended: (throughSeq?: number) => void): Promise<() => Promise<void>> {
    return listenForEvents(this.config, onAppended);
  }
}
