// Several daemons on one PostgreSQL store: the one holding the store's claim leads (schedules,
// drives runs, holds the workers' queue), the others are replicas that serve the API anyway:
// reads and the event stream from the store (the leader's events arrive by LISTEN/NOTIFY), every
// other call forwarded to the leader (what clients see while there is none: leaderChange.test.ts). Killed with
// SIGKILL mid-run, the leader is replaced by a replica within about a second, which resumes its
// runs: remote workers given both daemons move over, the attempts they run are adopted (not lost
// and run again), every step is committed exactly once.
// Real daemons (the CLI's `server start`), real workers, a real private PostgreSQL cluster.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { StreamEvent } from '../../runtime/src/api/protocol';
import { cli } from '../support/cli';
import { postgresForFile, queryDatabase as query } from '../support/postgres';
import { cleanUpAfterFile, clientOf, clusterEnv, HEARTBEAT, leaderAndReplica, roleOf, startDaemon, type Daemon } from '../support/replicaDaemons';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, waitFor, waitForAsync } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

const cluster = postgresForFile();

/** The daemon's event stream from now on, once it answered (so it streams every event from then on): the events seen so far. */
async function followEvents(daemon: Daemon, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<{ seen: StreamEvent[]; done: Promise<void> }> {
  const response = await fetch(`${daemon.url}/v1/events`, { headers: { authorization: `Bearer ${env.PIPEWRIGHT_SERVER_TOKEN}` }, signal });
  assert.equal(response.status, 200);
  const seen: StreamEvent[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
        if (fields.id === undefined) continue;
        const data = JSON.parse(fields.data!) as { runId?: string };
        seen.push({ seq: Number(fields.id), type: fields.event!, runId: data.runId ?? null, data });
      }
    }
  })();
  return { seen, done };
}

const { cleanups, stopLater } = cleanUpAfterFile();

describe('several daemons on one PostgreSQL store', () => {
  it('a second daemon serves as a replica: its event stream shows a run of the leader live, every event stored; runs submitted through it run on the leader', async () => {
    const url = await cluster().createDatabase();
    const env = clusterEnv(url);
    const dir = tempDir();
    const leader = await startDaemon(path.join(dir, 'a'), env);
    stopLater(leader, env);
    const replica = await startDaemon(path.join(dir, 'b'), env);
    stopLater(replica, env);
    assert.equal(await roleOf(leader, env), 'leader');
    assert.equal(await roleOf(replica, env), 'replica');
    const [owner] = await query<{ pid: number; url: string }>(url, 'SELECT pid, url FROM daemon_owner');
    assert.deepEqual(owner, { pid: leader.pid, url: leader.url }, "the leader's row names it and the URL replicas forward to");

    // Followed on the replica before the run exists: nothing to replay, so all it shows came live.
    const following = new AbortController();
    const { seen, done: followed } = await followEvents(replica, env, following.signal);
    const runDir = path.join(dir, 'run-1');
    fs.mkdirSync(runDir);
    const onLeader = await cli(['--store', leader.store, 'run', fixture('pipelines', 'cluster.ts'), '--pipeline', 'fanOut', '--param', `dir=${runDir}`, '--param', 'width=3', '--param', 'ms=300', '--no-cache', '--detach'], { env });
    assert.equal(onLeader.code, 0, onLeader.stderr);
    const runId = onLeader.stdout.trim();
    // The CLI's `runs watch` on the replica follows the leader's run to its end.
    const watched = await cli(['--store', replica.store, 'runs', 'watch', runId], { env, timeoutMs: 60_000 });
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    await waitFor("the run's end on the replica's stream", () => seen.some((event) => event.runId === runId && event.type === 'run' && (event.data as { status: string }).status === 'completed'), 10_000);
    following.abort();
    await followed.catch(() => undefined);
    const streamed = seen.filter((event) => event.runId === runId && event.type !== 'heartbeat').map((event) => event.seq);
    const stored = (
      await query<{ seq: string }>(url, 'SELECT seq FROM events WHERE run_id = $1 UNION ALL SELECT event_seq FROM logs WHERE run_id = $1 AND event_seq IS NOT NULL ORDER BY 1', [runId])
    ).map((row) => Number(row.seq));
    assert.deepEqual(streamed, stored, "the replica streamed every event of the leader's run, in order");
    assert.ok(stored.length >= 3 * 3, `a run of five steps has many events (${stored.length})`);

    // Submitted through the replica (attached, as `pipewright run` does), the run is the leader's.
    const viaReplica = await cli(['--store', replica.store, 'run', fixture('pipelines', 'cluster.ts'), '--pipeline', 'fanOut', '--param', `dir=${runDir}`, '--param', 'width=2', '--param', 'ms=50', '--no-cache', '--json'], { env, timeoutMs: 60_000 });
    assert.equal(viaReplica.code, 0, viaReplica.stdout + viaReplica.stderr);
    const submitted = JSON.parse(viaReplica.stdout.trim().split('\n').at(-1)!) as { runId: string; status: string };
    assert.equal(submitted.status, 'completed');
    const [run] = await query<{ engine_pid: number }>(url, 'SELECT engine_pid FROM runs WHERE id = $1', [submitted.runId]);
    assert.equal(run?.engine_pid, leader.pid, 'the leader drove the run submitted through the replica');
    // Cancelling a finished run is refused by the leader, and the replica passes its answer on.
    const cancel = await cli(['--store', replica.store, 'runs', 'cancel', submitted.runId], { env });
    assert.equal(cancel.code, 1, cancel.stdout + cancel.stderr);
    assert.match(cancel.stderr, /already completed/);
  });

  it('a replica killed with SIGKILL mid-run, the daemon its workers were using: they move to the leader, the run completes with every step committed once', async () => {
    const url = await cluster().createDatabase();
    const env = clusterEnv(url, HEARTBEAT);
    const dir = tempDir();
    const config = path.join(dir, 'run.yaml');
    fs.writeFileSync(config, 'maxLostRetries: 5\n');
    const { leader, replica, tokenFile } = await leaderAndReplica(dir, env, stopLater);
    // Both workers go through the replica first: it forwards their claims, beats and results to the leader.
    const workers = [1, 2].map((n) => startWorker(`${replica.url},${leader.url}`, tokenFile, path.join(dir, `w${n}`), ['--concurrency', '2'], env));
    for (const worker of workers) cleanups.push(async () => worker.signalGroup('SIGKILL'));
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    const width = 4;
    const started = await cli(['--store', replica.store, 'run', fixture('pipelines', 'cluster.ts'), '--pipeline', 'fanOut', '--config', config, '--param', `dir=${runDir}`, '--param', `width=${width}`, '--param', 'ms=2500', '--no-cache', '--detach'], { env });
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    await waitFor('work attempts to run on the workers', () => fs.readdirSync(runDir).filter((name) => name.endsWith('.pid')).length >= 2);
    process.kill(replica.pid, 'SIGKILL');
    const finished = await waitForAsync('the run to finish', async () => {
      const [row] = await query<{ status: string }>(url, 'SELECT status FROM runs WHERE id = $1', [runId]);
      return row && row.status !== 'running' ? row.status : undefined;
    }, 60_000);
    assert.equal(finished, 'completed');
    const commits = await query<{ step_id: string; commits: string }>(
      url,
      `SELECT s.id AS step_id, count(a.*) FILTER (WHERE a.status = 'completed') AS commits FROM steps s LEFT JOIN step_attempts a ON a.run_id = s.run_id AND a.step_id = s.id WHERE s.run_id = $1 GROUP BY 1`,
      [runId],
    );
    assert.equal(commits.length, width + 2);
    for (const row of commits) assert.equal(Number(row.commits), 1, `${row.step_id} committed once`);
    assert.deepEqual(await query(url, "SELECT step_id FROM step_attempts WHERE status = 'running'"), [], 'no attempt is left running');
    assert.equal(await roleOf(leader, env), 'leader', 'the leader led throughout');
    const [engine] = await query<{ engine_pid: number }>(url, 'SELECT engine_pid FROM runs WHERE id = $1', [runId]);
    assert.equal(engine?.engine_pid, leader.pid, 'the run was never resumed elsewhere');
    for (const worker of workers) assert.ok(isAlive(worker.pid), `worker ${worker.pid} serves on: ${worker.stderr()}`);
  });

  it('the leader killed with SIGKILL mid-run: a replica takes over within about a second, workers move to it and it adopts the attempts they run: none is lost or run again, every step committed once', async () => {
    const url = await cluster().createDatabase();
    const env = clusterEnv(url, HEARTBEAT);
    const dir = tempDir();
    const config = path.join(dir, 'run.yaml');
    // No attempt may be lost: the new leader adopts those the workers still run.
    fs.writeFileSync(config, 'maxLostRetries: 0\n');
    const first = await startDaemon(path.join(dir, 'a'), env, ['--workers', 'remote']);
    stopLater(first, env);
    const second = await startDaemon(path.join(dir, 'b'), env, ['--workers', 'remote']);
    stopLater(second, env);
    assert.equal(await roleOf(second, env), 'replica');
    const tokenFile = path.join(dir, 'worker-token');
    fs.writeFileSync(tokenFile, env.PIPEWRIGHT_RUNNER_TOKEN!, { mode: 0o600 });
    const workers: WorkerProcess[] = [
      startWorker(`${first.url},${second.url}`, tokenFile, path.join(dir, 'w1'), ['--concurrency', '2'], env),
      startWorker(second.url, tokenFile, path.join(dir, 'w2'), ['--orchestrator', first.url, '--concurrency', '2'], env),
    ];
    for (const worker of workers) cleanups.push(async () => worker.signalGroup('SIGKILL'));

    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    const width = 4;
    const started = await cli(['--store', first.store, 'run', fixture('pipelines', 'cluster.ts'), '--pipeline', 'patientFanOut', '--config', config, '--param', `dir=${runDir}`, '--param', `width=${width}`, '--param', 'ms=4000', '--no-cache', '--detach'], { env });
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    await waitFor('work attempts to run on the workers', () => {
      const pids = fs.readdirSync(runDir).filter((name) => name.endsWith('.pid')).map((name) => Number(fs.readFileSync(path.join(runDir, name), 'utf8')));
      return pids.length >= 2 && pids.every((pid) => pid > 0) ? pids : undefined;
    });
    const killedAt = Date.now();
    process.kill(first.pid, 'SIGKILL');
    // As if the dead leader's machine were gone with its disk: the new leader finds the run's bundle in the store.
    fs.rmSync(path.join(first.store, 'bundles'), { recursive: true, force: true });
    await waitForAsync('the replica to lead', async () => (await roleOf(second, env).catch(() => undefined)) === 'leader', 15_000);
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs < 3000, `the replica led ${takeoverMs} ms after the leader was killed`);

    const finished = await waitForAsync('the run to finish', async () => {
      const [row] = await query<{ status: string }>(url, 'SELECT status FROM runs WHERE id = $1', [runId]);
      return row && row.status !== 'running' ? row.status : undefined;
    }, 90_000).catch(async (error: Error) => {
      error.message += `\n--- the new leader's log:\n${(await cli(['--store', second.store, 'server', 'logs', '-n', '40'])).stdout}\n--- workers:\n${workers.map((worker) => worker.stderr()).join('\n---\n')}`;
      throw error;
    });
    assert.equal(finished, 'completed');
    const commits = await query<{ step_id: string; status: string; commits: string }>(
      url,
      `SELECT s.id AS step_id, s.status, count(a.*) FILTER (WHERE a.status = 'completed') AS commits
       FROM steps s LEFT JOIN step_attempts a ON a.run_id = s.run_id AND a.step_id = s.id WHERE s.run_id = $1 GROUP BY 1, 2 ORDER BY 1`,
      [runId],
    );
    assert.equal(commits.length, width + 2);
    for (const row of commits) assert.deepEqual([row.step_id, row.status, Number(row.commits)], [row.step_id, 'completed', 1], `${row.step_id} committed once`);
    assert.deepEqual(await query(url, "SELECT step_id, attempt FROM step_attempts WHERE status = 'running'"), [], 'no attempt is left running');
    const attempts = await query<{ step_id: string; attempt: number; status: string }>(url, 'SELECT step_id, attempt, status FROM step_attempts WHERE run_id = $1 ORDER BY step_id, attempt', [runId]);
    assert.deepEqual(
      attempts.map((a) => [a.step_id, a.attempt, a.status]),
      commits.map((row) => [row.step_id, 1, 'completed']),
      'each step ran once: the attempts the workers ran for the dead leader were adopted, none lost and run again',
    );
    // Each runner at work when the leader died is the one whose result was committed (no second attempt wrote a pid file).
    assert.equal(fs.readdirSync(runDir).filter((name) => name.endsWith('.pid')).length, width);
    const [engine] = await query<{ engine_pid: number }>(url, 'SELECT engine_pid FROM runs WHERE id = $1', [runId]);
    assert.equal(engine?.engine_pid, second.pid, 'the new leader resumed the run');
    const log = (await cli(['--store', second.store, 'server', 'logs', '-n', '40'])).stdout;
    assert.match(log, new RegExp(`resumed run .*\\(${runId}\\): its engine \\(daemon [0-9a-f]+, pid ${first.pid}\\) is gone`));
    // Both workers serve on.
    for (const worker of workers) assert.ok(isAlive(worker.pid), `worker ${worker.pid} serves on: ${worker.stderr()}`);
    // A retry of the old leader's run, by the new leader, from the bundle kept in the store.
    const retried = await cli(['--store', second.store, 'runs', 'retry', runId, '--step', 'gather', '--json'], { env, timeoutMs: 60_000 });
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.equal((JSON.parse(retried.stdout.trim().split('\n').at(-1)!) as { status: string }).status, 'completed');
    const health = await clientOf(second, env).health();
    assert.deepEqual([health.runsInFlight, health.slotsHeld, health.leasesHeld], [0, 0, 0], 'no run, slot or lease held');
  });
});
