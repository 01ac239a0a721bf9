// Workers' leases in PostgreSQL (runtime/src/store/postgres/), against a real PostgreSQL 15 (a
// private cluster for this file) and real processes: claims that race, heartbeats and commits
// fenced by epoch, hand-backs, the elected reaper, and workers frozen past their lease.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import pg from 'pg';
import { claimAttempts, commitAttempt, enqueueAttempts, relinquishLeases, renewLeases, type ClaimedAttempt, type Lease } from '../../runtime/src/store/postgres/attemptLeases';
import { openPostgresPool } from '../../runtime/src/store/postgres/connection';
import { LeaseReaper, sweepExpiredLeases, type Sweep } from '../../runtime/src/store/postgres/leaseReaper';
import { migratePostgres } from '../../runtime/src/store/postgres/migrate';
import { postgresForFile } from '../support/postgres';
import { startScript } from '../support/scriptProcess';
import { procState } from '../support/unreapedChild';
import { holdsFor, waitFor, waitForAsync } from '../support/waitFor';

const cluster = postgresForFile();
const pools: pg.Pool[] = [];
after(() => Promise.all(pools.map((p) => p.end())));

/** A migrated database of the test's own, and `count` pools on it (each its own connections: separate clients). */
async function freshDatabase(count = 1, max = 4): Promise<pg.Pool[]> {
  const url = await cluster().createDatabase();
  const opened = Array.from({ length: count }, () => openPostgresPool(url, { max }));
  pools.push(...opened);
  await migratePostgres(opened[0]!);
  return opened;
}

const urlOf = (pool: pg.Pool) => (pool as unknown as { options: { connectionString: string } }).options.connectionString;
const leaseOf = (claimed: ClaimedAttempt): Lease => ({ attemptId: claimed.attemptId, epoch: claimed.epoch });
const steps = (n: number, pool?: string) => Array.from({ length: n }, (_, i) => ({ runId: 'run', stepId: `${pool ?? 's'}${i}`, pool }));

async function attemptRow(db: pg.Pool, id: number) {
  const { rows } = await db.query<{ state: string; epoch: number; owner: string | null; lease_expires_at: Date | null; lost: number; relinquished: number }>('SELECT state, epoch, owner, lease_expires_at, lost, relinquished FROM attempts WHERE id = $1', [id]);
  return rows[0]!;
}

async function transitions(db: pg.Pool, id: number): Promise<string[]> {
  const { rows } = await db.query<{ kind: string; epoch: number; owner: string }>('SELECT kind, epoch, owner FROM attempt_transitions WHERE attempt_id = $1 ORDER BY seq', [id]);
  return rows.map((r) => `${r.kind} ${r.epoch} ${r.owner}`);
}

/** Expires, as the elected reaper would, every lease past due now (by the database's clock). */
async function reap(db: pg.Pool): Promise<Sweep> {
  return sweepExpiredLeases(db, 'test-reaper', 60_000);
}

/** Waits until the database's clock is past `at`. */
async function databasePast(db: pg.Pool, at: Date): Promise<void> {
  // A JavaScript Date holds milliseconds, the database microseconds: `at` may be up to 1 ms before the
  // stored expiry it was read from (CI once reaped between the two, and found nothing expired).
  await waitForAsync('the lease to expire by the database clock', async () => (await db.query<{ past: boolean }>("SELECT now() > $1::timestamptz + interval '1 millisecond' AS past", [at])).rows[0]!.past);
}

describe('PostgreSQL attempt leases', () => {
  it('clients racing to claim never get the same attempt (600 attempts, 2 clients × 4 connections, claims of 1 and of 3)', async () => {
    const [a, b] = await freshDatabase(2, 4);
    const ids = await enqueueAttempts(a!, steps(600));
    const claimedBy = new Map<number, string[]>();
    const racer = async (db: pg.Pool, worker: string, limit: number) => {
      for (;;) {
        const claimed = await claimAttempts(db, worker, { ttlMs: 60_000, limit });
        if (claimed.length === 0) return;
        for (const c of claimed) claimedBy.set(c.attemptId, [...(claimedBy.get(c.attemptId) ?? []), worker]);
      }
    };
    await Promise.all([1, 2, 3, 4].flatMap((n) => [racer(a!, `a${n}`, n % 2 === 0 ? 3 : 1), racer(b!, `b${n}`, n % 2 === 0 ? 1 : 3)]));
    const twice = [...claimedBy].filter(([, workers]) => workers.length > 1);
    assert.deepEqual(twice, [], 'attempts claimed more than once');
    assert.deepEqual([...claimedBy.keys()].sort((x, y) => x - y), ids);
    const { rows } = await a!.query<{ kind: string; n: number; max_epoch: number }>("SELECT kind, count(*)::int AS n, (SELECT max(epoch) FROM attempts) AS max_epoch FROM attempt_transitions GROUP BY kind");
    assert.deepEqual(rows, [{ kind: 'claimed', n: 600, max_epoch: 1 }]);
    assert.ok(new Set([...claimedBy.values()].map((w) => w[0]![0])).size === 2, 'both clients claimed some');
  });

  it("a claim for a pool takes only that pool's attempts, oldest first; an unpooled claim takes the oldest of any", async () => {
    const [db] = await freshDatabase();
    await enqueueAttempts(db!, steps(2, 'cpu'));
    await enqueueAttempts(db!, steps(2, 'gpu'));
    const gpu = await claimAttempts(db!, 'w', { ttlMs: 10_000, pool: 'gpu', limit: 5 });
    assert.deepEqual(gpu.map((c) => `${c.pool}/${c.stepId}`), ['gpu/gpu0', 'gpu/gpu1']);
    assert.deepEqual(await claimAttempts(db!, 'w', { ttlMs: 10_000, pool: 'gpu' }), []);
    assert.deepEqual((await claimAttempts(db!, 'w', { ttlMs: 10_000 })).map((c) => c.stepId), ['cpu0']);
  });

  it('a heartbeat renews all of a worker\'s held leases in one statement and nothing with a stale epoch, an expired lease or another\'s', async () => {
    const [db] = await freshDatabase();
    await enqueueAttempts(db!, steps(1003));
    const mine = await claimAttempts(db!, 'w1', { ttlMs: 60_000, limit: 1000 });
    const renewed = await renewLeases(db!, 'w1', mine.map(leaseOf), 60_000);
    assert.equal(renewed.held.length, 1000);
    assert.deepEqual(renewed.fenced, []);

    // A stale epoch: w1's lease on an attempt that expired and that w2 claimed since.
    const [short] = await claimAttempts(db!, 'w1', { ttlMs: 50 });
    await databasePast(db!, short!.leaseExpiresAt);
    assert.deepEqual((await reap(db!)).expired.map((e) => e.attemptId), [short!.attemptId]);
    const [again] = await claimAttempts(db!, 'w2', { ttlMs: 60_000 });
    assert.equal(again!.attemptId, short!.attemptId);
    assert.equal(again!.epoch, short!.epoch + 1);
    const before = await attemptRow(db!, short!.attemptId);
    const stale = await renewLeases(db!, 'w1', [leaseOf(short!), leaseOf(mine[0]!)], 60_000);
    assert.deepEqual(stale, { held: [leaseOf(mine[0]!)], fenced: [leaseOf(short!)] });
    assert.deepEqual(await attemptRow(db!, short!.attemptId), before, 'the stale heartbeat changed the row');
    // The right epoch under another worker's name renews nothing either.
    assert.deepEqual(await renewLeases(db!, 'w1', [leaseOf(again!)], 60_000), { held: [], fenced: [leaseOf(again!)] });

    // The same worker claiming the attempt again: its old epoch renews nothing, its new one does.
    await enqueueAttempts(db!, [{ runId: 'run', stepId: 'solo', pool: 'solo' }]);
    const [oldClaim] = await claimAttempts(db!, 'w4', { ttlMs: 50, pool: 'solo' });
    await databasePast(db!, oldClaim!.leaseExpiresAt);
    await reap(db!);
    const [newClaim] = await claimAttempts(db!, 'w4', { ttlMs: 60_000, pool: 'solo' });
    const unchanged = await attemptRow(db!, newClaim!.attemptId);
    assert.deepEqual(await renewLeases(db!, 'w4', [leaseOf(oldClaim!)], 120_000), { held: [], fenced: [leaseOf(oldClaim!)] });
    assert.deepEqual(await attemptRow(db!, newClaim!.attemptId), unchanged, 'the old epoch renewed the new claim');
    assert.deepEqual((await renewLeases(db!, 'w4', [leaseOf(newClaim!)], 60_000)).held, [leaseOf(newClaim!)]);

    // Expired by the database's clock but not reaped yet: no longer held.
    const [expiring] = await claimAttempts(db!, 'w3', { ttlMs: 50 });
    await databasePast(db!, expiring!.leaseExpiresAt);
    assert.deepEqual(await renewLeases(db!, 'w3', [leaseOf(expiring!)], 60_000), { held: [], fenced: [leaseOf(expiring!)] });
    assert.equal((await attemptRow(db!, expiring!.attemptId)).lease_expires_at!.getTime(), expiring!.leaseExpiresAt.getTime());
  });

  it('a commit with a stale epoch writes nothing; the holder commits once, outputs and downstream work with it', async () => {
    const [db] = await freshDatabase();
    const [id] = await enqueueAttempts(db!, [{ runId: 'run', stepId: 'train' }]);
    const [first] = await claimAttempts(db!, 'w1', { ttlMs: 50 });
    await databasePast(db!, first!.leaseExpiresAt);
    await reap(db!);
    const [second] = await claimAttempts(db!, 'w2', { ttlMs: 60_000 });
    let alsoWritten = 0;
    const result = { outputs: { model: 'sha256:stale' }, enqueue: [{ runId: 'run', stepId: 'evaluate' }] };
    const alsoWrite = async (tx: pg.PoolClient) => {
      alsoWritten++;
      await tx.query("INSERT INTO leaders (role, holder, term, expires_at) VALUES ('marker', 'x', 1, now())");
    };
    assert.deepEqual(await commitAttempt(db!, 'w1', leaseOf(first!), result, { ttlMs: 50, alsoWrite }), { committed: false });
    assert.equal(alsoWritten, 0);
    const counts = async () => (await db!.query("SELECT (SELECT count(*) FROM attempt_outputs)::int AS outputs, (SELECT count(*) FROM attempts)::int AS attempts, (SELECT count(*) FROM leaders WHERE role = 'marker')::int AS marker")).rows[0];
    assert.deepEqual(await counts(), { outputs: 0, attempts: 1, marker: 0 });
    assert.equal((await attemptRow(db!, id!)).state, 'running');

    assert.deepEqual(await commitAttempt(db!, 'w2', leaseOf(second!), { outputs: { model: 'sha256:good' }, enqueue: [{ runId: 'run', stepId: 'evaluate' }] }, { ttlMs: 60_000, alsoWrite }), { committed: true });
    assert.deepEqual(await counts(), { outputs: 1, attempts: 2, marker: 1 });
    assert.deepEqual((await db!.query('SELECT epoch, name, hash FROM attempt_outputs')).rows, [{ epoch: 2, name: 'model', hash: 'sha256:good' }]);
    assert.deepEqual(await commitAttempt(db!, 'w2', leaseOf(second!), result, { ttlMs: 60_000 }), { committed: false }, 'committed twice');
    assert.deepEqual(await transitions(db!, id!), ['claimed 1 w1', 'lost 1 w1', 'claimed 2 w2', 'committed 2 w2']);

    // The same worker claiming the attempt again: only the epoch tells its old claim from the new.
    const [otherId] = await enqueueAttempts(db!, [{ runId: 'run', stepId: 'other', pool: 'solo' }]);
    const [old] = await claimAttempts(db!, 'w3', { ttlMs: 50, pool: 'solo' });
    await databasePast(db!, old!.leaseExpiresAt);
    await reap(db!);
    const [renewedClaim] = await claimAttempts(db!, 'w3', { ttlMs: 60_000, pool: 'solo' });
    assert.deepEqual([renewedClaim!.attemptId, renewedClaim!.epoch], [otherId, 2]);
    assert.deepEqual(await commitAttempt(db!, 'w3', leaseOf(old!), { outputs: { x: 'old' } }, { ttlMs: 60_000 }), { committed: false });
    assert.deepEqual(await commitAttempt(db!, 'w3', leaseOf(renewedClaim!), { outputs: { x: 'new' } }, { ttlMs: 60_000 }), { committed: true });
    assert.deepEqual((await db!.query('SELECT epoch, hash FROM attempt_outputs WHERE attempt_id = $1', [otherId])).rows, [{ epoch: 2, hash: 'new' }]);
  });

  it('a hand-back queues the attempt again at once, not charged as lost; the old holder is fenced', async () => {
    const [db] = await freshDatabase();
    const [id] = await enqueueAttempts(db!, [{ runId: 'run', stepId: 's' }]);
    const [held] = await claimAttempts(db!, 'w1', { ttlMs: 60_000 });
    assert.deepEqual(await relinquishLeases(db!, 'w1', [leaseOf(held!)]), { held: [leaseOf(held!)], fenced: [] });
    assert.deepEqual(await relinquishLeases(db!, 'w1', [leaseOf(held!)]), { held: [], fenced: [leaseOf(held!)] }, 'handed back twice');
    const row = await attemptRow(db!, id!);
    assert.deepEqual([row.state, row.lost, row.relinquished], ['queued', 0, 1]);
    const [next] = await claimAttempts(db!, 'w2', { ttlMs: 60_000 });
    assert.deepEqual([next!.attemptId, next!.epoch], [id, 2]);
    assert.deepEqual((await renewLeases(db!, 'w1', [leaseOf(held!)], 60_000)).held, []);
    assert.deepEqual(await commitAttempt(db!, 'w1', leaseOf(held!), {}, { ttlMs: 60_000 }), { committed: false });
    assert.deepEqual(await transitions(db!, id!), ['claimed 1 w1', 'relinquished 1 w1', 'claimed 2 w2']);
  });

  it('the reaper expires each lease within a bound of its expiry, by the database clock', async (t) => {
    const [db] = await freshDatabase();
    await enqueueAttempts(db!, steps(20));
    const reaper = LeaseReaper.start(db!, { intervalMs: 100, leaderTtlMs: 1000 });
    try {
      const claimed: ClaimedAttempt[] = [];
      for (let i = 0; i < 20; i++) claimed.push(...(await claimAttempts(db!, `w${i}`, { ttlMs: 200 + 25 * i })));
      await waitForAsync('every lease to be expired', async () => (await db!.query("SELECT count(*)::int AS n FROM attempt_transitions WHERE kind = 'lost'")).rows[0].n === 20);
      const { rows } = await db!.query<{ late_ms: number }>(
        "SELECT (extract(epoch FROM t.at - c.at) * 1000 - (200 + 25 * (a.id - 1)))::float8 AS late_ms FROM attempt_transitions t JOIN attempt_transitions c ON c.attempt_id = t.attempt_id AND c.kind = 'claimed' JOIN attempts a ON a.id = t.attempt_id WHERE t.kind = 'lost' ORDER BY 1",
      );
      const late = rows.map((r) => r.late_ms);
      t.diagnostic(`expired after the lease's expiry by: median ${late[10]!.toFixed(0)} ms, max ${late[19]!.toFixed(0)} ms (sweep interval 100 ms)`);
      assert.ok(late[0]! >= 0, `a lease was expired ${-late[0]!} ms early`);
      assert.ok(late[19]! < 1000, `a lease was expired ${late[19]} ms after its expiry`);
      assert.ok(reaper.leader);
    } finally {
      await reaper.stop();
    }
    assert.equal((await db!.query("SELECT count(*)::int AS n FROM leaders WHERE role = 'reaper' AND expires_at > now()")).rows[0].n, 0, 'a stopped reaper gave its role up');
  });
});

describe('PostgreSQL coordination across processes', () => {
  const reaperScript = path.join(__dirname, '..', 'support', 'postgresReaperProcess.ts');
  const workerScript = path.join(__dirname, '..', 'support', 'postgresWorkerProcess.ts');
  const lastLeadership = (events: Record<string, unknown>[]) => events.filter((e) => e.event === 'leadership').at(-1)?.leader === true;

  it('of two reaper processes one leads; a killed leader is replaced within its leader TTL, by a new term', async () => {
    const [db] = await freshDatabase();
    const reapers = [startScript(reaperScript, [urlOf(db!), 'r1', '100', '1000']), startScript(reaperScript, [urlOf(db!), 'r2', '100', '1000'])];
    await waitFor('a reaper to lead', () => reapers.some((r) => lastLeadership(r.events)));
    const leaderAt = reapers.findIndex((r) => lastLeadership(r.events));
    const [leader, other] = [reapers[leaderAt]!, reapers[1 - leaderAt]!];
    await other.next('the other reaper to sweep as a candidate', (e) => e.event === 'leadership' && e.leader === false);
    // Leases expire meanwhile: only the leader expires them.
    await enqueueAttempts(db!, steps(5));
    for (let i = 0; i < 5; i++) await claimAttempts(db!, `w${i}`, { ttlMs: 100 });
    await holdsFor('one reaper leading', 1500, () => lastLeadership(leader.events) && !lastLeadership(other.events) && !other.events.some((e) => e.event === 'expired'));
    assert.equal(leader.events.filter((e) => e.event === 'expired').flatMap((e) => e.leases as unknown[]).length, 5);
    const term = (await db!.query('SELECT holder, term FROM leaders WHERE role = $1', ['reaper'])).rows[0];
    assert.deepEqual(term, { holder: `r${leaderAt + 1}`, term: 1 });

    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    const took = await other.next('the other reaper to take over', (e) => e.event === 'leadership' && e.leader === true, { timeoutMs: 10_000 });
    assert.equal(took.term, 2);
    assert.ok((took.at as number) - killedAt < 1000 + 100 + 1500, `took over ${(took.at as number) - killedAt} ms after the kill`);
    other.child.kill('SIGTERM');
    await other.next('the reaper to stop', (e) => e.event === 'stopped');
  });

  it('a frozen leader (SIGSTOP) is replaced, and once woken (SIGCONT) it neither leads nor expires anything', async () => {
    const [db] = await freshDatabase();
    const first = startScript(reaperScript, [urlOf(db!), 'frozen', '100', '600']);
    await first.next('the first reaper to lead', (e) => e.event === 'leadership' && e.leader === true);
    const second = startScript(reaperScript, [urlOf(db!), 'standby', '100', '600']);
    await second.next('the second reaper to sweep as a candidate', (e) => e.event === 'leadership' && e.leader === false);
    first.child.kill('SIGSTOP');
    await second.next('the standby to take over from the frozen leader', (e) => e.event === 'leadership' && e.leader === true);
    await enqueueAttempts(db!, steps(3));
    for (let i = 0; i < 3; i++) await claimAttempts(db!, `w${i}`, { ttlMs: 100 });
    await second.next('the new leader to expire the leases', (e) => e.event === 'expired');
    const seen = first.events.length;
    first.child.kill('SIGCONT');
    await first.next('the woken reaper to find it no longer leads', (e) => e.event === 'leadership' && e.leader === false, { from: seen });
    await holdsFor('the new leader keeping the role', 800, () => lastLeadership(second.events) && !lastLeadership(first.events));
    assert.deepEqual(first.events.slice(seen).filter((e) => e.event === 'expired'), []);
    assert.deepEqual((await db!.query('SELECT holder, term FROM leaders')).rows, [{ holder: 'standby', term: 2 }]);
  });

  it('a worker frozen past its lease (SIGSTOP) never commits once woken (SIGCONT); the attempt is re-claimed and committed once', async () => {
    const [db] = await freshDatabase();
    const [id] = await enqueueAttempts(db!, [{ runId: 'run', stepId: 'train' }]);
    const reaper = LeaseReaper.start(db!, { intervalMs: 100, leaderTtlMs: 1000 });
    try {
      const worker = startScript(workerScript, [urlOf(db!), 'frozen-worker', '600', '150', '1500']);
      const claimed = await worker.next('the worker to claim', (e) => e.event === 'claimed');
      worker.child.kill('SIGSTOP');
      const [reclaimed] = await waitForAsync('the attempt to be reaped and claimed again', () => claimAttempts(db!, 'w2', { ttlMs: 60_000 }).then((c) => c.length > 0 && c));
      assert.deepEqual([reclaimed!.attemptId, reclaimed!.epoch], [claimed.attemptId, 2]);
      worker.child.kill('SIGCONT');
      const outcome = await worker.next('the woken worker to learn it was fenced', (e) => ['fenced', 'committed', 'commit-failed', 'error'].includes(e.event as string));
      assert.equal(outcome.event, 'fenced', JSON.stringify(worker.events));
      assert.equal(await worker.exited, 0);
      assert.deepEqual((await db!.query('SELECT count(*)::int AS n FROM attempt_outputs')).rows[0], { n: 0 });
      assert.deepEqual(await commitAttempt(db!, 'w2', leaseOf(reclaimed!), { outputs: { model: 'h' } }, { ttlMs: 60_000 }), { committed: true });
      assert.deepEqual(await transitions(db!, id!), ['claimed 1 frozen-worker', 'lost 1 frozen-worker', 'claimed 2 w2', 'committed 2 w2']);
    } finally {
      await reaper.stop();
    }
  });

  it('a worker frozen inside its commit transaction has it aborted by the server after its lease TTL; once woken, its commit fails and wrote nothing', async () => {
    const [db] = await freshDatabase();
    const [id] = await enqueueAttempts(db!, [{ runId: 'run', stepId: 'train' }]);
    const reaper = LeaseReaper.start(db!, { intervalMs: 100, leaderTtlMs: 1000 });
    try {
      const worker = startScript(workerScript, [urlOf(db!), 'frozen-committer', '600', '150', '50', '--freeze-in-commit']);
      await worker.next('the worker to stop itself inside its commit', (e) => e.event === 'in-commit');
      await waitFor('the worker to be stopped', () => procState(worker.pid) === 'T');
      // Its transaction holds the attempt's row (the committed update, not yet committed): the
      // server must end it for the reaper to see the lease expire.
      const [reclaimed] = await waitForAsync('the attempt to be reaped and claimed again', () => claimAttempts(db!, 'w2', { ttlMs: 60_000 }).then((c) => c.length > 0 && c), 20_000);
      assert.equal(reclaimed!.epoch, 2);
      worker.child.kill('SIGCONT');
      const outcome = await worker.next('the woken worker to finish its commit', (e) => ['committed', 'fenced', 'commit-failed', 'error'].includes(e.event as string));
      assert.equal(outcome.event, 'commit-failed', JSON.stringify(worker.events));
      assert.deepEqual((await db!.query('SELECT count(*)::int AS n FROM attempt_outputs')).rows[0], { n: 0 });
      assert.deepEqual(await transitions(db!, id!), ['claimed 1 frozen-committer', 'lost 1 frozen-committer', 'claimed 2 w2']);
    } finally {
      await reaper.stop();
    }
  });
});
