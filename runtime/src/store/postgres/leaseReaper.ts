import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { InputError } from '../../model/errorCodes';
import type { Queryable } from './connection';

/** The elected role that expires leases; one `leaders` row. */
const ROLE = 'reaper';

export interface ExpiredLease {
  attemptId: number;
  epoch: number;
  owner: string | null;
}

export interface Sweep {
  /** Whether `holder` is the elected reaper after this sweep (only the elected one expires leases). */
  leader: boolean;
  /** The leader row's term while `holder` holds it: it goes up each time another holder takes over. */
  term: number | null;
  /** Leases this sweep expired: their attempts are queued again, counted as lost. */
  expired: ExpiredLease[];
  /** Milliseconds until the next running lease expires, by the database's clock (null: none running). */
  nextDueMs: number | null;
}

/**
 * One statement: `holder` takes or renews the reaper's leader row (its own lease, `leaderTtlMs`
 * from the database's now, taken over only once expired), and, only if it holds it, expires
 * every running lease whose `lease_expires_at` has passed by the database's clock. Rows another
 * transaction holds (a commit in flight, a heartbeat) are skipped, to be seen by the next sweep.
 */
export async function sweepExpiredLeases(db: Queryable, holder: string, leaderTtlMs: number): Promise<Sweep> {
  const { rows } = await db.query<{ term: number | null; expired: ExpiredLease[]; next_due_ms: number | null }>(
    `WITH leader AS (
       INSERT INTO leaders (role, holder, term, expires_at) VALUES ($1, $2, 1, now() + make_interval(secs => $3::float8 / 1000))
       ON CONFLICT (role) DO UPDATE SET
         holder = EXCLUDED.holder,
         term = leaders.term + CASE WHEN leaders.holder = EXCLUDED.holder THEN 0 ELSE 1 END,
         expires_at = EXCLUDED.expires_at
       WHERE leaders.holder = EXCLUDED.holder OR leaders.expires_at <= now()
       RETURNING term
     ), due AS (
       SELECT id FROM attempts
       WHERE state = 'running' AND lease_expires_at <= now() AND EXISTS (SELECT 1 FROM leader)
       FOR UPDATE SKIP LOCKED
     ), expired AS (
       UPDATE attempts a SET state = 'queued', lease_expires_at = NULL, lost = a.lost + 1
       FROM due WHERE a.id = due.id
       RETURNING a.id, a.epoch, a.owner
     ), logged AS (
       INSERT INTO attempt_transitions (attempt_id, epoch, owner, kind) SELECT id, epoch, owner, 'lost' FROM expired
     )
     SELECT
       (SELECT term FROM leader) AS term,
       (SELECT coalesce(json_agg(json_build_object('attemptId', id, 'epoch', epoch, 'owner', owner) ORDER BY id), '[]'::json) FROM expired) AS expired,
       (SELECT (extract(epoch FROM min(lease_expires_at) - now()) * 1000)::float8 FROM attempts WHERE state = 'running' AND lease_expires_at > now()) AS next_due_ms`,
    [ROLE, holder, leaderTtlMs],
  );
  const row = rows[0]!;
  return { leader: row.term !== null, term: row.term, expired: row.expired, nextDueMs: row.next_due_ms };
}

export interface ReaperOptions {
  /** Who this reaper is in the leader row (default: host, pid and a random suffix). */
  holder?: string;
  /** The longest wait between two sweeps, which bounds how late a lease is expired (default 250 ms). */
  intervalMs?: number;
  /** The leader row's own lease: a reaper that stops renewing it (dead, frozen, cut off) is replaced after this long (default 2,000 ms). */
  leaderTtlMs?: number;
  onSweep?: (sweep: Sweep) => void;
  onError?: (error: unknown) => void;
}

/**
 * A reaper process's loop: it sweeps (see {@link sweepExpiredLeases}) every `intervalMs`, and
 * while it leads, sooner when the next lease is due sooner. Any number may run against one
 * database; one leads at a time, and another takes over within `leaderTtlMs` of the leader going
 * silent, or at once when the leader stops.
 */
export class LeaseReaper {
  readonly holder: string;
  private leading = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: Required<Pick<ReaperOptions, 'intervalMs' | 'leaderTtlMs'>> & ReaperOptions,
  ) {
    this.holder = options.holder ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.loop = this.run();
  }

  static start(pool: pg.Pool, options: ReaperOptions = {}): LeaseReaper {
    const intervalMs = options.intervalMs ?? 250;
    const leaderTtlMs = options.leaderTtlMs ?? 2000;
    if (!(intervalMs > 0) || !(leaderTtlMs >= 3 * intervalMs)) {
      throw new InputError(`a reaper needs an interval above 0 and a leader TTL of at least three intervals (to renew in time), got ${intervalMs} ms and ${leaderTtlMs} ms`);
    }
    return new LeaseReaper(pool, { ...options, intervalMs, leaderTtlMs });
  }

  /** Whether the last sweep found this reaper elected. */
  get leader(): boolean {
    return this.leading;
  }

  /** Stops sweeping and, if leading, gives the role up so another reaper takes over at its next sweep. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.pool.query('UPDATE leaders SET expires_at = now() WHERE role = $1 AND holder = $2', [ROLE, this.holder]).catch((error: unknown) => this.options.onError?.(error));
    }
  }

  private async run(): Promise<void> {
    const { intervalMs, leaderTtlMs } = this.options;
    while (!this.stopped) {
      let waitMs = intervalMs;
      try {
        const sweep = await sweepExpiredLeases(this.pool, this.holder, leaderTtlMs);
        this.leading = sweep.leader;
        this.options.onSweep?.(sweep);
        if (sweep.leader && sweep.nextDueMs !== null) waitMs = Math.min(intervalMs, Math.max(1, Math.ceil(sweep.nextDueMs)));
      } catch (error) {
        // The database is unreachable or restarting: lead again only once a sweep says so.
        this.leading = false;
        this.options.onError?.(error);
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
