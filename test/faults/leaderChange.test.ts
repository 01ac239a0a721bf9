// What clients and workers see while the daemons of one PostgreSQL store change leader: a replica
// with no leader answers 503 no-leader (the call was not done), one whose leader went away once
// it had the call answers 502 leader-lost (whether it was done is not known); the CLI waits
// through a no-leader and is answered by the new leader; a worker given only a replica runs a
// whole run through it. Real daemons, a real worker, a real private PostgreSQL cluster.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { makeCertificates } from '../support/certificates';
import { cli, spawnCli } from '../support/cli';
import { freePort } from '../support/freePort';
import { postgresForFile, queryDatabase as query } from '../support/postgres';
import { cleanUpAfterFile, clientOf, clusterEnv, HEARTBEAT, leaderAndReplica, OWNER_LOCK, roleOf, startDaemon, type Daemon } from '../support/replicaDaemons';
import { fixture, tempDir } from '../support/tempDir';
import { waitFor, waitForAsync } from '../support/waitFor';
import { startWorker } from '../support/workerProcess';

const cluster = postgresForFile();
const { cleanups, stopLater } = cleanUpAfterFile();

/** A worker given only `via` runs a small fan-out submitted to `leader`: the run completes, every result delivered through `via`. */
async function runWithWorkerVia(via: Daemon, leader: Daemon, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const tokenFile = path.join(dir, 'via-worker-token');
  fs.writeFileSync(tokenFile, env.PIPEWRIGHT_RUNNER_TOKEN!, { mode: 0o600 });
  const worker = startWorker(via.url, tokenFile, path.join(dir, 'via-worker'), [], env);
  cleanups.push(async () => worker.signalGroup('SIGKILL'));
  const runDir = path.join(dir, 'via-run');
  fs.mkdirSync(runDir);
  const ran = await cli(['--store', leader.store, 'run', fixture('pipelines', 'cluster.ts'), '--pipeline', 'fanOut', '--param', `dir=${runDir}`, '--param', 'width=2', '--param', 'ms=50', '--no-cache', '--json'], { env, timeoutMs: 60_000 });
  assert.equal(ran.code, 0, ran.stdout + ran.stderr + worker.stderr());
  assert.equal((JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as { status: string }).status, 'completed');
  assert.doesNotMatch(worker.stderr(), /not delivered/);
}

describe('daemons of one PostgreSQL store changing leader', () => {
  it('a worker given only a replica runs a whole run through it: its claims, beats, results and output bytes are forwarded to the leader', async () => {
    const url = await cluster().createDatabase();
    const env = clusterEnv(url, HEARTBEAT);
    const dir = tempDir();
    const { leader, replica } = await leaderAndReplica(dir, env, stopLater);
    await runWithWorkerVia(replica, leader, dir, env);
  });

  it('a replica with no leader to reach answers 503 no-leader saying why, and takes the claim once it is free', async () => {
    const url = await cluster().createDatabase();
    const env = clusterEnv(url);
    const dir = tempDir();
    // Bring the schema up, then hold the claim from outside, as a leader whose host vanished would until its connection ends.
    const first = await startDaemon(path.join(dir, 'first'), env);
    await cli(['--store', first.store, 'server', 'stop'], { env });
    const rival = new pg.Client({ connectionString: url });
    rival.on('error', () => undefined);
    await rival.connect();
    let rivalEnded = false;
    cleanups.push(async () => rivalEnded || (await rival.end()));
    await rival.query('SELECT pg_advisory_lock($1)', [OWNER_LOCK]);
    const deadPort = await freePort();
    await rival.query("UPDATE daemon_owner SET pid = 1, host = 'gone', instance = 'gone', url = $1", [`http://127.0.0.1:${deadPort}`]);

    const replica = await startDaemon(path.join(dir, 'replica'), env);
    stopLater(replica, env);
    assert.equal(await roleOf(replica, env), 'replica');
    const refused = await fetch(`${replica.url}/v1/runs/some-run/cancel`, { method: 'POST', headers: { authorization: `Bearer ${env.PIPEWRIGHT_SERVER_TOKEN}` } });
    const body = (await refused.json()) as { code: string; error: string };
    assert.equal(refused.status, 503);
    assert.equal(body.code, 'no-leader');
    assert.match(body.error, new RegExp(`is a replica of the PostgreSQL store .*: it could not reach its leader at http://127.0.0.1:${deadPort} \\(daemon gone, pid 1 on gone\\): ECONNREFUSED; try again in a moment`));
    // Reads are the replica's own.
    assert.deepEqual(await clientOf(replica, env).listRuns({}), []);

    // A leader that takes the request and goes away before it answers: whether it was done is not known (502 leader-lost).
    const dying = http.createServer((request) => request.on('data', () => undefined).on('end', () => request.socket.destroy()));
    await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => dying.close(() => resolve())));
    await rival.query('UPDATE daemon_owner SET url = $1', [`http://127.0.0.1:${(dying.address() as AddressInfo).port}`]);
    const lost = await fetch(`${replica.url}/v1/runs/some-run/cancel`, { method: 'POST', headers: { authorization: `Bearer ${env.PIPEWRIGHT_SERVER_TOKEN}` } });
    const lostBody = (await lost.json()) as { code: string; error: string };
    assert.deepEqual([lost.status, lostBody.code], [502, 'leader-lost'], lostBody.error);
    assert.match(lostBody.error, /handed POST \/v1\/runs\/some-run\/cancel to its leader at .* \(daemon gone, pid 1 on gone\), which went away before it answered \(.*\): whether it was done is not known/);

    await rival.query('UPDATE daemon_owner SET url = NULL');
    const noUrl = (await (await fetch(`${replica.url}/v1/workers`, { headers: { authorization: `Bearer ${env.PIPEWRIGHT_SERVER_TOKEN}` } })).json()) as { code: string; error: string };
    assert.equal(noUrl.code, 'no-leader');
    assert.match(noUrl.error, /has no leader to forward GET \/v1\/workers to: no daemon holds the store's claim right now/);

    // The CLI sends a request answered no-leader again until a leader answers it: here the replica, once it leads.
    const cancelling = spawnCli(['--store', replica.store, 'runs', 'cancel', 'some-run'], { env });
    await waitFor('the CLI to say it waits for a leader', () => /pipewright: waiting for a leader \(up to 15 s\): .*has no leader to forward POST \/v1\/runs\/:run\/cancel/.test(cancelling.stderr()));
    const releasedAt = Date.now();
    await rival.query('SELECT pg_advisory_unlock($1)', [OWNER_LOCK]);
    await waitForAsync('the replica to lead', async () => (await roleOf(replica, env)) === 'leader', 10_000);
    const tookMs = Date.now() - releasedAt;
    const cancelled = await cancelling.done;
    assert.equal(cancelled.code, 2, cancelled.stdout + cancelled.stderr);
    assert.match(cancelled.stderr, /no run .*some-run/, 'answered by the new leader, not "no leader"');
    assert.ok(tookMs < 2500, `the replica took the free claim in ${tookMs} ms (it tries every 500 ms)`);
    const [owner] = await query<{ pid: number; url: string }>(url, 'SELECT pid, url FROM daemon_owner');
    assert.deepEqual(owner, { pid: replica.pid, url: replica.url });
    assert.deepEqual((await clientOf(replica, env).listWorkers({})).workersMode, 'local', 'the new leader answers leader-only routes itself');
    rivalEnded = true;
    await rival.end();
  });

  it("reaches an HTTPS leader signed by a CA of its own through $PIPEWRIGHT_ORCHESTRATOR_CA_FILE, streaming a worker's uploads on; without it, says the certificate is not trusted", async () => {
    const url = await cluster().createDatabase();
    const env = clusterEnv(url, HEARTBEAT);
    const dir = tempDir();
    const certs = makeCertificates(dir);
    const leader = await startDaemon(path.join(dir, 'leader'), env, ['--workers', 'remote', '--tls-cert', certs.cert, '--tls-key', certs.key]);
    stopLater(leader, env);
    const [owner] = await query<{ url: string }>(url, 'SELECT url FROM daemon_owner');
    assert.match(owner?.url ?? '', /^https:\/\/127\.0\.0\.1:/, 'the leader advertises its HTTPS address to replicas');
    const untrusting = await startDaemon(path.join(dir, 'untrusting'), env, ['--workers', 'remote']);
    stopLater(untrusting, env);
    const refused = await fetch(`${untrusting.url}/v1/runs/some-run/cancel`, { method: 'POST', headers: { authorization: `Bearer ${env.PIPEWRIGHT_SERVER_TOKEN}` } });
    const refusal = (await refused.json()) as { code: string; error: string };
    assert.deepEqual([refused.status, refusal.code], [503, 'no-leader'], refusal.error);
    assert.match(refusal.error, /does not trust the certificate of its leader at https:\/\/127\.0\.0\.1:\d+ .*: UNABLE_TO_VERIFY_LEAF_SIGNATURE; give the daemons the CA that signed it in \$PIPEWRIGHT_ORCHESTRATOR_CA_FILE/);

    const trusting = await startDaemon(path.join(dir, 'trusting'), { ...env, PIPEWRIGHT_ORCHESTRATOR_CA_FILE: certs.ca }, ['--workers', 'remote']);
    stopLater(trusting, env);
    const answered = await fetch(`${trusting.url}/v1/runs/some-run/cancel`, { method: 'POST', headers: { authorization: `Bearer ${env.PIPEWRIGHT_SERVER_TOKEN}` } });
    assert.equal(answered.status, 404, 'the leader answered, over HTTPS');
    // A worker given only the trusting replica: its claims, results and output bytes reach the leader through it.
    await runWithWorkerVia(trusting, leader, dir, env);
  });
});
