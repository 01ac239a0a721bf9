import type pg from 'pg';
import { InputError } from '../../model/errorCodes';
import { inTransaction, type Queryable } from './connection';

/**
 * Workers' leases on attempts, fenced by epoch, each operation one statement or one transaction,
 * every time taken from the database's clock (`now()`), never the worker's. A worker holds an
 * attempt while it is `running`, claimed by it, at the epoch of its claim, and its lease has not
 * expired: the one rule below ({@link HELD}) that heartbeats, commits and hand-backs check.
 */

/** What a worker holds: the attempt and the epoch its claim set. */
export interface Lease {
  attemptId: number;
  epoch: number;
}

export interface ClaimedAttempt extends Lease {
  runId: string;
  stepId: string;
  attempt: number;
  pool: string;
  leaseExpiresAt: Date;
}

export interface NewAttempt {
  runId: string;
  stepId: string;
  attempt?: number;
  pool?: string;
}

/** `$1` is the worker; the attempt's epoch is matched by each statement. The attempts table is `a`. */
const HELD = `a.state = 'running' AND a.owner = $1 AND a.lease_expires_at > now()`;

/** `now() + ttl` where `$n` holds the TTL in milliseconds. */
const expiryIn = (param: string) => `now() + make_interval(secs => ${param}::float8 / 1000)`;

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new InputError(`a lease TTL must be a positive number of milliseconds, got ${ttlMs}`);
}

function checkWorker(worker: string): void {
  if (worker.length === 0) throw new InputError('a worker needs a non-empty id to hold leases');
}

/** Adds queued attempts (an existing run/step/attempt is left as it is); returns the ids of those added. */
export async function enqueueAttempts(db: Queryable, attempts: readonly NewAttempt[]): Promise<number[]> {
  if (attempts.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO attempts (run_id, step_id, attempt, pool)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])
     ON CONFLICT (run_id, step_id, attempt) DO NOTHING
     RETURNING id`,
    [attempts.map((a) => a.runId), attempts.map((a) => a.stepId), attempts.map((a) => a.attempt ?? 1), attempts.map((a) => a.pool ?? 'default')],
  );
  return rows.map((row) => Number(row.id));
}

/**
 * Claims up to `limit` (default 1) of the oldest queued attempts, of `pool` when given: each one's
 * epoch goes up by one, its owner becomes `worker`, its lease expires `ttlMs` from the database's
 * now. Concurrent claims skip rows another claim has locked, so no attempt is claimed twice.
 */
export async function claimAttempts(db: Queryable, worker: string, options: { ttlMs: number; pool?: string; limit?: number }): Promise<ClaimedAttempt[]> {
  checkWorker(worker);
  checkTtl(options.ttlMs);
  const limit = options.limit ?? 1;
  if (!Number.isInteger(limit) || limit < 1) throw new InputError(`a claim takes at least one attempt, got a limit of ${limit}`);
  const inPool = options.pool === undefined ? '' : 'AND pool = $4';
  const { rows } = await db.query<{ id: string; run_id: string; step_id: string; attempt: number; pool: string; epoch: number; lease_expires_at: Date }>(
    `WITH next AS (
       SELECT id FROM attempts WHERE state = 'queued' ${inPool}
       ORDER BY queued_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE attempts a SET state = 'running', epoch = a.epoch + 1, owner = $1, lease_expires_at = ${expiryIn('$2')}, heartbeat_at = now()
       FROM next WHERE a.id = next.id
       RETURNING a.id, a.run_id, a.step_id, a.attempt, a.pool, a.epoch, a.lease_expires_at
     ), logged AS (
       INSERT INTO attempt_transitions (attempt_id, epoch, owner, kind) SELECT id, epoch, $1::text, 'claimed' FROM claimed
     )
     SELECT * FROM claimed ORDER BY id`,
    options.pool === undefined ? [worker, options.ttlMs, limit] : [worker, options.ttlMs, limit, options.pool],
  );
  return rows.map((row) => ({ attemptId: Number(row.id), epoch: row.epoch, runId: row.run_id, stepId: row.step_id, attempt: row.attempt, pool: row.pool, leaseExpiresAt: row.lease_expires_at }));
}

/**
 * Claims the attempt `attempt` for `worker`, chosen by a dispatcher that places work itself (the
 * daemon's queue of jobs, which matches pools, labels and concurrency): its row is made running,
 * or taken again with the next epoch, its lease expiring `ttlMs` from the database's now.
 * Undefined when that attempt is committed already (it is never run twice).
 */
export async function claimNamedAttempt(db: Queryable, worker: string, attempt: NewAttempt, ttlMs: number, jobId: string | null = null): Promise<ClaimedAttempt | undefined> {
  checkWorker(worker);
  checkTtl(ttlMs);
  const { rows } = await db.query<{ id: string; run_id: string; step_id: string; attempt: number; pool: string; epoch: number; lease_expires_at: Date }>(
    `WITH claimed AS (
       INSERT INTO attempts (run_id, step_id, attempt, pool, state, epoch, owner, lease_expires_at, heartbeat_at, job_id)
       VALUES ($2, $3, $4, $5, 'running', 1, $1, ${expiryIn('$6')}, now(), $7)
       ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET
         state = 'running', epoch = attempts.epoch + 1, owner = EXCLUDED.owner, lease_expires_at = EXCLUDED.lease_expires_at, heartbeat_at = now(), job_id = EXCLUDED.job_id
       WHERE attempts.state <> 'committed'
       RETURNING id, run_id, step_id, attempt, pool, epoch, lease_expires_at
     ), logged AS (
       INSERT INTO attempt_transitions (attempt_id, epoch, owner, kind) SELECT id, epoch, $1::text, 'claimed' FROM claimed
     )
     SELECT * FROM claimed`,
    [worker, attempt.runId, attempt.stepId, attempt.attempt ?? 1, attempt.pool ?? 'default', ttlMs, jobId],
  );
  const row = rows[0];
  return row && { attemptId: Number(row.id), epoch: row.epoch, runId: row.run_id, stepId: row.step_id, attempt: row.attempt, pool: row.pool, leaseExpiresAt: row.lease_expires_at };
}

/** A lease a worker still holds on a job of a daemon that dispatched it: who holds it, by which job, for how long each renewal. */
export interface HeldJobLease extends Lease {
  worker: string;
  jobId: string;
  ttlMs: number;
}

/**
 * The lease still held (running, unexpired by the database's clock) on attempt `attempt` of a
 * step, when a worker took it as a job of the daemon's queue; undefined otherwise. A daemon that
 * leads after another adopts such an attempt instead of running it again.
 */
export async function heldJobLease(db: Queryable, attempt: NewAttempt): Promise<HeldJobLease | undefined> {
  const { rows } = await db.query<{ id: string; epoch: number; owner: string; job_id: string; ttl_ms: number }>(
    `SELECT id, epoch, owner, job_id, (extract(epoch FROM lease_expires_at - heartbeat_at) * 1000)::float8 AS ttl_ms
     FROM attempts a WHERE run_id = $1 AND step_id = $2 AND attempt = $3 AND job_id IS NOT NULL AND owner IS NOT NULL AND state = 'running' AND lease_expires_at > now()`,
    [attempt.runId, attempt.stepId, attempt.attempt ?? 1],
  );
  const row = rows[0];
  return row && { attemptId: Number(row.id), epoch: row.epoch, worker: row.owner, jobId: row.job_id, ttlMs: Math.max(1, Math.round(row.ttl_ms)) };
}

/**
 * Renews, each by its own lease timeout, the leases `worker` still holds on the jobs `jobIds`
 * (jobs of a daemon that led before, not yet adopted by this one); the job ids still held.
 */
export async function renewJobLeases(db: Queryable, worker: string, jobIds: readonly string[]): Promise<string[]> {
  checkWorker(worker);
  if (jobIds.length === 0) return [];
  const { rows } = await db.query<{ job_id: string }>(
    `UPDATE attempts a SET lease_expires_at = now() + (a.lease_expires_at - a.heartbeat_at), heartbeat_at = now()
     WHERE a.job_id = ANY($2::text[]) AND ${HELD}
     RETURNING a.job_id`,
    [worker, jobIds],
  );
  return rows.map((row) => row.job_id);
}

/**
 * Ends `leases` without a commit (the attempt failed, was stopped, lost or handed back, and its
 * dispatcher makes a new attempt if one is due): each row still running or queued at its epoch
 * becomes `ended`, holding nothing.
 */
export async function endLeases(db: Queryable, leases: readonly Lease[]): Promise<void> {
  if (leases.length === 0) return;
  await db.query(
    `UPDATE attempts a SET state = 'ended', lease_expires_at = NULL
     FROM unnest($1::bigint[], $2::int[]) AS given(id, epoch) WHERE a.id = given.id AND a.epoch = given.epoch AND a.state IN ('running', 'queued')`,
    [leases.map((l) => l.attemptId), leases.map((l) => l.epoch)],
  );
}

/** Leases still held, and those that are not (fenced: the worker stops that attempt and never commits it). */
export interface LeaseCheck {
  held: Lease[];
  fenced: Lease[];
}

function split(sent: readonly Lease[], kept: readonly { id: string; epoch: number }[]): LeaseCheck {
  const keptKeys = new Set(kept.map((row) => `${row.id}:${row.epoch}`));
  const held: Lease[] = [];
  const fenced: Lease[] = [];
  for (const lease of sent) (keptKeys.has(`${lease.attemptId}:${lease.epoch}`) ? held : fenced).push(lease);
  return { held, fenced };
}

/**
 * The leases passed as `$2` (ids) and `$3` (epochs), joined to `a` by primary key, so a
 * statement reads only the worker's own rows, however many leases others hold.
 */
const LEASES_GIVEN = 'FROM unnest($2::bigint[], $3::int[]) AS given(id, epoch) WHERE a.id = given.id AND a.epoch = given.epoch';

const leaseParams = (worker: string, leases: readonly Lease[]) => [worker, leases.map((l) => l.attemptId), leases.map((l) => l.epoch)];

/**
 * Renews all of `worker`'s `leases` in one statement, whatever their number: each still held
 * gets `ttlMs` more from the database's now. A lease missing from `held` was fenced (its epoch
 * is stale, it expired, or it was handed back).
 */
export async function renewLeases(db: Queryable, worker: string, leases: readonly Lease[], ttlMs: number): Promise<LeaseCheck> {
  checkWorker(worker);
  checkTtl(ttlMs);
  if (leases.length === 0) return { held: [], fenced: [] };
  const { rows } = await db.query<{ id: string; epoch: number }>(
    `UPDATE attempts a SET lease_expires_at = ${expiryIn('$4')}, heartbeat_at = now()
     ${LEASES_GIVEN} AND ${HELD}
     RETURNING a.id, a.epoch`,
    [...leaseParams(worker, leases), ttlMs],
  );
  return split(leases, rows);
}

/**
 * Hands `leases` back: each still held goes back to the queue at once (the next claim takes it),
 * counted as relinquished, not lost, so it is not charged to the step's retries.
 */
export async function relinquishLeases(db: Queryable, worker: string, leases: readonly Lease[]): Promise<LeaseCheck> {
  checkWorker(worker);
  if (leases.length === 0) return { held: [], fenced: [] };
  const { rows } = await db.query<{ id: string; epoch: number }>(
    `WITH handed AS (
       UPDATE attempts a SET state = 'queued', lease_expires_at = NULL, relinquished = a.relinquished + 1
       ${LEASES_GIVEN} AND ${HELD}
       RETURNING a.id, a.epoch
     ), logged AS (
       INSERT INTO attempt_transitions (attempt_id, epoch, owner, kind) SELECT id, epoch, $1::text, 'relinquished' FROM handed
     )
     SELECT id, epoch FROM handed`,
    leaseParams(worker, leases),
  );
  return split(leases, rows);
}

export interface AttemptResult {
  /** Output name → content hash (the artifacts are written, content-addressed, before the commit). */
  outputs?: Record<string, string>;
  /** Downstream attempts this one makes ready. */
  enqueue?: readonly NewAttempt[];
}

/**
 * Commits `lease`'s attempt in one transaction. Its first statement, the epoch-checked update
 * to `committed`, must touch exactly one row; only then are the outputs, the transition, the
 * downstream attempts and whatever `alsoWrite` adds written. Otherwise nothing is written and
 * `committed` is false: the worker was fenced. `ttlMs` is the worker's lease TTL: a commit
 * transaction left waiting that long (a frozen worker) is aborted by the server, releasing the
 * attempt's row for the reaper.
 */
export async function commitAttempt(
  pool: pg.Pool,
  worker: string,
  lease: Lease,
  result: AttemptResult,
  options: { ttlMs: number; alsoWrite?: (tx: pg.PoolClient) => Promise<void> },
): Promise<{ committed: boolean }> {
  checkWorker(worker);
  checkTtl(options.ttlMs);
  const fenced = new Error('fenced');
  try {
    return await inTransaction(
      pool,
      async (tx) => {
        const updated = await tx.query(`UPDATE attempts a SET state = 'committed', committed_at = now(), lease_expires_at = NULL WHERE a.id = $2 AND a.epoch = $3 AND ${HELD}`, [worker, lease.attemptId, lease.epoch]);
        if (updated.rowCount !== 1) throw fenced;
        const outputs = Object.entries(result.outputs ?? {});
        await tx.query(
          `WITH logged AS (
             INSERT INTO attempt_transitions (attempt_id, epoch, owner, kind) VALUES ($1::bigint, $2::int, $3::text, 'committed')
           )
           INSERT INTO attempt_outputs (attempt_id, epoch, name, hash) SELECT $1::bigint, $2::int, * FROM unnest($4::text[], $5::text[])`,
          [lease.attemptId, lease.epoch, worker, outputs.map(([name]) => name), outputs.map(([, hash]) => hash)],
        );
        await enqueueAttempts(tx, result.enqueue ?? []);
        await options.alsoWrite?.(tx);
        return { committed: true };
      },
      { idleTimeoutMs: options.ttlMs },
    );
  } catch (error) {
    if (error === fenced) return { committed: false };
    throw error;
  }
}
