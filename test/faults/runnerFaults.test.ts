import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../runtime/src/model/events';
import { loadArtifact } from '../../runtime/src/launch/publicApi';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { SlotPool } from '../../runtime/src/engine/slots';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import type { ArtifactRef } from '../../runtime/src/artifacts/artifactStore';
import { expectedHash } from '../contracts/artifactStore.contract';
import { DropProxy } from '../support/dropProxy';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, readPid, waitFor, waitForAsync } from '../support/waitFor';

const file = fixture('pipelines', 'faults.ts');

function start(dir: string, extra: { heartbeatUrl?: (url: string) => string } = {}) {
  const events: EngineEvent[] = [];
  const storeDir = path.join(dir, 'store');
  // Slots are held with leases; a limit of 1 on "global" makes a leaked slot block the retry.
  const slots = new SlotPool({ global: 1 });
  const run = runPipelineFile({ file, pipeline: 'faults', parameters: { dir }, options: { storeDir, enableCache: false }, listener: (e) => events.push(e), slots, ...extra }).then((summary) => {
    assert.equal(slots.held, 0, 'no slot held after the run');
    assert.equal(slots.waiting, 0);
    return summary;
  });
  return { events, storeDir, run };
}

/** After every scenario: nothing left running, no lease held, every attempt accounted for. */
async function assertClean(storeDir: string, runId: string): Promise<{ attempts: { invocationId: string; attempt: number; status: string }[]; outputs: number }> {
  const store = await openRunStore(storeDir, 'readWrite');
  try {
    const attempts = await store.getAttempts(runId);
    assert.deepEqual(attempts.filter((a) => a.status === 'running'), [], 'no attempt still running');
    assert.deepEqual((await store.getSteps(runId)).filter((s) => s.status === 'running' || s.status === 'pending'), [], 'no step left running');
    const outputs = await store.getOutputs(runId, 'victim');
    return { attempts, outputs: Object.keys(outputs).length };
  } finally {
    await store.close();
  }
}

/** Temp files of writes in progress under the artifact folder `dir`. */
function tempFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((entry) => entry.endsWith('.tmp'));
}

describe('fault injection with real runner processes and signals', () => {
  it('kill -9 of a runner mid-step: detected at once, retried without using retries, one commit', async () => {
    const dir = tempDir();
    const { events, storeDir, run } = start(dir);
    const pid = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor('attempt 2 to start', () => readPid(path.join(dir, 'attempt-2.pid')));
    const lost = events.find((e) => e.type === 'attempt' && e.status === 'lost');
    assert.ok(lost && lost.type === 'attempt');
    assert.ok(lost.at - killedAt < 1000, `detected ${lost.at - killedAt} ms after the kill`);
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    const summary = await run;
    assert.equal(summary.status, 'completed');
    const { attempts, outputs } = await assertClean(storeDir, summary.runId);
    assert.deepEqual(attempts.filter((a) => a.invocationId === 'victim').map((a) => a.status), ['lost', 'completed']);
    assert.equal(outputs, 1);
    assert.equal(fs.readFileSync(path.join(dir, 'finished'), 'utf8'), 'attempt 2\n');
  });

  it('kill -9 of a runner while it writes an output: the half-written file is never read nor named as an artifact', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, 'store');
    const events: EngineEvent[] = [];
    const run = runPipelineFile({ file: fixture('pipelines', 'crashes.ts'), pipeline: 'bulkyOutput', parameters: { dir }, options: { storeDir, enableCache: false }, listener: (e) => events.push(e) });
    const pid = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'bulky-1.pid')));
    // Polled without a timer's delay: the 128 MiB write takes some tens of milliseconds.
    const artifactsDir = path.join(storeDir, 'artifacts');
    const deadline = Date.now() + 30_000;
    while (!tempFilesUnder(artifactsDir).length) {
      assert.ok(Date.now() < deadline && isAlive(pid), 'saw the output being written before the attempt ended');
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.kill(pid, 'SIGKILL');
    const summary = await run;
    assert.equal(summary.status, 'completed');
    const lost = events.find((e) => e.type === 'attempt' && e.status === 'lost' && e.invocationId === 'bulky');
    assert.ok(lost, 'the killed attempt was detected as lost');
    const store = await openRunStore(storeDir, 'readWrite');
    try {
      assert.deepEqual((await store.getAttempts(summary.runId, 'bulky')).map((a) => a.status), ['lost', 'completed']);
      // The retry's output, verified against its hash as it is read; the killed attempt's bytes were never published.
      const output = await store.getOutputs(summary.runId, 'bulky');
      assert.ok((await store.artifacts.getBytes(output.output)).equals(Buffer.alloc(128 * 1024 * 1024, 2)));
      assert.equal(await store.artifacts.has(expectedHash('buffer@1', Buffer.alloc(128 * 1024 * 1024, 1))), false);
      assert.equal(await store.artifacts.get(await store.outputOf(summary.runId, 'measure', 'output') as ArtifactRef), 128 * 1024 * 1024);
    } finally {
      await store.close();
    }
  });

  it('SIGSTOP past the timeout, then SIGCONT: the old attempt is fenced, never commits, and exits', async () => {
    const dir = tempDir();
    const { events, storeDir, run } = start(dir);
    const pid = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
    await waitFor('a first heartbeat', () => events.some((e) => e.type === 'heartbeat'));
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('attempt 2 to start', () => readPid(path.join(dir, 'attempt-2.pid')));
      const lost = events.find((e) => e.type === 'attempt' && e.status === 'lost');
      const lastBeat = events.filter((e) => e.type === 'heartbeat' && e.attempt === 1).at(-1);
      assert.ok(lost && lastBeat);
      // Lease timeout is 0.5 s: detection within timeout + 1 s of the last renewal.
      assert.ok(lost.at - lastBeat.at < 500 + 1000, `lost ${lost.at - lastBeat.at} ms after the last heartbeat`);
      fs.writeFileSync(path.join(dir, 'release-1'), '');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor('the stale runner to exit by itself', () => !isAlive(pid));
    // Whatever the resumed step code did, nothing of attempt 1 was committed.
    const before = await openRunStore(storeDir, 'readWrite');
    try {
      const runId = (await before.listRuns())[0].id;
      assert.deepEqual(await before.getOutputs(runId, 'victim'), {});
      assert.equal((await before.getSteps(runId)).find((s) => s.invocationId === 'victim')?.status, 'running');
    } finally {
      await before.close();
    }
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    const summary = await run;
    assert.equal(summary.status, 'completed');
    const { attempts, outputs } = await assertClean(storeDir, summary.runId);
    assert.deepEqual(attempts.filter((a) => a.invocationId === 'victim').map((a) => a.status), ['lost', 'completed']);
    assert.equal(outputs, 1);
    assert.equal(await loadArtifact({ run: summary.runId, step: 'victim', storeDir }), 'done by attempt 2');
  });

  it('a step that blocks the event loop longer than the timeout is not declared lost', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, 'store');
    const summary = await runPipelineFile({ file, pipeline: 'busyLoop', parameters: { ms: 1500 }, options: { storeDir, enableCache: false } });
    assert.equal(summary.status, 'completed');
    const { attempts } = await assertClean(storeDir, summary.runId);
    assert.deepEqual(attempts.map((a) => a.status), ['completed']);
  });

  it('heartbeats dropped by a loopback proxy: the runner stops itself, the server retries', async () => {
    const dir = tempDir();
    const proxy = new DropProxy();
    await proxy.listen();
    try {
      const { events, storeDir, run } = start(dir, { heartbeatUrl: (url) => proxy.rewrite(url) });
      const pid = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
      await waitFor('a first heartbeat', () => events.some((e) => e.type === 'heartbeat'));
      proxy.dropping = true;
      await waitFor('the server to declare attempt 1 lost', () => events.some((e) => e.type === 'attempt' && e.status === 'lost'));
      await waitFor('the cut-off runner to stop itself', () => !isAlive(pid));
      proxy.dropping = false;
      await waitFor('attempt 2 to start', () => readPid(path.join(dir, 'attempt-2.pid')));
      fs.writeFileSync(path.join(dir, 'release-2'), '');
      const summary = await run;
      assert.equal(summary.status, 'completed');
      const { attempts, outputs } = await assertClean(storeDir, summary.runId);
      assert.deepEqual(attempts.filter((a) => a.invocationId === 'victim').map((a) => a.status), ['lost', 'completed']);
      assert.equal(outputs, 1);
    } finally {
      await proxy.close();
    }
  });
});

describe('concurrency limits held by leases', () => {
  it("a lost runner's slot returns at once; steps sharing a limit never overlap; nothing held after", async () => {
    const dir = tempDir();
    const slots = new SlotPool({ named: { gpu: 1 } });
    const run = runPipelineFile({ file: fixture('pipelines', 'limited.ts'), parameters: { dir }, options: { storeDir: path.join(dir, 'store'), enableCache: false, maxParallel: 4 }, slots });
    const pid = await waitFor('the first step to start', () => readPid(path.join(dir, 'train-1.pid')));
    assert.equal(slots.held, 1);
    assert.equal(slots.waiting, 3);
    process.kill(pid, 'SIGKILL');
    const summary = await run;
    assert.equal(summary.status, 'completed');
    assert.equal(slots.held, 0);
    assert.equal(slots.waiting, 0);
    // Intervals of the completed attempts never overlap (limit 1).
    const lines = fs.readFileSync(path.join(dir, 'intervals'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    const ends = lines.filter(([kind]) => kind === 'end');
    assert.equal(ends.length, 4);
    const spans = ends.map(([, id, end]) => {
      const start = lines.filter(([kind, sid]) => kind === 'start' && sid === id).at(-1);
      return [Number(start?.[2]), Number(end)] as const;
    }).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `overlap: ${JSON.stringify(spans)}`);
  });

  it('steps waiting for a slot are recorded running, with no attempt, while they wait; each running status comes before its first attempt', async () => {
    const dir = tempDir();
    const slots = new SlotPool({ named: { gpu: 1 } });
    const storeDir = path.join(dir, 'store');
    const run = runPipelineFile({ file: fixture('pipelines', 'limited.ts'), parameters: { dir }, options: { storeDir, enableCache: false, maxParallel: 4 }, slots });
    const pid = await waitFor('the first step to start', () => readPid(path.join(dir, 'train-1.pid')));
    const store = await openRunStore(storeDir, 'readOnly');
    try {
      const runId = (await store.listRuns({ limit: 1 }))[0]!.id;
      const steps = await waitForAsync('the three waiting steps to be recorded running', async () => {
        const found = await store.getSteps(runId);
        return found.filter((step) => step.status === 'running').length === 4 ? found : undefined;
      });
      assert.deepEqual(steps.map((step) => step.attempts).sort(), [0, 0, 0, 1], 'one holds the slot; three wait for it');
      process.kill(pid, 'SIGKILL');
      assert.equal((await run).status, 'completed');
      const transitions = (await store.getTransitions(runId)).filter((t) => t.invocationId !== null && t.status === 'running');
      for (const step of steps) {
        const mine = transitions.filter((t) => t.invocationId === step.invocationId).map((t) => t.attempt);
        assert.deepEqual(mine.slice(0, 2), [null, 1], `the running transitions of ${step.invocationId}: ${JSON.stringify(mine)}`);
      }
    } finally {
      await store.close();
    }
  });
});

describe('start timeout', () => {
  it('an attempt whose runner never sends a first heartbeat is lost and retried', async () => {
    const dir = tempDir();
    const proxy = new DropProxy();
    await proxy.listen();
    proxy.dropping = true;
    try {
      const { events, run } = start(dir, { heartbeatUrl: (url) => proxy.rewrite(url) });
      const pid = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
      // Frozen before its lease's timeout (0.5 s) has passed, so it cannot stop itself for want of a
      // renewal either: the engine's start timeout is what notices it.
      process.kill(pid, 'SIGSTOP');
      const lost = await waitFor('attempt 1 to be lost', () => events.find((e) => e.type === 'attempt' && e.status === 'lost'));
      process.kill(pid, 'SIGKILL');
      assert.match(lost.type === 'attempt' ? (lost.detail ?? '') : '', /no first heartbeat/);
      proxy.dropping = false;
      await waitFor('attempt 2 to start', () => readPid(path.join(dir, 'attempt-2.pid')));
      fs.writeFileSync(path.join(dir, 'release-2'), '');
      assert.equal((await run).status, 'completed');
    } finally {
      await proxy.close();
    }
  });
});
