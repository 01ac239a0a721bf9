import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { DaemonHttpApi } from '../../runtime/src/daemon/httpApi';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli, lastJson } from '../support/cli';
import { finalRunDetail } from '../support/runDetail';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, readPid, waitFor, waitForAsync } from '../support/waitFor';

interface Summary {
  runId: string;
  status: string;
  steps: { id: string; status: string; attempts: number; history: { attempt: number; status: string; error: { name: string; message: string } | null }[] }[];
}

/** Starts the `restartable` fixture pipeline detached on the daemon of `store`; its run id. */
async function startRestartable(dir: string, store: string): Promise<string> {
  const started = await cli(['--store', store, 'run', fixture('pipelines', 'faults.ts'), '--pipeline', 'restartable', '--param', `dir=${dir}`, '--no-cache', '--detach']);
  assert.equal(started.code, 0, started.stderr);
  return started.stdout.trim();
}

/** The `restartable` run started, its first attempt running: the run, that attempt's runner and the daemon's pid. */
async function restartableRunning(dir: string, store: string): Promise<{ runId: string; runner: number; daemon: number }> {
  const runId = await startRestartable(dir, store);
  const runner = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
  return { runId, runner, daemon: Number(fs.readFileSync(path.join(store, 'server', 'pid'), 'utf8')) };
}

describe('kill -9 of the daemon mid-run, then a restart', () => {
  it('a runner that is still alive reconnects and commits once; committed steps are kept', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const { runId, runner, daemon } = await restartableRunning(dir, store);
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    assert.ok(isAlive(runner), 'the runner outlives its daemon');
    const restarted = await cli(['--store', store, 'server', 'start', '--json']);
    assert.equal(JSON.parse(restarted.stdout).state, 'active', restarted.stderr);
    // The attempt finishes only now, after the restart: its result reaches the new daemon.
    fs.writeFileSync(path.join(dir, 'release-1'), '');
    let detail: Summary | undefined;
    for (let i = 0; i < 600; i++) {
      detail = lastJson<Summary>(await cli(['--store', store, 'runs', 'show', runId, '--json']));
      if (detail.status !== 'running') break;
    }
    assert.equal(detail?.status, 'completed', JSON.stringify(detail));
    assert.deepEqual(detail?.steps.find((s) => s.id === 'patient')?.history.map((h) => h.status), ['completed']);
    assert.equal(fs.readFileSync(path.join(dir, 'finished'), 'utf8'), 'attempt 1\n');
    assert.equal(fs.readFileSync(path.join(dir, 'prepared'), 'utf8'), 'x');
    await waitFor('the orphaned runner to exit after delivering', () => !isAlive(runner));
    const health = await (await connectDaemon(store)).health();
    assert.deepEqual([health.slotsHeld, health.leasesHeld, health.runsInFlight], [0, 0, 0]);
  });

  it("a runner's heartbeat that reaches the restarted daemon before its run is resumed waits for the resume, never fenced", async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const { runId, runner, daemon } = await restartableRunning(dir, store);
    // Its port, which the next daemon takes again so the orphaned runner finds it.
    const { port } = JSON.parse(fs.readFileSync(daemonFiles(store).endpoint, 'utf8')) as { port: number };
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    // The next daemon, in this process, so its first resume pass and a beat can be ordered exactly.
    const runStore = await openRunStore(store, 'readWrite');
    assert.equal(await runStore.claimDaemon(process.pid), undefined);
    const api = new DaemonHttpApi({ storeDir: store, store: runStore, host: '127.0.0.1', port, token: 'test-token', log: () => {}, onShutdown: () => {} });
    try {
      await api.listen();
      const beat = { runId, invocationId: 'patient', attempt: 1 };
      const resumed = api.orchestrator.resumeAbandoned(() => {});
      // Answered now, the beat would fence the live runner: its run is not taken back yet.
      assert.equal(api.orchestrator.heartbeat(beat).fenced, true);
      assert.deepEqual(await api.orchestrator.heartbeatOnceResumed(beat), { fenced: false, stop: false });
      assert.deepEqual(await resumed, [runId]);
      assert.ok(isAlive(runner), 'the runner was not told to stop');
      fs.writeFileSync(path.join(dir, 'release-1'), '');
      // Its result, delivered over HTTP to this daemon, commits attempt 1: it was never replaced.
      const patient = await waitForAsync('attempt 1 of patient to be committed', async () => {
        const attempts = (await api.orchestrator.detail(runId)).attempts.patient ?? [];
        return attempts.some((attempt) => attempt.status !== 'running') && attempts;
      });
      assert.deepEqual(patient.map((attempt) => [attempt.attempt, attempt.status]), [[1, 'completed']]);
      assert.equal(fs.readFileSync(path.join(dir, 'finished'), 'utf8'), 'attempt 1\n');
    } finally {
      await api.close();
      await runStore.close();
    }
  });

  it('a runner that died with the daemon is detected and retried; nothing committed twice; nothing left running', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'faults.ts'), '--pipeline', 'faults', '--param', `dir=${dir}`, '--no-cache', '--detach']);
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    const runner = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
    const daemon = Number(fs.readFileSync(path.join(store, 'server', 'pid'), 'utf8'));
    process.kill(daemon, 'SIGKILL');
    process.kill(runner, 'SIGKILL');
    await waitFor('the daemon and its runner to die', () => !isAlive(daemon) && !isAlive(runner));
    const status = await cli(['--store', store, 'server', 'status', '--json']);
    assert.equal(JSON.parse(status.stdout).state, 'inactive');
    const restarted = await cli(['--store', store, 'server', 'start', '--json']);
    assert.equal(JSON.parse(restarted.stdout).state, 'active', restarted.stderr);
    await waitFor('attempt 2 to start', () => readPid(path.join(dir, 'attempt-2.pid')));
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    let detail: Summary | undefined;
    for (let i = 0; i < 600; i++) {
      detail = lastJson<Summary>(await cli(['--store', store, 'runs', 'show', runId, '--json']));
      if (detail.status !== 'running') break;
    }
    assert.equal(detail?.status, 'completed');
    assert.deepEqual(detail?.steps.map((s) => [s.id, s.status]), [['prepare', 'completed'], ['victim', 'completed'], ['downstream', 'completed']]);
    assert.equal(fs.readFileSync(path.join(dir, 'prepared'), 'utf8'), 'x', 'the committed step was not run again');
    const victim = detail?.steps.find((s) => s.id === 'victim');
    assert.equal(victim?.attempts, 2);
    assert.deepEqual(victim?.history.map((h) => h.status), ['lost', 'completed']);
    assert.match(victim?.history[0].error?.message ?? '', /engine running this attempt stopped/);
    const health = await (await connectDaemon(store)).health();
    assert.equal(health.slotsHeld, 0);
    assert.equal(health.leasesHeld, 0);
    assert.equal(health.runsInFlight, 0);
    const db = await openRunStore(store, 'readWrite');
    try {
      assert.deepEqual((await db.getAttempts(runId, 'victim')).map((a) => a.status), ['lost', 'completed']);
      assert.equal((await db.getAttempts(runId)).filter((a) => a.status === 'running').length, 0);
      assert.equal(Object.keys((await db.getOutputs(runId, 'victim'))).length, 1);
    } finally {
      await db.close();
    }
  });
});

describe('kill -9 of the daemon while steps commit, one after another', () => {
  it("every step committed before the kill keeps outputs that read back verified, and never runs again", async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'crashes.ts'), '--pipeline', 'longChain', '--param', `dir=${dir}`, '--no-cache', '--detach']);
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    const ran = () => (fs.existsSync(path.join(dir, 'ran')) ? fs.readFileSync(path.join(dir, 'ran'), 'utf8').trim().split('\n') : []);
    await waitFor('a dozen steps to run', () => ran().length >= 12);
    const daemon = Number(fs.readFileSync(path.join(store, 'server', 'pid'), 'utf8'));
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    // What the store holds as committed at the moment of the kill.
    const before = await openRunStore(store, 'readOnly');
    let committed: string[];
    try {
      committed = (await before.getSteps(runId)).filter((s) => s.status === 'completed').map((s) => s.invocationId);
    } finally {
      await before.close();
    }
    assert.ok(committed.length >= 10, `committed before the kill: ${committed.join(' ')}`);
    const restarted = await cli(['--store', store, 'server', 'start', '--json']);
    assert.equal(JSON.parse(restarted.stdout).state, 'active', restarted.stderr);
    const detail = await finalRunDetail(store, runId);
    assert.equal(detail.status, 'completed', JSON.stringify(detail));
    assert.equal(detail.steps.length, 60);
    const runs = ran();
    for (const id of committed) {
      assert.deepEqual(runs.filter((line) => line.startsWith(`${id} `)), [`${id} 1`], `committed step ${id} ran once`);
      assert.deepEqual(detail.steps.find((s) => s.id === id)?.history.map((h) => h.status), ['completed']);
    }
    const db = await openRunStore(store, 'readOnly');
    try {
      for (const [index, step] of (await db.getSteps(runId)).entries()) {
        const ref = await db.outputOf(runId, step.invocationId, 'output');
        assert.ok(ref, `step ${step.invocationId} has its output`);
        // Read through the artifact store, which checks the bytes against the hash first.
        assert.equal(await db.artifacts.get(ref), index + 1, `output of ${step.invocationId}`);
      }
    } finally {
      await db.close();
    }
  });

  it('a committed output that did not reach the disk (a power loss) is found on resume, and its step runs again', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const { runId, runner, daemon } = await restartableRunning(dir, store);
    process.kill(daemon, 'SIGKILL');
    process.kill(runner, 'SIGKILL');
    await waitFor('the daemon and its runner to die', () => !isAlive(daemon) && !isAlive(runner));
    // The commit of "prepare" survived; its artifact's bytes did not (renamed into place, never flushed).
    const db = await openRunStore(store, 'readOnly');
    let file: string;
    try {
      const ref = await db.outputOf(runId, 'prepare', 'output');
      assert.ok(ref);
      file = path.join(store, 'artifacts', ref.hash.slice(0, 2), ref.hash);
    } finally {
      await db.close();
    }
    fs.truncateSync(file, 0);
    const restarted = await cli(['--store', store, 'server', 'start', '--json']);
    assert.equal(JSON.parse(restarted.stdout).state, 'active', restarted.stderr);
    await waitFor('attempt 2 of the patient step to start', () => readPid(path.join(dir, 'attempt-2.pid')));
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    const detail = await finalRunDetail(store, runId);
    assert.equal(detail.status, 'completed', JSON.stringify(detail));
    assert.equal(fs.readFileSync(path.join(dir, 'prepared'), 'utf8'), 'xx', 'prepare ran again');
    assert.equal(fs.readFileSync(file, 'utf8'), dir, 'its output was written again');
    assert.equal(fs.readFileSync(path.join(dir, 'finished'), 'utf8'), 'attempt 2\n');
  });
});

describe('maxLostRetries across daemon restarts', () => {
  it('attempts lost with a killed daemon count against the one budget: the third loss crashes the step', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const runId = await startRestartable(dir, store);
    // The default budget is 2: losses 1 and 2 are retried, the third is one too many.
    for (const attempt of [1, 2, 3]) {
      const runner = await waitFor(`attempt ${attempt} to start`, () => readPid(path.join(dir, `attempt-${attempt}.pid`)));
      const daemon = Number(fs.readFileSync(path.join(store, 'server', 'pid'), 'utf8'));
      process.kill(daemon, 'SIGKILL');
      process.kill(runner, 'SIGKILL');
      await waitFor('the daemon and its runner to die', () => !isAlive(daemon) && !isAlive(runner));
      const restarted = await cli(['--store', store, 'server', 'start', '--json']);
      assert.equal(JSON.parse(restarted.stdout).state, 'active', restarted.stderr);
    }
    const detail = await finalRunDetail(store, runId);
    assert.equal(detail.status, 'failed', JSON.stringify(detail));
    const patient = detail.steps.find((s) => s.id === 'patient');
    assert.equal(patient?.status, 'crashed');
    assert.deepEqual(patient?.history.map((h) => h.status), ['lost', 'lost', 'lost']);
    assert.equal(fs.existsSync(path.join(dir, 'attempt-4.pid')), false, 'no fourth attempt was started');
    assert.equal(detail.steps.find((s) => s.id === 'downstream')?.status, 'skipped');
  });
});
