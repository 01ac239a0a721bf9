// Remote workers' leases on a shared store are judged by the database's clock, not the daemon's
// (store/workerLeaseBook.ts): a daemon whose own clock runs at a quarter of real speed still ends
// a frozen worker's attempt as lost within its lease timeout and a second, and the lease rows in
// PostgreSQL show every step committed exactly once. Real PostgreSQL, daemon, workers and signals.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { isProcessAlive } from '../../runtime/src/system/processAlive';
import { cli } from '../support/cli';
import { startPostgres, queryDatabase, type PostgresCluster } from '../support/postgres';
import { finalRunDetail } from '../support/runDetail';
import { fixture, tempDir } from '../support/tempDir';
import { readPid, waitFor, waitForAsync } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

/** The victim step's lease timeout (test/fixtures/pipelines/faults.ts). */
const VICTIM_LEASE_MS = 500;

describe("remote workers' leases on PostgreSQL, judged by the database's clock", () => {
  const dir = tempDir('pipewright-store-clock-');
  const store = path.join(dir, 'store');
  const env = { PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.2', PIPEWRIGHT_HEARTBEAT_TIMEOUT: '2' };
  let postgres: PostgresCluster;
  let storeUrl: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    postgres = await startPostgres();
    storeUrl = await postgres.createDatabase();
    // Every command of this file (runs show included) reads this database.
    process.env.PIPEWRIGHT_STORE_URL = storeUrl;
    const started = await cli(['--store', store, 'server', 'start', '--workers', 'remote', '--json'], {
      env: { ...env, PIPEWRIGHT_STORE_URL: storeUrl, NODE_OPTIONS: `--require ${fixture('clock', 'daemonClockRate.cjs')}`, PIPEWRIGHT_TEST_CLOCK_RATE: '0.25' },
    });
    assert.equal(started.code, 0, started.stderr);
    const { url } = JSON.parse(started.stdout) as { url: string };
    for (let i = 0; i < 2; i++) workers.push(startWorker(url, daemonFiles(store).runnerToken, path.join(dir, `worker-${i}`)));
  });

  after(async () => {
    for (const worker of workers) worker.signalGroup('SIGKILL');
    await cli(['--store', store, 'server', 'stop'], { env: { PIPEWRIGHT_STORE_URL: storeUrl } });
    await postgres?.stop();
  });

  it("ends a frozen worker's attempt as lost within its lease timeout and a second, though the daemon's clock runs at a quarter speed; each step is committed once", async () => {
    const runDir = path.join(dir, 'frozen');
    fs.mkdirSync(runDir);
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'faults.ts'), '--pipeline', 'faults', '--param', `dir=${runDir}`, '--no-cache', '--detach'], { env: { ...env, PIPEWRIGHT_STORE_URL: storeUrl } });
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    const first = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
    const frozen = workers.find((worker) => fs.readFileSync(`/proc/${first}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(worker.pid));
    assert.ok(frozen, `attempt 1's runner ${first} is a child of a worker`);
    // Its last beat renewed the lease at most one beat interval (0.1 s) before the freeze.
    frozen.signalGroup('SIGSTOP');
    const frozenAt = Date.now();
    const client = await connectDaemon(store, { storeUrl });
    await waitForAsync(
      'attempt 1 to be lost',
      async () => (await client.getRun({ run: runId })).attempts.victim?.some((a) => a.attempt === 1 && a.status === 'lost'),
      20_000,
    );
    const lostAfterMs = Date.now() - frozenAt;
    assert.ok(lostAfterMs <= VICTIM_LEASE_MS + 1000, `attempt 1 was lost ${lostAfterMs} ms after its worker froze (lease ${VICTIM_LEASE_MS} ms; judged by the daemon's quarter-speed clock it would take about ${4 * VICTIM_LEASE_MS} ms)`);
    await waitFor('attempt 2 to start on the other worker', () => readPid(path.join(runDir, 'attempt-2.pid')));
    fs.writeFileSync(path.join(runDir, 'release-2'), '');
    const detail = await finalRunDetail(store, runId);
    assert.equal(detail.status, 'completed', JSON.stringify(detail));
    assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['prepare', ['completed']], ['victim', ['lost', 'completed']], ['downstream', ['completed']]]);
    // The lease rows: attempt 1 expired by the reaper (lost once) and ended; each step committed once.
    const rows = await queryDatabase<{ step_id: string; attempt: number; state: string; lost: number; kinds: string }>(
      storeUrl,
      `SELECT a.step_id, a.attempt, a.state, a.lost, string_agg(t.kind, ',' ORDER BY t.seq) AS kinds
       FROM attempts a JOIN attempt_transitions t ON t.attempt_id = a.id WHERE a.run_id = $1 GROUP BY a.id ORDER BY a.id`,
      [runId],
    );
    assert.deepEqual(
      rows.map((row) => [row.step_id, row.attempt, row.state, row.lost, row.kinds]),
      [
        ['prepare', 1, 'committed', 0, 'claimed'],
        ['victim', 1, 'ended', 1, 'claimed,lost'],
        ['victim', 2, 'committed', 0, 'claimed'],
        ['downstream', 1, 'committed', 0, 'claimed'],
      ],
    );
    // Woken, the frozen worker kills its fenced runner, which never finished its step.
    frozen.signalGroup('SIGCONT');
    await waitFor('the fenced runner to be killed', () => !isProcessAlive(first), 10_000);
    const held = await queryDatabase<{ n: string }>(storeUrl, `SELECT count(*) AS n FROM attempts WHERE state = 'running'`);
    assert.equal(held[0]!.n, '0', 'no lease is held once the run is over');
    assert.equal(fs.readFileSync(path.join(runDir, 'finished'), 'utf8'), 'attempt 2\n');
  });
});
