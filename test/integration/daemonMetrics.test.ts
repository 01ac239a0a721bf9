// The daemon's Prometheus metrics, scraped over real HTTP with a `metrics` token while a real
// daemon (--workers remote) runs a pipeline on two real `pipewright worker` processes, one of
// which is killed mid-step: running attempts, leases and workers go up and down, the lost
// attempt is counted once with its detection latency, and attempts queue in their own pool.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli } from '../support/cli';
import { finalRunDetail } from '../support/runDetail';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, readPid, waitFor, waitForAsync } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

const env = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_STORE_URL: undefined, PIPEWRIGHT_SERVER_TOKEN: undefined, PIPEWRIGHT_RUNNER_TOKEN: undefined, PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.2', PIPEWRIGHT_HEARTBEAT_TIMEOUT: '2' };

/** `name{labels} value` lines of a scrape, by name and labels as written (`pipewright_queue_depth{pool="default"}`). */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) found.set(match[1]!, Number(match[2]));
  }
  return found;
}

describe('the daemon exports Prometheus metrics at /metrics', () => {
  const dir = tempDir('pipewright-metrics-');
  const store = path.join(dir, 'store');
  let base: string;
  let metricsToken: string;
  const workers: WorkerProcess[] = [];

  const scrape = async (token = metricsToken): Promise<{ status: number; type: string | null; values: Map<string, number>; text: string }> => {
    const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type'), values: samples(text), text };
  };
  const value = async (sample: string) => (await scrape()).values.get(sample);

  /** The parent pid of `pid` (from /proc). */
  const parentOf = (pid: number) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  };

  before(async () => {
    const started = await cli(['--store', store, 'server', 'start', '--workers', 'remote', '--json'], { env });
    assert.equal(started.code, 0, started.stderr);
    base = (JSON.parse(started.stdout) as { url: string }).url;
    const made = await cli(['--store', store, 'tokens', 'create', '--scope', 'metrics', '--name', 'prometheus'], { env });
    assert.equal(made.code, 0, made.stderr);
    metricsToken = made.stdout.trim();
    for (const name of ['a', 'b']) workers.push(startWorker(base, daemonFiles(store).runnerToken, path.join(dir, `worker-${name}`)));
  });

  after(async () => {
    for (const worker of workers) worker.signalGroup('SIGKILL');
    await cli(['--store', store, 'server', 'stop'], { env });
  });

  it('answers the Prometheus text format with every metric, nothing lost yet', async () => {
    const first = await scrape();
    assert.equal(first.status, 200, first.text);
    assert.match(first.type ?? '', /^text\/plain; version=0\.0\.4/);
    for (const name of ['pipewright_queue_depth', 'pipewright_attempts_running', 'pipewright_leases_held', 'pipewright_workers_connected', 'pipewright_attempts_ended_total', 'pipewright_lost_detection_seconds']) {
      assert.match(first.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.equal(first.values.get('pipewright_attempts_ended_total{status="lost"}'), 0);
    assert.equal(first.values.get('pipewright_lost_detection_seconds_count'), 0);
    assert.equal(first.values.get('pipewright_queue_depth{pool="default"}'), 0);
    await waitForAsync('both workers to be connected', async () => (await value('pipewright_workers_connected')) === 2);
  });

  it('after a run with a lost attempt: the loss is counted once with its detection latency; running attempts and leases go back to 0', async () => {
    const runDir = path.join(dir, 'killed');
    fs.mkdirSync(runDir);
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'faults.ts'), '--pipeline', 'faults', '--param', `dir=${runDir}`, '--no-cache', '--detach'], { env });
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    const first = await waitFor('attempt 1 to start', () => readPid(path.join(runDir, 'attempt-1.pid')));
    const during = (await scrape()).values;
    assert.equal(during.get('pipewright_attempts_running'), 1, 'the victim runs');
    assert.equal(during.get('pipewright_leases_held'), 1);
    const victim = workers.find((worker) => worker.pid === parentOf(first));
    assert.ok(victim, 'attempt 1 runs under a worker');
    process.kill(victim.pid, 'SIGKILL');
    await waitFor('attempt 2 to start', () => readPid(path.join(runDir, 'attempt-2.pid')));
    fs.writeFileSync(path.join(runDir, 'release-2'), '');
    const detail = await finalRunDetail(store, runId);
    assert.equal(detail.status, 'completed', JSON.stringify(detail));
    fs.writeFileSync(path.join(runDir, 'release-1'), '');
    await waitFor('the orphaned runner to exit', () => !isAlive(first));

    const afterRun = (await scrape()).values;
    assert.equal(afterRun.get('pipewright_attempts_ended_total{status="lost"}'), 1, 'one attempt lost');
    assert.equal(afterRun.get('pipewright_attempts_ended_total{status="relinquished"}'), 0);
    assert.equal(afterRun.get('pipewright_lost_detection_seconds_count'), 1);
    const latency = afterRun.get('pipewright_lost_detection_seconds_sum')!;
    // The victim's lease is 0.5 s: detected after it expired, and well within the run.
    assert.ok(latency >= 0.4 && latency < 10, `detection latency ${latency} s`);
    assert.equal(afterRun.get('pipewright_attempts_running'), 0);
    assert.equal(afterRun.get('pipewright_leases_held'), 0);
    await waitForAsync('the killed worker to count as gone', async () => (await value('pipewright_workers_connected')) === 1);
  });

  it("counts queued attempts in their own pool: a pool without workers shows its depth until the run is cancelled", async () => {
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'pools.ts'), '--pipeline', 'routed', '--no-cache', '--detach'], { env });
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    // Its two gpu steps wait for a gpu worker (none here); its other steps run on the default workers.
    await waitForAsync('two attempts queued for pool gpu', async () => (await value('pipewright_queue_depth{pool="gpu"}')) === 2);
    assert.equal(await value('pipewright_queue_depth{pool="default"}'), 0);
    const cancelled = await cli(['--store', store, 'runs', 'cancel', runId], { env });
    assert.equal(cancelled.code, 0, cancelled.stderr);
    // A pool nothing waits for and no worker serves is no longer reported.
    await waitForAsync('the gpu queue to empty', async () => ((await value('pipewright_queue_depth{pool="gpu"}')) ?? 0) === 0);
  });

  it('needs a token of scope metrics (or the store token): none is 401, a user token 403', async () => {
    const none = await fetch(`${base}/metrics`);
    assert.equal(none.status, 401);
    const made = await cli(['--store', store, 'tokens', 'create', '--scope', 'user', '--name', 'someone'], { env });
    assert.equal((await scrape(made.stdout.trim())).status, 403);
    assert.equal((await scrape(fs.readFileSync(daemonFiles(store).token, 'utf8').trim())).status, 200);
  });
});
