import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { stopDaemon } from '../../runtime/src/api/daemonControl';
import { cli, lastJson } from '../support/cli';
import { fillDisk, mountTmpfs, newestAttempts, unmount } from '../support/smallDisk';
import { fixture, tempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

const pipelineFile = fixture('pipelines', 'diskFull.ts');
const DISK_FULL = /^disk full: could not commit the outputs of step "gated" \(attempt \d\): .+ \(ENOSPC\)$/;

/** A store on a real 4 MB tmpfs, with a gate folder beside it; the daemon is stopped and the disk unmounted after `body`. */
async function onSmallDisk(body: (store: string, gates: string, filler: string) => Promise<void>): Promise<void> {
  const root = tempDir();
  const store = path.join(root, 'store');
  const gates = path.join(root, 'gates');
  fs.mkdirSync(gates);
  mountTmpfs(store, '4m');
  try {
    await body(store, gates, path.join(store, 'filler'));
  } finally {
    await stopDaemon(store, 5000).catch(() => undefined);
    unmount(store);
  }
}

/** Starts an attached run whose `gated` step has no retries; resolves once that step runs, with the CLI's outcome still to come. */
async function startRunWithoutRetries(store: string, gates: string): Promise<{ done: ReturnType<typeof cli> }> {
  const config = path.join(gates, 'run.yaml');
  fs.writeFileSync(config, 'steps:\n  gated: { retry: { maxRetries: 0 } }\n');
  const run = cli(['--store', store, 'run', pipelineFile, '--param', `gateDir=${gates}`, '--config', config, '--json'], { timeoutMs: 60_000 });
  await waitFor('gated attempt 1 running', () => newestAttempts(store)?.attempts.some((a) => a.step_id === 'gated' && a.status === 'running'));
  return { done: run };
}

describe('a disk that fills between writing a step output and committing it', () => {
  it('ends the attempt failed with a disk-full error, the CLI exits 1 in bounded time, and a retry works once there is room', async () => {
    await onSmallDisk(async (store, gates, filler) => {
      const { done: run } = await startRunWithoutRetries(store, gates);
      fillDisk(filler);
      fs.writeFileSync(path.join(gates, 'go-1'), '');
      const result = await run;
      assert.notEqual(result.timedOut, true, `the CLI did not return within 60 s (stderr: ${result.stderr})`);
      assert.equal(result.code, 1, result.stderr);
      const seen = newestAttempts(store);
      assert.equal(seen?.runStatus, 'failed');
      const gated = seen?.attempts.filter((a) => a.step_id === 'gated') ?? [];
      assert.equal(gated.length, 1);
      assert.equal(gated[0].status, 'failed');
      assert.match(gated[0].error ?? '', DISK_FULL);
      assert.equal(lastJson<{ status: string }>(result).status, 'failed');

      fs.rmSync(filler);
      const retry = await cli(['--store', store, 'runs', 'retry', seen?.runId ?? '', '--json'], { timeoutMs: 60_000 });
      assert.equal(retry.code, 0, retry.stderr);
      assert.equal(lastJson<{ status: string }>(retry).status, 'completed');
    });
  });

  it('with no reserve left to record the failure, the CLI still returns, and freeing space records it', async () => {
    await onSmallDisk(async (store, gates, filler) => {
      const { done: run } = await startRunWithoutRetries(store, gates);
      fillDisk(filler);
      // As if an earlier failure had used the reserve up: nothing can be written now.
      fs.rmSync(path.join(store, 'reserve'));
      fillDisk(`${filler}-2`);
      fs.writeFileSync(path.join(gates, 'go-1'), '');
      const result = await run;
      assert.notEqual(result.timedOut, true, `the CLI did not return within 60 s (stderr: ${result.stderr})`);
      assert.equal(result.code, 1, result.stderr);
      fs.rmSync(filler);
      fs.rmSync(`${filler}-2`);
      const seen = await waitFor('the run recorded failed once there is room', () => {
        const newest = newestAttempts(store);
        return newest?.runStatus === 'failed' ? newest : undefined;
      });
      const gated = seen.attempts.filter((a) => a.step_id === 'gated');
      assert.deepEqual(gated.map((a) => a.status), ['failed']);
      assert.match(gated[0].error ?? '', DISK_FULL);
    });
  });

  it('follows the step retry policy: the next attempt commits once space is freed', async () => {
    await onSmallDisk(async (store, gates, filler) => {
      const run = cli(['--store', store, 'run', pipelineFile, '--param', `gateDir=${gates}`, '--json'], { timeoutMs: 60_000 });
      await waitFor('gated attempt 1 running', () => newestAttempts(store)?.attempts.some((a) => a.step_id === 'gated' && a.status === 'running'));
      fillDisk(filler);
      fs.writeFileSync(path.join(gates, 'go-1'), '');
      const failed = await waitFor('attempt 1 recorded failed', () => newestAttempts(store)?.attempts.find((a) => a.step_id === 'gated' && a.attempt === 1 && a.status !== 'running'), 30_000);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', DISK_FULL);
      fs.rmSync(filler);
      fs.writeFileSync(path.join(gates, 'go-2'), '');
      const result = await run;
      assert.notEqual(result.timedOut, true, `the CLI did not return within 60 s (stderr: ${result.stderr})`);
      assert.equal(result.code, 0, result.stderr);
      const summary = lastJson<{ status: string; steps: { id: string; attempts: number; status: string }[] }>(result);
      assert.equal(summary.status, 'completed');
      assert.deepEqual(summary.steps.find((s) => s.id === 'gated'), { ...summary.steps.find((s) => s.id === 'gated'), attempts: 2, status: 'completed' });
    });
  });

  it('still lists and shows runs and their logs on a full disk, and refuses a new run with exit 1 and a disk-full error', async () => {
    await onSmallDisk(async (store, gates, filler) => {
      fs.writeFileSync(path.join(gates, 'go-1'), '');
      const first = await cli(['--store', store, 'run', pipelineFile, '--param', `gateDir=${gates}`, '--json'], { timeoutMs: 60_000 });
      assert.equal(first.code, 0, first.stderr);
      const runId = lastJson<{ runId: string }>(first).runId;
      fillDisk(filler);
      const reads = async () => {
        const list = await cli(['--store', store, 'runs', 'list', '--json'], { timeoutMs: 30_000 });
        assert.equal(list.code, 0, list.stderr);
        assert.deepEqual(JSON.parse(list.stdout).map((run: { runId: string }) => run.runId), [runId]);
        const show = await cli(['--store', store, 'runs', 'show', runId], { timeoutMs: 30_000 });
        assert.equal(show.code, 0, show.stderr);
        assert.match(show.stdout, /status\s+completed/);
        const logs = await cli(['--store', store, 'logs', runId, '--json'], { timeoutMs: 30_000 });
        assert.equal(logs.code, 0, logs.stderr);
        assert.deepEqual(JSON.parse(logs.stdout), []);
      };
      await reads();
      const refused = await cli(['--store', store, 'run', pipelineFile, '--param', `gateDir=${gates}`, '--json'], { timeoutMs: 60_000 });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /^pipewright: disk full: could not create run .+ \(ENOSPC\)$/m);
      // With no daemon holding the database open, reading still changes nothing.
      await stopDaemon(store, 5000);
      await reads();
      // In this process, without a daemon, the refusal is the same. (The stopped daemon's last
      // connection removed its write-ahead log, which frees room: fill that too.)
      fillDisk(`${filler}-2`);
      const inProcess = await cli(['--store', store, 'run', pipelineFile, '--param', `gateDir=${gates}`, '--no-daemon'], { timeoutMs: 60_000 });
      assert.equal(inProcess.code, 1, `${inProcess.stderr}\n${inProcess.stdout}`);
      assert.match(inProcess.stderr, /^pipewright: disk full: could not create run .+ \(ENOSPC\)$/m);
    });
  });
});
