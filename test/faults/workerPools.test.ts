// Worker pools on a daemon started with `--workers remote` (real `pipewright worker` processes on
// loopback, the embedded SQLite store): a step of a pool runs only on that pool's workers (and a
// default step never there), a worker never runs more attempts at once than its --concurrency, a
// step whose pool has no worker stays queued (not failed, no timeout) until one comes, the
// workers, their labels, heartbeats, attempts and each pool's queue are listed by `workers list`
// and GET /v1/workers, and a worker that is PID 1 of its own PID namespace drains on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import type { WorkersAnswer } from '../../runtime/src/model/workerProtocol';
import { cli, lastJson } from '../support/cli';
import { finalRunDetail, type RunDetailJson } from '../support/runDetail';
import { fixture, repoRoot, tempDir } from '../support/tempDir';
import { holdsFor, isAlive, readPid, waitFor, waitForAsync } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

const dir = tempDir('pipewright-worker-pools-');
const store = path.join(dir, 'store');
// Workers beat every 0.2 s; one unheard of for 2 s is gone (and so would a queued attempt's lease be, were it not kept).
const env = { PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.2', PIPEWRIGHT_HEARTBEAT_TIMEOUT: '2' };
const pipelines = fixture('pipelines', 'pools.ts');
let url: string;
const workers: WorkerProcess[] = [];
let gpu: WorkerProcess;
let plain: WorkerProcess;
let wide: WorkerProcess;

function addWorker(name: string, flags: string[]): WorkerProcess {
  const worker = startWorker(url, daemonFiles(store).runnerToken, path.join(dir, `worker-${name}`), flags);
  workers.push(worker);
  return worker;
}

async function listWorkers(): Promise<WorkersAnswer> {
  return (await connectDaemon(store)).listWorkers({});
}

/** Runs `pipeline` of the fixture detached (with `config` as its YAML run options if given); its run id. */
async function start(pipeline: string, params: string[] = [], config?: string): Promise<string> {
  const configArgs: string[] = [];
  if (config !== undefined) {
    const file = path.join(dir, `${pipeline}-${Date.now()}.yaml`);
    fs.writeFileSync(file, config);
    configArgs.push('--config', file);
  }
  const started = await cli(['--store', store, 'run', pipelines, '--pipeline', pipeline, ...params.flatMap((p) => ['--param', p]), '--no-cache', '--detach', ...configArgs], { env });
  assert.equal(started.code, 0, started.stderr);
  return started.stdout.trim();
}

async function outputOf(runId: string, step: string): Promise<number> {
  const got = await cli(['--store', store, 'artifacts', 'get', runId, step, '--json'], { env });
  assert.equal(got.code, 0, got.stderr);
  return JSON.parse(got.stdout) as number;
}

async function completed(runId: string): Promise<RunDetailJson> {
  const detail = await finalRunDetail(store, runId);
  assert.equal(detail.status, 'completed', JSON.stringify(detail));
  return detail;
}

async function assertNothingHeld(): Promise<void> {
  const health = await (await connectDaemon(store)).health();
  assert.deepEqual([health.slotsHeld, health.leasesHeld, health.runsInFlight], [0, 0, 0]);
}

before(async () => {
  const started = await cli(['--store', store, 'server', 'start', '--workers', 'remote', '--json'], { env });
  const status = JSON.parse(started.stdout) as { state: string; url: string };
  assert.equal(status.state, 'active', started.stderr);
  url = status.url;
  gpu = addWorker('gpu', ['--pool', 'gpu', '--label', 'zone=a', '--label', 'accelerator=a100']);
  plain = addWorker('default', []);
  wide = addWorker('wide', ['--pool', 'wide', '--concurrency', '2']);
  await waitForAsync('the three workers to claim', async () => (await listWorkers()).workers.length === 3);
});

after(async () => {
  for (const worker of workers) worker.signalGroup('SIGKILL');
  await cli(['--store', store, 'server', 'stop'], { env });
});

describe('worker pools', () => {
  it('a step of pool gpu runs only on the gpu worker, a step of no pool only on a default one; a pipeline pool is inherited, a step pool wins', async () => {
    const routed = await start('routed');
    const inherited = await start('onGpuPipeline');
    await completed(routed);
    await completed(inherited);
    for (const step of ['onGpu', 'onGpu_2']) assert.equal(await outputOf(routed, step), gpu.pid, `${step} (pool gpu) ran on the gpu worker`);
    for (const step of ['anywhere', 'anywhere_2']) assert.equal(await outputOf(routed, step), plain.pid, `${step} (no pool) ran on the default worker, never the gpu one`);
    for (const step of ['anywhere', 'anywhere_2']) assert.equal(await outputOf(inherited, step), gpu.pid, `${step} took its pipeline's pool gpu`);
    assert.equal(await outputOf(inherited, 'onDefault'), plain.pid, "onDefault's own pool default won over its pipeline's");
    await assertNothingHeld();
  });

  it('a worker runs at most --concurrency attempts at once; the rest wait in its pool\'s queue, listed with its depth', async () => {
    const spans = path.join(dir, 'wide');
    fs.mkdirSync(spans);
    // maxParallel 8: the engine dispatches all six at once, so only the worker's concurrency (2) holds them back.
    const runId = await start('wide', [`dir=${spans}`, 'ms=600'], 'maxParallel: 8\n');
    const busy = await waitForAsync('the wide pool to run two with the rest queued', async () => {
      const answer = await listWorkers();
      const pool = answer.pools.find((p) => p.name === 'wide');
      return pool && pool.running === 2 && pool.queued >= 1 ? { answer, pool } : undefined;
    });
    assert.equal(busy.pool.capacity, 2);
    assert.equal(busy.answer.workers.find((w) => w.id.includes(`-${wide.pid}-`))?.running.length, 2);
    assert.ok(busy.answer.queued.every((job) => job.pool === 'wide' && job.invocationId?.startsWith('span')), JSON.stringify(busy.answer.queued));
    await completed(runId);
    let open = 0;
    let most = 0;
    for (const line of fs.readFileSync(path.join(spans, 'spans'), 'utf8').trim().split('\n')) {
      const [pid, edge] = line.split(' ');
      assert.equal(Number(pid), wide.pid, 'every span ran on the wide worker');
      open += edge === 'start' ? 1 : -1;
      most = Math.max(most, open);
    }
    assert.equal(most, 2, 'two spans ran at once, never more');
    await assertNothingHeld();
  });

  it('a step whose pool has no worker stays queued, visible as such and not failed, past every timeout, until a worker of its pool comes', async () => {
    const heldDir = path.join(dir, 'late');
    fs.mkdirSync(heldDir);
    const runId = await start('heldIn', [`dir=${heldDir}`, 'pool=late']);
    const queued = await waitForAsync('the step to be queued for pool late', async () => {
      const answer = await listWorkers();
      return answer.queued.some((job) => job.pool === 'late' && job.invocationId === 'held') ? answer : undefined;
    });
    assert.deepEqual(queued.pools.find((p) => p.name === 'late'), { name: 'late', workers: 0, capacity: 0, running: 0, queued: 1 });
    const text = await cli(['--store', store, 'workers', 'list'], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^late\s+0\s+0\s+0\s+1 \(no worker: waiting for one\)$/m);
    assert.match(text.stdout, /queued \(1, oldest first\):\n\s+late\s+held \(run [0-9a-f-]+, attempt 1\) for \d+\.\d s/);
    // Longer than the heartbeat timeout (2 s): waiting for a worker is no sign of a lost one.
    await holdsFor('the run to wait, running, with nothing failed', 3000, () => {
      return !fs.existsSync(path.join(heldDir, 'attempt-1.pid'));
    });
    const waiting = lastJson<RunDetailJson>(await cli(['--store', store, 'runs', 'show', runId, '--json'], { env }));
    assert.equal(waiting.status, 'running');
    assert.equal((waiting.steps[0] as { queuedFor?: string }).queuedFor, 'pool late');
    const shownText = await cli(['--store', store, 'runs', 'show', runId], { env });
    assert.match(shownText.stdout, /^ {2}held\s+queued\s+attempts 1 {2}waiting for a worker \(pool late\)$/m);
    assert.deepEqual(waiting.steps.map((s) => [s.id, s.status, s.history.map((h) => h.status)]), [['held', 'running', ['running']]]);
    const late = addWorker('late', ['--pool', 'late']);
    await waitFor('the late worker to start the step', () => readPid(path.join(heldDir, 'attempt-1.ppid')) === late.pid);
    fs.writeFileSync(path.join(heldDir, 'release-1'), '');
    const detail = await completed(runId);
    assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['held', ['completed']]]);
    await assertNothingHeld();
  });

  it('workers list (text and --json) and GET /v1/workers show pools, workers, labels, last heartbeat and running attempts', async () => {
    const heldDir = path.join(dir, 'listed');
    fs.mkdirSync(heldDir);
    const runId = await start('heldIn', [`dir=${heldDir}`, 'pool=gpu']);
    await waitFor('the step to start on the gpu worker', () => readPid(path.join(heldDir, 'attempt-1.ppid')) === gpu.pid);
    const api = await waitForAsync('the API to list it running on the gpu worker', async () => {
      const answer = await listWorkers();
      return answer.workers.find((w) => w.pool === 'gpu')?.running.length === 1 ? answer : undefined;
    });
    assert.equal(api.workersMode, 'remote');
    const gpuWorker = api.workers.find((w) => w.pool === 'gpu');
    assert.ok(gpuWorker);
    assert.deepEqual(gpuWorker.labels, { zone: 'a', accelerator: 'a100' });
    assert.equal(gpuWorker.state, 'serving');
    assert.equal(gpuWorker.concurrency, 1);
    assert.deepEqual(gpuWorker.running.map((job) => [job.kind, job.runId, job.invocationId, job.attempt]), [['execute', runId, 'held', 1]]);
    assert.ok(api.at - gpuWorker.lastSeenAt < 2000, `its last beat was ${api.at - gpuWorker.lastSeenAt} ms ago, within the timeout`);
    assert.deepEqual(api.pools.find((p) => p.name === 'gpu'), { name: 'gpu', workers: 1, capacity: 1, running: 1, queued: 0 });

    const json = await cli(['--store', store, 'workers', 'list', '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as WorkersAnswer;
    assert.deepEqual(listed.workers.map((w) => w.pool).sort(), ['default', 'gpu', 'late', 'wide']);
    assert.deepEqual(listed.workers.find((w) => w.pool === 'gpu')?.running.map((job) => job.invocationId), ['held']);

    const text = await cli(['--store', store, 'workers'], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^POOL\s+WORKERS\s+RUNNING\s+CAPACITY\s+QUEUED$/m);
    assert.match(text.stdout, /^gpu\s+1\s+1\s+1\s+0$/m);
    assert.match(text.stdout, new RegExp(`^${gpuWorker.id}\\s+gpu\\s+serving\\s+1/1\\s+\\d+\\.\\d s ago\\s+zone=a,accelerator=a100$`, 'm'));
    assert.match(text.stdout, new RegExp(`^  → held \\(run ${runId}, attempt 1\\) for \\d+\\.\\d s$`, 'm'));
    fs.writeFileSync(path.join(heldDir, 'release-1'), '');
    await completed(runId);
    await assertNothingHeld();
  });

  it('a worker that is PID 1 of its own PID namespace drains on SIGTERM: past its drain timeout it hands the step back and exits in time, its runners gone', async () => {
    const heldDir = path.join(dir, 'pid1');
    fs.mkdirSync(heldDir);
    // `unshare --fork` makes the command PID 1 of a new PID namespace; Node there has no default action for SIGTERM.
    const child = spawn(
      'unshare',
      ['--pid', '--fork', '--mount-proc', process.execPath, path.join(repoRoot, 'runtime', 'bin', 'pipewright.js'), 'worker', '--orchestrator', url, '--token-file', daemonFiles(store).runnerToken, '--work-dir', path.join(dir, 'worker-pid1'), '--pool', 'pid1', '--drain-timeout', '1'],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const runId = await start('heldIn', [`dir=${heldDir}`, 'pool=pid1']);
      assert.equal(await waitFor('the step to start under the PID-1 worker', () => readPid(path.join(heldDir, 'attempt-1.ppid'))), 1, 'its runner is a child of PID 1: the worker is init of its namespace');
      // The worker and its runners as the host sees them (pids inside the namespace differ): the one child of unshare, and its children.
      const childrenOf = (pid: number) => fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      const [worker] = childrenOf(child.pid ?? 0);
      assert.ok(worker !== undefined && worker > 1, `unshare's child ${worker}`);
      const runners = childrenOf(worker);
      assert.ok(runners.length > 0, 'the worker has runner processes');
      const signalledAt = Date.now();
      process.kill(worker, 'SIGTERM');
      const code = await exited;
      const tookMs = Date.now() - signalledAt;
      assert.equal(code, 0, stderr);
      assert.match(stderr, /draining \(SIGTERM received\)/);
      assert.match(stderr, /hands back 1 job\(s\) unfinished/);
      assert.ok(tookMs < 1000 + 5000, `it exited ${tookMs} ms after SIGTERM, within its drain timeout (1 s) + hand-back (5 s)`);
      for (const runner of runners) assert.ok(!isAlive(runner), `its runner ${runner} is gone`);
      // Handed back, the step runs again at once on the next worker of its pool.
      const next = addWorker('pid1-next', ['--pool', 'pid1']);
      await waitFor('attempt 2 on the next worker', () => readPid(path.join(heldDir, 'attempt-2.ppid')) === next.pid);
      fs.writeFileSync(path.join(heldDir, 'release-2'), '');
      const detail = await completed(runId);
      assert.deepEqual(detail.steps.map((s) => [s.id, s.history.map((h) => h.status)]), [['held', ['relinquished', 'completed']]]);
      await assertNothingHeld();
    } finally {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    }
  });
});
