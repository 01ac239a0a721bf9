// A daemon's claim of a PostgreSQL store is an advisory lock on a connection of its own. When the
// server restarts (or ends that connection), the lock is gone while the daemon lives on: it must
// take the claim again, or stop if another daemon took the store meanwhile. Real daemons (the
// CLI's `server start`), a real private PostgreSQL cluster restarted with pg_ctl.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { DaemonClaim } from '../../runtime/src/store/postgres/daemonClaim';
import { postgresConfig } from '../../runtime/src/store/postgres/connection';
import { migratePostgres } from '../../runtime/src/store/postgres/migrate';
import { cli } from '../support/cli';
import { postgresForFile, queryDatabase as query } from '../support/postgres';
import { tempDir } from '../support/tempDir';
import { isAlive, waitFor, waitForAsync } from '../support/waitFor';

const cluster = postgresForFile();

/** The daemons' owner lock (store/postgres/daemonClaim.ts) as pg_locks shows a bigint key: classid, the high half; objid, the low. */
const OWNER_LOCK_HELD = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND classid::bigint * 4294967296 + objid::bigint = 7236823717`;


async function startDaemon(store: string, url: string): Promise<{ code: number | null; stdout: string; stderr: string; pid?: number }> {
  const started = await cli(['--store', store, 'server', 'start', '--json'], { env: { PIPEWRIGHT_STORE_URL: url } });
  const status = started.code === 0 ? (JSON.parse(started.stdout) as { pid: number }) : undefined;
  return { ...started, pid: status?.pid };
}

describe("a daemon's claim of a PostgreSQL store", () => {
  it('closed while its periodic check is in flight, ends quietly (the check neither throws nor claims again)', async () => {
    const url = await cluster().createDatabase();
    const setup = new pg.Pool({ connectionString: url });
    await migratePostgres(setup);
    await setup.end();
    const claim = new DaemonClaim(postgresConfig(url));
    assert.equal(await claim.claim(process.pid), undefined, 'the claim is taken');
    // The check's `SELECT 1` is in flight when close() ends its connection.
    const checking = (claim as unknown as { check(): Promise<void> }).check();
    await claim.close();
    await checking;
    assert.equal(claim.isHeld, false);
    assert.deepEqual(await query(url, OWNER_LOCK_HELD), [], 'nothing holds the owner lock once closed');
  });

  it('is taken again after the server restarts: a second daemon on the database is still a replica', async () => {
    const url = await cluster().createDatabase();
    const dir = tempDir();
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    try {
      const owner = await startDaemon(first, url);
      assert.equal(owner.code, 0, owner.stderr);
      assert.equal((await query(url, OWNER_LOCK_HELD)).length, 1, 'the daemon holds the owner lock');
      await cluster().restart();
      await waitForAsync('the daemon to hold the owner lock again', async () => (await query(url, OWNER_LOCK_HELD).catch(() => [])).length === 1, 15_000);
      const replica = await startDaemon(second, url);
      assert.equal(replica.code, 0, replica.stderr);
      assert.deepEqual(await query(url, 'SELECT pid FROM daemon_owner'), [{ pid: owner.pid }], 'the first daemon still leads: the second is its replica');
      assert.equal((await query(url, OWNER_LOCK_HELD)).length, 1);
      assert.ok(owner.pid && isAlive(owner.pid), 'the first daemon goes on serving');
      const status = await cli(['--store', first, 'server', 'status', '--json'], { env: { PIPEWRIGHT_STORE_URL: url } });
      assert.equal((JSON.parse(status.stdout) as { state: string }).state, 'active', status.stderr);
    } finally {
      for (const store of [first, second]) await cli(['--store', store, 'server', 'stop'], { env: { PIPEWRIGHT_STORE_URL: url } });
    }
  });

  it('lost to another holder while its connection was down: the daemon stops and says why', async () => {
    const url = await cluster().createDatabase();
    const store = path.join(tempDir(), 'store');
    const owner = await startDaemon(store, url);
    assert.equal(owner.code, 0, owner.stderr);
    const daemonPid = owner.pid!;
    // Another holder: end the daemon's claim connection, and take the lock as its backend goes
    // (a queued pg_advisory_lock is granted before the daemon's next try can be).
    const rival = new pg.Client({ connectionString: url });
    await rival.connect();
    try {
      const [holder] = await query<{ pid: number }>(url, OWNER_LOCK_HELD);
      assert.ok(holder, 'the daemon holds the owner lock');
      await rival.query('UPDATE daemon_owner SET pid = $1, host = $2', [process.pid, 'rival']);
      const locked = rival.query('SELECT pg_advisory_lock(7236823717)');
      await query(url, 'SELECT pg_terminate_backend($1)', [holder.pid]);
      await locked;
      await waitFor('the daemon to stop', () => !isAlive(daemonPid), 15_000);
      const logs = await cli(['--store', store, 'server', 'logs', '-n', '20']);
      assert.match(logs.stdout, new RegExp(`lost the claim of the PostgreSQL store .*: the daemon with pid ${process.pid} claimed the store`), logs.stdout);
    } finally {
      await rival.end();
      if (isAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    }
  });
});
