// What a daemon started with `--workers remote` does, whatever its store: every step runs on
// `pipewright worker` processes (real processes on loopback); pipelines complete there, a worker
// killed mid-step has its attempt lost and retried on another, a frozen worker's late result
// is refused as fenced, and a worker drained by SIGTERM lets its attempt finish within its drain
// timeout, or past it hands the attempt back (`relinquished`), which runs again on another worker
// at once, charged to no budget. Run by remoteWorkers.test.ts (SQLite) and remoteWorkersPostgres.test.ts.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { isProcessAlive } from '../../runtime/src/system/processAlive';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli } from '../support/cli';
import { finalRunDetail } from '../support/runDetail';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, readPid, waitFor, waitForAsync } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

/** The suite, on the store `prepareStore` sets up (it may set PIPEWRIGHT_STORE_URL, and returns what to clean up after the daemon stopped; default: SQLite in the folder). */
export function remoteWorkerSuite(storeLabel: string, prepareStore?: () => Promise<(() => Promise<void>) | void>): void {
  let cleanUpStore: (() => Promise<void>) | void;
  const dir = tempDir('pipewright-remote-workers-');
  const store = path.join(dir, 'store');
  // The daemon's workers beat every 0.2 s and are gone after 2 s of silence. The victim step's own
  // lease is 0.5 s, for the tests where an attempt is meant to be lost; the others run the patient
  // step (a 5 s lease), so that a machine busy with other tests cannot lose their attempt.
  const env = { PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.2', PIPEWRIGHT_HEARTBEAT_TIMEOUT: '2' };
  let url: string;
  let daemonPid: number;
  const workers: WorkerProcess[] = [];
  /** Each worker's drain timeout: a drained worker hands back what has not finished after it. */
  const drainSeconds = 5;
  /** What the worker may take past its drain timeout to stop its runners and hand their attempts back (worker.ts: HAND_BACK_MS). */
  const handBackSeconds = 5;

  function addWorker(): WorkerProcess {
    const worker = startWorker(url, daemonFiles(store).runnerToken, path.join(dir, `worker-${workers.length}`), ['--drain-timeout', String(drainSeconds)]);
    workers.push(worker);
    return worker;
  }

  /** The parent pid of `pid` (from /proc). */
  function parentOf(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }

  /**
   * Starts a fixture pipeline detached: `faults` (prepare → victim → downstream), or `restartable`
   * (prepare → patient → downstream) where no attempt is meant to be lost; with the run options
   * of `config` (YAML) if given. Its run id and folder.
   */
  async function startFaults(name: string, config?: string, pipelineName: 'faults' | 'restartable' = 'faults'): Promise<{ runId: string; runDir: string }> {
    const runDir = path.join(dir, name);
    fs.mkdirSync(runDir);
    const configArgs = config === undefined ? [] : ['--config', path.join(runDir, 'run.yaml')];
    if (config !== undefined) fs.writeFileSync(configArgs[1]!, config);
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'faults.ts'), '--pipeline', pipelineName, '--param', `dir=${runDir}`, '--no-cache', '--detach', ...configArgs], { env });
    assert.equal(started.code, 0, started.stderr);
    return { runId: started.stdout.trim(), runDir };
  }

  async function outputOf(runId: string, step: string): Promise<string> {
    const got = await cli(['--store', store, 'artifacts', 'get', runId, step, '--json'], { env });
    assert.equal(got.code, 0, got.stderr);
    return JSON.parse(got.stdout) as string;
  }

  /** Runs `check`; its failure says what the workers and the daemon logged. */
  async function explained<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      const daemonLog = fs.existsSync(daemonFiles(store).log) ? fs.readFileSync(daemonFiles(store).log, 'utf8').slice(-20_000) : '(no daemon log)';
      (error as Error).message += `\n${workers.map((worker) => `--- worker ${worker.pid}:\n${worker.stderr().slice(-10_000)}`).join('\n')}\n--- the daemon's log:\n${daemonLog}`;
      throw error;
    }
  }

  /** A test whose failure message carries the workers' and the daemon's logs. */
  function faultTest(name: string, body: () => Promise<void>): void {
    it(name, () => explained(body));
  }

  async function assertNothingHeld(): Promise<void> {
    const health = await (await connectDaemon(store, { storeUrl: process.env.PIPEWRIGHT_STORE_URL })).health();
    assert.deepEqual([health.slotsHeld, health.leasesHeld, health.runsInFlight], [0, 0, 0]);
  }

  before(async () => {
    cleanUpStore = await prepareStore?.();
    const started = await cli(['--store', store, 'server', 'start', '--workers', 'remote', '--json'], { env });
    const status = JSON.parse(started.stdout) as { state: string; url: string; pid: number };
    assert.equal(status.state, 'active', started.stderr);
    url = status.url;
    daemonPid = status.pid;
    addWorker();
    addWorker();
  });

  after(async () => {
    for (const worker of workers) worker.signalGroup('SIGKILL');
    await cli(['--store', store, 'server', 'stop'], { env });
    await cleanUpStore?.();
  });

  describe(`a daemon with remote workers (${storeLabel})`, () => {
    faultTest("runs a pipeline entirely on the workers' runner processes; its outputs are readable with artifacts get", async () => {
      const { runId, runDir } = await startFaults('plain', undefined, 'restartable');
      const runner = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
      assert.notEqual(runner, daemonPid);
      assert.ok(workers.some((worker) => worker.pid === parentOf(runner)), `runner ${runner} is a child of a worker (${workers.map((w) => w.pid).join(', ')}), not of the daemon ${daemonPid}`);
      fs.writeFileSync(path.join(runDir, 'release-1'), '');
      const detail = await finalRunDetail(store, runId);
      assert.equal(detail.status, 'completed', JSON.stringify(detail));
      assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['prepare', ['completed']], ['patient', ['completed']], ['downstream', ['completed']]]);
      assert.equal(await outputOf(runId, 'downstream'), 'done by attempt 1, then downstream');
      await assertNothingHeld();
    });

    faultTest('kill -9 of a worker mid-step: the attempt is lost and retried on the other worker; each step committed once', async () => {
      const { runId, runDir } = await startFaults('killed');
      const first = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
      const victim = workers.find((worker) => worker.pid === parentOf(first));
      assert.ok(victim, 'attempt 1 runs under a worker');
      process.kill(victim.pid, 'SIGKILL');
      const second = await waitFor('attempt 2 to start', () => readPid(path.join(runDir, 'attempt-2.pid')));
      const survivor = workers.find((worker) => worker !== victim && isAlive(worker.pid) && worker.pid === parentOf(second));
      assert.ok(survivor, 'attempt 2 runs under the other worker');
      fs.writeFileSync(path.join(runDir, 'release-2'), '');
      const detail = await finalRunDetail(store, runId);
      assert.equal(detail.status, 'completed', JSON.stringify(detail));
      assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['prepare', ['completed']], ['victim', ['lost', 'completed']], ['downstream', ['completed']]]);
      assert.equal(fs.readFileSync(path.join(runDir, 'prepared'), 'utf8'), 'x', 'the committed step ran once');
      assert.equal(await outputOf(runId, 'downstream'), 'done by attempt 2, then downstream');
      // The dead worker's runner, orphaned, finishes its step and publishes nothing.
      fs.writeFileSync(path.join(runDir, 'release-1'), '');
      await waitFor('the orphaned runner to exit', () => !isAlive(first));
      assert.equal(await outputOf(runId, 'downstream'), 'done by attempt 2, then downstream');
      await assertNothingHeld();
      workers.splice(workers.indexOf(victim), 1);
      addWorker();
    });

    faultTest('SIGTERM of a worker mid-step: it claims nothing more, lets the attempt finish within its drain timeout, then exits 0', async () => {
      const { runId, runDir } = await startFaults('drained', undefined, 'restartable');
      const first = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
      const drained = workers.find((worker) => worker.pid === parentOf(first));
      assert.ok(drained, 'attempt 1 runs under a worker');
      process.kill(drained.pid, 'SIGTERM');
      await waitFor('the worker to say it drains', () => /draining \(SIGTERM received\): 1 job\(s\) running/.test(drained.stderr()));
      const client = await connectDaemon(store, { storeUrl: process.env.PIPEWRIGHT_STORE_URL });
      await waitForAsync('the daemon to list the worker as draining', async () => (await client.listWorkers({})).workers.some((w) => w.state === 'draining' && w.running.some((job) => job.invocationId === 'patient')));
      assert.ok(isAlive(first), 'draining leaves its running attempt running');
      fs.writeFileSync(path.join(runDir, 'release-1'), '');
      const exit = await drained.done;
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stderr, /stopping: drained/);
      assert.doesNotMatch(exit.stderr, /hands back/);
      assert.ok(!isAlive(first), 'its runner is gone when it exits');
      const detail = await finalRunDetail(store, runId);
      assert.equal(detail.status, 'completed', JSON.stringify(detail));
      // The attempt finished where it ran; downstream, queued after the drain began, ran on the other worker.
      assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['prepare', ['completed']], ['patient', ['completed']], ['downstream', ['completed']]]);
      assert.equal(await outputOf(runId, 'downstream'), 'done by attempt 1, then downstream');
      await waitForAsync('the drained worker to leave the list', async () => !(await client.listWorkers({})).workers.some((w) => w.state === 'draining'));
      await assertNothingHeld();
      workers.splice(workers.indexOf(drained), 1);
      addWorker();
    });

    faultTest('SIGTERM past the drain timeout: the attempt is handed back as relinquished and completes on another worker at once, charged to neither retry nor maxLostRetries; the worker exits in time, its runner gone', async () => {
      // No retry (the step has none) and no lost attempt allowed: a hand-back counted as either would fail the step.
      const { runId, runDir } = await startFaults('relinquished', 'maxLostRetries: 0\n', 'restartable');
      const first = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
      const evicted = workers.find((worker) => worker.pid === parentOf(first));
      assert.ok(evicted, 'attempt 1 runs under a worker');
      const signalledAt = Date.now();
      process.kill(evicted.pid, 'SIGTERM');
      const second = await waitFor('attempt 2 to start', () => readPid(path.join(runDir, 'attempt-2.pid')), 60_000);
      const exit = await evicted.done;
      const exitedAfterMs = Date.now() - signalledAt;
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stderr, /hands back 1 job\(s\) unfinished after the drain timeout: attempt 1 of "patient"/);
      assert.ok(exitedAfterMs < (drainSeconds + handBackSeconds) * 1000, `it exited ${exitedAfterMs} ms after SIGTERM, within drain timeout + hand-back (${drainSeconds + handBackSeconds} s)`);
      assert.ok(!isAlive(first), 'the runner of the handed-back attempt is gone when the worker exits');
      const survivor = workers.find((worker) => worker !== evicted && isAlive(worker.pid) && worker.pid === parentOf(second));
      assert.ok(survivor, 'attempt 2 runs under another worker');
      fs.writeFileSync(path.join(runDir, 'release-2'), '');
      const detail = await finalRunDetail(store, runId);
      assert.equal(detail.status, 'completed', JSON.stringify(detail));
      assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['prepare', ['completed']], ['patient', ['relinquished', 'completed']], ['downstream', ['completed']]]);
      const handedBack = detail.steps.find((s) => s.id === 'patient')?.history[0];
      assert.match(handedBack?.error?.message ?? '', /handed back by worker .*: drained \(SIGTERM received\); not finished within the drain timeout of 5 s/);
      assert.equal(await outputOf(runId, 'downstream'), 'done by attempt 2, then downstream');
      const shown = await cli(['--store', store, 'runs', 'show', runId], { env });
      assert.match(shown.stdout, /attempt 1 relinquished/);
      await assertNothingHeld();
      workers.splice(workers.indexOf(evicted), 1);
      addWorker();
    });

    faultTest('SIGSTOP of a worker past its attempt\'s lease (not yet its own timeout), then SIGCONT: the worker kills the fenced runner within one beat interval; attempt 1 is never committed', async () => {
      const { runId, runDir } = await startFaults('fenced');
      const first = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
      const frozen = workers.find((worker) => worker.pid === parentOf(first));
      assert.ok(frozen, 'attempt 1 runs under a worker');
      frozen.signalGroup('SIGSTOP');
      // The victim's lease (0.5 s) runs out and attempt 2 starts elsewhere; attempt 1 is never released.
      await waitFor('attempt 2 to start', () => readPid(path.join(runDir, 'attempt-2.pid')));
      const wokenAt = Date.now();
      frozen.signalGroup('SIGCONT');
      // Killed, not yet reaped by its worker, it is a zombie: gone all the same.
      await waitFor('the fenced runner to be killed by its worker', () => !isProcessAlive(first), 5000);
      const goneAfterMs = Date.now() - wokenAt;
      // One beat interval (0.2 s), with room for a machine busy with other tests.
      assert.ok(goneAfterMs < 200 + 1500, `the runner was gone ${goneAfterMs} ms after SIGCONT`);
      fs.writeFileSync(path.join(runDir, 'release-2'), '');
      const detail = await finalRunDetail(store, runId);
      assert.equal(detail.status, 'completed', JSON.stringify(detail));
      assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['prepare', ['completed']], ['victim', ['lost', 'completed']], ['downstream', ['completed']]]);
      assert.equal(await outputOf(runId, 'victim'), 'done by attempt 2');
      assert.equal(fs.readFileSync(path.join(runDir, 'finished'), 'utf8'), 'attempt 2\n', 'attempt 1 never finished its step');
      await assertNothingHeld();
    });

    faultTest('SIGSTOP of a worker past the lease timeout, then SIGCONT: its late result is refused as fenced and not committed', async () => {
      const { runId, runDir } = await startFaults('frozen');
      const first = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
      const frozen = workers.find((worker) => worker.pid === parentOf(first));
      assert.ok(frozen, 'attempt 1 runs under a worker');
      frozen.signalGroup('SIGSTOP');
      const second = await waitFor('attempt 2 to start', () => readPid(path.join(runDir, 'attempt-2.pid')));
      assert.notEqual(parentOf(second), frozen.pid);
      // Attempt 1 may finish as soon as it wakes; its result comes too late.
      fs.writeFileSync(path.join(runDir, 'release-1'), '');
      frozen.signalGroup('SIGCONT');
      await waitFor('the frozen worker to hear its result refused as fenced', () => /result of attempt 1 of "victim" .* refused as fenced/.test(frozen.stderr()));
      fs.writeFileSync(path.join(runDir, 'release-2'), '');
      const detail = await finalRunDetail(store, runId);
      assert.equal(detail.status, 'completed', JSON.stringify(detail));
      assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['prepare', ['completed']], ['victim', ['lost', 'completed']], ['downstream', ['completed']]]);
      assert.equal(await outputOf(runId, 'downstream'), 'done by attempt 2, then downstream');
      // Woken, the frozen runner either finishes attempt 1 or stops itself first (its own lease
      // check sees the timeout passed): both are right, as long as attempt 1 is never committed.
      assert.equal(await outputOf(runId, 'victim'), 'done by attempt 2');
      await assertNothingHeld();
    });
  });
}
