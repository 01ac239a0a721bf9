// A real daemon on the PostgreSQL store (a private PostgreSQL 15 cluster for this file), driven
// through the real CLI: a run, `runs list`/`runs show`, a retry, and the rows are in PostgreSQL
// while the artifacts are in the local store folder, which holds no SQLite file. Then what a
// user meets when the database is unreachable, its schema newer, or the URL no PostgreSQL one.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { StreamEvent } from '../../runtime/src/api/protocol';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { cli, lastJson } from '../support/cli';
import { basics, env as cleanEnv, fixable, type Summary } from '../support/cliWorkflow';
import { freePort } from '../support/freePort';
import { postgresForFile, queryDatabase as query } from '../support/postgres';
import { tempDir } from '../support/tempDir';

const cluster = postgresForFile();


/** The CLI with the store folder from PIPEWRIGHT_STORE and nothing else chosen by the outer environment. */
const pw = (folder: string, args: string[], extra: NodeJS.ProcessEnv = {}) => cli(args, { env: { ...cleanEnv, PIPEWRIGHT_STORE_URL: undefined, PIPEWRIGHT_STORE: folder, ...extra } });

describe('the daemon on a PostgreSQL store', () => {
  const dir = tempDir();
  const folder = path.join(dir, 'store');
  let url = '';
  after(() => pw(folder, ['server', 'stop']));

  it('runs a pipeline, shows and lists it, retries it, and keeps its rows and artifacts in PostgreSQL, with copies in the folder', async () => {
    url = await cluster().createDatabase();
    const started = await pw(folder, ['server', 'start', '--store', url, '--json']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(lastJson(started).state, 'active');
    const withUrl = { PIPEWRIGHT_STORE_URL: url };

    const failed = await pw(folder, ['run', fixable, '--param', `dir=${dir}`, '--json'], withUrl);
    assert.equal(failed.code, 1, failed.stderr);
    const first = lastJson<Summary>(failed);
    assert.equal(first.status, 'failed');
    assert.doesNotMatch(failed.stderr, /started the orchestrator daemon/, 'the daemon started with --store served the run');

    fs.writeFileSync(path.join(dir, 'fixed'), '');
    const retried = await pw(folder, ['runs', 'retry', first.runId, '--json'], withUrl);
    assert.equal(retried.code, 0, retried.stderr);
    const retry = lastJson<Summary>(retried);
    assert.equal(retry.status, 'completed');
    assert.notEqual(retry.runId, first.runId);
    assert.deepEqual(retry.steps.map((s) => [s.id, s.status]), [['gather', 'cached'], ['fragile', 'completed'], ['finish', 'completed']]);

    const shown = await pw(folder, ['runs', 'show', retry.runId, '--json'], withUrl);
    assert.equal(shown.code, 0, shown.stderr);
    const detail = lastJson<Summary>(shown);
    assert.equal(detail.status, 'completed');
    assert.deepEqual(detail.parameters, { dir });
    const finish = detail.steps.find((s) => s.id === 'finish');
    assert.equal(finish?.outputs?.[0]?.name, 'output');
    const listed = await pw(folder, ['runs', 'list', '--json'], withUrl);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((lastJson(listed) as unknown as Summary[]).map((r) => [r.runId, r.status]), [[retry.runId, 'completed'], [first.runId, 'failed']]);
    // The daemon's event stream, replayed from the database: the failed run's story up to its end, in number order.
    const client = await connectDaemon(folder, { storeUrl: url });
    const replayed: StreamEvent[] = [];
    await client.follow((event) => {
      replayed.push(event);
      return event.type === 'run' && (event.data as { status?: string }).status === 'failed';
    }, { runId: first.runId, since: 0, signal: AbortSignal.timeout(30_000) });
    assert.equal(replayed.at(-1)?.type, 'run', JSON.stringify(replayed.map((e) => e.type)));
    assert.ok(replayed.some((e) => e.type === 'step' && (e.data as { invocationId?: string; status?: string }).invocationId === 'fragile' && (e.data as { status?: string }).status === 'failed'));
    assert.ok(replayed.every((e, i) => i === 0 || e.seq > replayed[i - 1]!.seq), 'strictly increasing numbers');
    const storedSeqs = new Set((await query<{ seq: string }>(url, `SELECT seq FROM events WHERE run_id = '${first.runId}'`)).map((row) => Number(row.seq)));
    assert.ok(replayed.filter((e) => e.type !== 'log' && e.type !== 'heartbeat').every((e) => storedSeqs.has(e.seq)), 'replayed from the rows in PostgreSQL');
    const artifact = await pw(folder, ['artifacts', 'get', retry.runId, 'finish'], withUrl);
    assert.equal(artifact.code, 0, artifact.stderr);
    assert.match(artifact.stdout, /ok!/);

    // Where everything is: rows in the database, artifact bytes in the folder, no SQLite file.
    const runs = await query<{ id: string; status: string }>(url, 'SELECT id, status FROM runs ORDER BY seq');
    assert.deepEqual(runs, [{ id: first.runId, status: 'failed' }, { id: retry.runId, status: 'completed' }]);
    const attempts = await query<{ step_id: string; status: string }>(url, `SELECT step_id, status FROM step_attempts WHERE run_id = '${first.runId}' ORDER BY step_id`);
    assert.deepEqual(attempts, [{ step_id: 'fragile', status: 'failed' }, { step_id: 'gather', status: 'completed' }]);
    assert.ok((await query(url, 'SELECT 1 FROM events')).length > 0, 'the event stream is stored');
    const hashes = await query<{ hash: string }>(url, `SELECT hash FROM step_outputs WHERE run_id = '${retry.runId}'`);
    assert.equal(hashes.length, 3);
    for (const { hash } of hashes) assert.ok(fs.readdirSync(path.join(folder, 'artifacts'), { recursive: true, encoding: 'utf8' }).some((file) => file.includes(hash)), `artifact ${hash} in the folder`);
    assert.ok(!fs.existsSync(path.join(folder, 'pipewright.db')), 'no SQLite file in the folder');
    // The database holds the outputs themselves: another machine (a folder of its own, empty) reads them from it.
    const inDatabase = new Set((await query<{ hash: string }>(url, 'SELECT hash FROM artifact_contents')).map((row) => row.hash));
    for (const { hash } of hashes) assert.ok(inDatabase.has(hash), `artifact ${hash} in PostgreSQL`);
    const elsewhere = await pw(path.join(dir, 'another-machine'), ['artifacts', 'get', retry.runId, 'finish'], withUrl);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.match(elsewhere.stdout, /ok!/);

    // A run in the CLI's own process (--no-daemon) records into the same database.
    const inProcess = await pw(folder, ['run', basics, '--param', 'count=2', '--no-daemon', '--json'], withUrl);
    assert.equal(inProcess.code, 0, inProcess.stderr);
    const local = lastJson<Summary>(inProcess);
    assert.deepEqual(await query(url, `SELECT status FROM runs WHERE id = '${local.runId}'`), [{ status: 'completed' }]);
    assert.ok(!fs.existsSync(path.join(folder, 'pipewright.db')), 'still no SQLite file');
  });

  it('refuses a command that names another store than the daemon serves, naming both', async () => {
    const list = await pw(folder, ['runs', 'list']);
    assert.equal(list.code, 2, list.stderr);
    assert.match(list.stderr, /keeps its runs in the PostgreSQL store postgres:\/\/postgres@127\.0\.0\.1:\d+\/test_\d+_\d+, not in the SQLite store in /);
    const run = await pw(folder, ['run', fixable, '--param', `dir=${dir}`]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /keeps its runs in the PostgreSQL store/);
    assert.equal((await query(url, 'SELECT 1 FROM runs')).length, 3, 'nothing ran');
  });

  it("a database has several daemons: another folder's daemon on it serves as a replica of the one that leads", async () => {
    const other = path.join(tempDir(), 'store');
    const second = await pw(other, ['server', 'start', '--store', url, '--json']);
    try {
      assert.equal(second.code, 0, second.stderr);
      assert.equal((JSON.parse(second.stdout) as { state: string }).state, 'active', second.stdout);
      const logs = await pw(other, ['server', 'logs', '-n', '5']);
      assert.match(logs.stdout, /a replica of the PostgreSQL store postgres:\/\/postgres@127\.0\.0\.1:\d+\/test_\d+_\d+ \(forwards to its leader; takes over when it is gone\)/);
      assert.equal((await pw(folder, ['server', 'status', '--json'])).stdout.includes('"active"'), true, 'the first daemon still serves');
      assert.deepEqual(await query(url, 'SELECT pid FROM daemon_owner'), [{ pid: JSON.parse((await pw(folder, ['server', 'status', '--json'])).stdout).pid }], 'and still leads');
    } finally {
      await pw(other, ['server', 'stop']);
    }
  });
});

describe('starting a daemon on a PostgreSQL store that cannot be used', () => {
  it('an unreachable database, a newer schema and a URL that is not PostgreSQL are clear errors, without the password', async () => {
    const port = await freePort();
    const unreachable = await pw(path.join(tempDir(), 'store'), ['server', 'start', '--store', `postgres://me:s3cret@127.0.0.1:${port}/runs`]);
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(unreachable.stderr, new RegExp(`cannot open the PostgreSQL store at postgres://me:\\*\\*\\*@127\\.0\\.0\\.1:${port}/runs: .*ECONNREFUSED`));
    assert.doesNotMatch(unreachable.stderr, /s3cret/);

    const url = await cluster().createDatabase();
    const folder = path.join(tempDir(), 'store');
    const first = await pw(folder, ['server', 'start'], { PIPEWRIGHT_STORE_URL: url });
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await pw(folder, ['server', 'stop'])).code, 0);
    await query(url, 'UPDATE schema_version SET version = 99');
    const newer = await pw(folder, ['server', 'start'], { PIPEWRIGHT_STORE_URL: url.replace('postgres@', 'postgres:s3cret@') });
    assert.equal(newer.code, 1, newer.stderr);
    assert.match(newer.stderr, /the store at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/test_\d+_\d+ has schema version 99, newer than this pipewright knows/);
    assert.doesNotMatch(newer.stderr, /s3cret/);

    const mysql = await pw(folder, ['server', 'start', '--store', 'mysql://me:s3cret@db/runs']);
    assert.equal(mysql.code, 2, mysql.stderr);
    assert.match(mysql.stderr, /--store: must start with postgres:\/\/ or postgresql:\/\/, got mysql:\/\/me:\*\*\*@db\/runs/);
    const badEnv = await pw(folder, ['runs', 'list'], { PIPEWRIGHT_STORE_URL: 'mysql://db/runs' });
    assert.equal(badEnv.code, 2, badEnv.stderr);
    assert.match(badEnv.stderr, /PIPEWRIGHT_STORE_URL: must start with postgres:\/\/ or postgresql:\/\//);
  });
});
