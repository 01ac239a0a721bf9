// Label targeting on a daemon started with `--workers remote` (real `pipewright worker` processes
// on loopback, the embedded SQLite store): a step requiring labels runs only on a worker that has
// them all (a pipeline's labels inherited, a step's or an invocation's own winning), a step
// requiring none runs anywhere in its pool, and a step no worker matches stays queued, listed by
// `workers list` with the labels it waits for, until a worker with them comes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import type { WorkersAnswer } from '../../runtime/src/model/workerProtocol';
import { cli } from '../support/cli';
import { finalRunDetail, type RunDetailJson } from '../support/runDetail';
import { fixture, tempDir } from '../support/tempDir';
import { waitForAsync } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

const dir = tempDir('pipewright-worker-labels-');
const store = path.join(dir, 'store');
const env = { PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.2', PIPEWRIGHT_HEARTBEAT_TIMEOUT: '2' };
const pipelines = fixture('pipelines', 'labels.ts');
let url: string;
const workers: WorkerProcess[] = [];
let a100: WorkerProcess;
let h100: WorkerProcess;

function addWorker(name: string, flags: string[]): WorkerProcess {
  const worker = startWorker(url, daemonFiles(store).runnerToken, path.join(dir, `worker-${name}`), flags);
  workers.push(worker);
  return worker;
}

async function listWorkers(): Promise<WorkersAnswer> {
  return (await connectDaemon(store)).listWorkers({});
}

async function start(pipeline: string, params: string[] = []): Promise<string> {
  const started = await cli(['--store', store, 'run', pipelines, '--pipeline', pipeline, ...params.flatMap((p) => ['--param', p]), '--no-cache', '--detach'], { env });
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

before(async () => {
  const started = await cli(['--store', store, 'server', 'start', '--workers', 'remote', '--json'], { env });
  const status = JSON.parse(started.stdout) as { state: string; url: string };
  assert.equal(status.state, 'active', started.stderr);
  url = status.url;
  a100 = addWorker('a100', ['--label', 'accelerator=a100', '--label', 'zone=eu']);
  h100 = addWorker('h100', ['--label', 'accelerator=h100']);
  await waitForAsync('the two workers to claim', async () => (await listWorkers()).workers.length === 2);
});

after(async () => {
  for (const worker of workers) worker.signalGroup('SIGKILL');
  await cli(['--store', store, 'server', 'stop'], { env });
});

describe('worker labels', () => {
  it('a step requiring labels runs only on a worker that has them; a pipeline\'s labels are inherited, a step\'s or an invocation\'s own win', async () => {
    const targeted = await start('targeted');
    const inherited = await start('onH100Pipeline');
    await completed(targeted);
    await completed(inherited);
    for (const step of ['onA100', 'onA100_2']) assert.equal(await outputOf(targeted, step), a100.pid, `${step} (accelerator=a100) ran on the a100 worker`);
    assert.equal(await outputOf(targeted, 'onH100'), h100.pid, "the invocation's labels won over the step's none");
    assert.ok([a100.pid, h100.pid].includes(await outputOf(targeted, 'unlabelled')), 'a step requiring no label runs on any worker of its pool');
    assert.equal(await outputOf(inherited, 'unlabelled'), h100.pid, "unlabelled took its pipeline's accelerator=h100");
    assert.equal(await outputOf(inherited, 'onA100'), a100.pid, "onA100's own labels won over its pipeline's");
  });

  it('a step no worker has the labels for waits, queued and listed with the labels it needs, until a worker with them comes', async () => {
    const gate = path.join(dir, 'gate');
    fs.mkdirSync(gate);
    const runId = await start('gatedOn', [`dir=${gate}`, 'accelerator=tpu']);
    const queued = await waitForAsync('the step to be queued for accelerator=tpu', async () => {
      const answer = await listWorkers();
      return answer.queued.find((job) => job.invocationId === 'gated') ? answer : undefined;
    });
    assert.deepEqual(queued.queued.find((job) => job.invocationId === 'gated')?.labels, { accelerator: 'tpu' });
    const text = await cli(['--store', store, 'workers', 'list'], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /queued \(1, oldest first\):\n\s+default\s+gated \(run [0-9a-f-]+, attempt 1\) for \d+\.\d s, needs labels accelerator=tpu \(no worker of pool default has them: waiting for one\)$/m);
    // runs show says it waits, and for what: it runs nowhere yet.
    const shown = await cli(['--store', store, 'runs', 'show', runId], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^ {2}gated\s+queued\s+attempts 1 {2}waiting for a worker \(pool default, labels accelerator=tpu\)$/m);
    const json = JSON.parse((await cli(['--store', store, 'runs', 'show', runId, '--json'], { env })).stdout) as { steps: { id: string; status: string; queuedFor?: string }[] };
    assert.deepEqual(json.steps.map((s) => [s.id, s.status, s.queuedFor]), [['gated', 'running', 'pool default, labels accelerator=tpu']]);
    const tpu = addWorker('tpu', ['--label', 'accelerator=tpu']);
    await waitForAsync('the tpu worker to take the step', async () => (await listWorkers()).workers.find((w) => w.labels.accelerator === 'tpu')?.running.length === 1);
    const claimed = await waitForAsync('runs show to say it runs', async () => {
      const text = (await cli(['--store', store, 'runs', 'show', runId], { env })).stdout;
      return /^ {2}gated\s+running\s/m.test(text) ? text : undefined;
    });
    assert.doesNotMatch(claimed, /waiting for a worker/);
    fs.writeFileSync(path.join(gate, 'release'), '');
    await completed(runId);
    assert.equal(await outputOf(runId, 'gated'), tpu.pid);
  });

  it("refuses a worker's label that breaks the rule steps' labels follow, naming it (exit 2)", async () => {
    const bad = await cli(['worker', '--orchestrator', url, '--token-file', daemonFiles(store).runnerToken, '--label', '-gpu=x']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--label -gpu=x: expected a label key: a letter or digit first/);
    const long = await cli(['worker', '--orchestrator', url, '--token-file', daemonFiles(store).runnerToken, '--label', `gpu=${'x'.repeat(201)}`]);
    assert.equal(long.code, 2, long.stderr);
    assert.match(long.stderr, /: gpu: a label value has 200 characters at most/);
  });
});
