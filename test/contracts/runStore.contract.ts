// The contract of the RunStore seam: what every implementation (the embedded SQLite store,
// sqliteRunStore.test.ts; the PostgreSQL store, postgresRunStore.test.ts) must do, written against
// the interface only. An implementation's test file calls `runStoreContract` with a factory for
// fresh stores of its kind; what only one store has (its files, its schema) is tested there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ArtifactRef } from '../../runtime/src/artifacts/artifactStore';
import type { PipelineDag } from '../../runtime/src/model/dag';
import { FencedError } from '../../runtime/src/model/errorCodes';
import { RunNameTakenError, TokenNameTakenError, type NewRun, type RunStore, type StoreMode } from '../../runtime/src/store/runStore';
import { summarizeRun } from '../../runtime/src/store/runSummary';

export interface RunStoreFactory {
  /** A new, empty store. */
  create(): Promise<RunStore>;
  /** Another connection to the store `store` is (what another command or process would open). */
  reopen(store: RunStore, mode: StoreMode): Promise<RunStore>;
  /** How a child process opens the same store: a module exporting `openStore(...args)`, and its arguments. */
  child(store: RunStore): { module: string; args: string[] };
}

const childMain = path.join(__dirname, 'storeChild.ts');

/**
 * Opens the store in a child process and claims it for the daemon there; resolves with the
 * child's pid and the claim's answer (the owner's pid, or null when the child won). With `stay`
 * the child lives (holding what it claimed) until `release`.
 */
function claimInChild(factory: RunStoreFactory, store: RunStore, stay = false): Promise<{ pid: number; answer: unknown; release: () => Promise<void> }> {
  const { module, args } = factory.child(store);
  const child = spawn(process.execPath, ['--import', 'tsx', childMain, stay ? 'stay' : 'exit', module, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const release = async () => {
    child.stdin.end();
    await exit;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve({ pid: child.pid as number, answer: JSON.parse(out.slice(0, end)) as unknown, release });
    });
    child.once('error', reject);
    void exit.then(() => reject(new Error(`the child exited before answering: ${out}`)));
  });
}

function dagOf(pipeline: string, ids: string[]): PipelineDag {
  return {
    pipeline,
    parameters: {},
    nodes: ids.map((id) => ({ id, step: `${id}Step`, namespace: [], params: [], inputs: {}, outputs: ['output'], after: [], options: { hooks: {} }, codeHash: 'x' })),
    edges: [],
    outputs: {},
    options: { executionMode: 'continueOnFailure', hooks: { onSuccess: false, onFailure: false } },
  } as unknown as PipelineDag;
}

let counter = 0;
function newRun(overrides: Partial<NewRun> = {}): NewRun {
  counter += 1;
  return {
    id: `run-${counter}-${Math.random().toString(16).slice(2, 10)}`,
    name: `run-${counter}`,
    pipeline: 'p',
    sourceFile: 'p.ts',
    parameters: { count: 3, nested: { list: [1, 'two'] } },
    options: { enableCache: false, maxParallel: 2 },
    dag: dagOf(overrides.pipeline ?? 'p', ['a', 'b', 'c']),
    bundlePath: '/bundles/x.cjs',
    workingDir: '/work',
    projectDir: '/project',
    at: 1_000 + counter,
    ...overrides,
  };
}

/** Writes `value` as an artifact of the store and answers its description. */
function artifact(store: RunStore, value: unknown): Promise<ArtifactRef> {
  return store.artifacts.put(value);
}

export function runStoreContract(name: string, factory: RunStoreFactory): void {
  const withStore = async (test: (store: RunStore) => Promise<void>) => {
    const store = await factory.create();
    try {
      await test(store);
    } finally {
      await store.close();
    }
  };

  describe(`RunStore contract: ${name}`, () => {
    describe('runs', () => {
      it('creates a run as a decoded record, running, with every invocation pending in DAG order', () =>
        withStore(async (store) => {
          const run = newRun({ manifest: { steps: { aStep: { line: 3 } } }, parentRunId: 'parent', parentInvocation: 'fanOut', enginePid: process.pid });
          await store.createRun(run);
          const record = await store.getRun(run.id);
          assert.ok(record);
          assert.equal(record.status, 'running');
          assert.deepEqual(record.parameters, run.parameters);
          assert.deepEqual(record.options, run.options);
          assert.deepEqual(record.dag, run.dag);
          assert.deepEqual(record.manifest, run.manifest);
          assert.equal(record.bundlePath, run.bundlePath);
          assert.deepEqual([record.workingDir, record.projectDir], ['/work', '/project']);
          assert.deepEqual([record.parentRunId, record.parentInvocation], ['parent', 'fanOut']);
          assert.equal(record.enginePid, process.pid);
          assert.equal(typeof record.engineIdentity, 'string');
          assert.deepEqual([record.createdAt, record.startedAt, record.endedAt, record.error], [run.at, run.at, null, null]);
          const steps = await store.getSteps(run.id);
          assert.deepEqual(
            steps.map((s) => [s.invocationId, s.stepName, s.position, s.status, s.attempts, s.cached, s.error]),
            [
              ['a', 'aStep', 0, 'pending', 0, false, undefined],
              ['b', 'bStep', 1, 'pending', 0, false, undefined],
              ['c', 'cStep', 2, 'pending', 0, false, undefined],
            ],
          );
          assert.deepEqual((await store.getTransitions(run.id)).map((t) => [t.invocationId, t.attempt, t.status]), [[null, null, 'running']]);
          // A run without manifest, parent or engine.
          const plain = newRun();
          await store.createRun(plain);
          const bare = await store.getRun(plain.id);
          assert.deepEqual([bare?.manifest, bare?.parentRunId, bare?.enginePid, bare?.engineIdentity], [undefined, null, null, null]);
          assert.equal(await store.getRun('no-such-run'), undefined);
        }));

      it('refuses a run name already used in the same pipeline, and only there', () =>
        withStore(async (store) => {
          const first = newRun({ name: 'nightly' });
          await store.createRun(first);
          assert.equal(await store.runNameTaken('p', 'nightly'), true);
          assert.equal(await store.runNameTaken('q', 'nightly'), false);
          await assert.rejects(store.createRun(newRun({ name: 'nightly' })), (error: unknown) => error instanceof RunNameTakenError && error.pipeline === 'p' && error.runName === 'nightly');
          await store.createRun(newRun({ name: 'nightly', pipeline: 'q' }));
          // Nothing of the refused run was kept.
          assert.equal((await store.listRuns({ pipeline: 'p' })).length, 1);
        }));

      it('of two connections creating runs of the same name at once, one wins and the other is told the name is taken', () =>
        withStore(async (store) => {
          const other = await factory.reopen(store, 'readWrite');
          try {
            const results = await Promise.allSettled([store.createRun(newRun({ name: 'race' })), other.createRun(newRun({ name: 'race' }))]);
            assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
            const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
            assert.ok(refused.reason instanceof RunNameTakenError, String(refused.reason));
            assert.equal((await store.listRuns()).filter((r) => r.name === 'race').length, 1);
          } finally {
            await other.close();
          }
        }));

      it('finds a run by id, by name (the newest of that name) or by a unique id prefix', () =>
        withStore(async (store) => {
          const older = newRun({ id: 'abc-111', name: 'same', pipeline: 'p', at: 10 });
          const newer = newRun({ id: 'abd-222', name: 'same', pipeline: 'q', at: 20 });
          const literal = newRun({ id: 'x%_1', name: 'literal', at: 30 });
          for (const run of [older, newer, literal]) await store.createRun(run);
          assert.equal((await store.findRun('abc-111'))?.id, 'abc-111');
          assert.equal((await store.findRun('same'))?.id, 'abd-222');
          assert.equal((await store.findRun('abc'))?.id, 'abc-111');
          assert.equal(await store.findRun('ab'), undefined, 'an ambiguous prefix finds nothing');
          assert.equal((await store.findRun('x%'))?.id, 'x%_1');
          assert.equal(await store.findRun('%'), undefined, 'LIKE wildcards are literal');
          assert.equal(await store.findRun('nothing'), undefined);
        }));

      it('lists runs newest first, narrowed by pipeline and statuses before the limit', () =>
        withStore(async (store) => {
          const runs = [newRun({ pipeline: 'p', at: 1 }), newRun({ pipeline: 'q', at: 2 }), newRun({ pipeline: 'p', at: 3 }), newRun({ pipeline: 'p', at: 4 })];
          for (const run of runs) await store.createRun(run);
          await store.setRunStatus(runs[2].id, 'failed', 5, 'boom');
          assert.deepEqual((await store.listRuns()).map((r) => r.id), [runs[3].id, runs[2].id, runs[1].id, runs[0].id]);
          assert.deepEqual((await store.listRuns({ pipeline: 'p', limit: 2 })).map((r) => r.id), [runs[3].id, runs[2].id]);
          assert.deepEqual((await store.listRuns({ statuses: ['failed'] })).map((r) => r.id), [runs[2].id]);
          assert.deepEqual((await store.listRuns({ statuses: ['running', 'failed'], pipeline: 'p', limit: 1 })).map((r) => r.id), [runs[3].id]);
          assert.deepEqual((await store.runningRuns()).map((r) => r.id), [runs[0].id, runs[1].id, runs[3].id], 'running runs, oldest first');
        }));

      it('records a run ending (with its error) and who drives it', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setRunStatus(run.id, 'crashed', 50, 'its bundle is gone');
          const ended = await store.getRun(run.id);
          assert.deepEqual([ended?.status, ended?.endedAt, ended?.error], ['crashed', 50, 'its bundle is gone']);
          await store.setRunStatus(run.id, 'running', 60);
          const again = await store.getRun(run.id);
          assert.deepEqual([again?.status, again?.endedAt, again?.error], ['running', null, 'its bundle is gone']);
          await store.setEnginePid(run.id, process.pid);
          assert.equal((await store.getRun(run.id))?.enginePid, process.pid);
          await store.setEnginePid(run.id, null);
          const none = await store.getRun(run.id);
          assert.deepEqual([none?.enginePid, none?.engineIdentity], [null, null]);
          assert.deepEqual((await store.getTransitions(run.id)).map((t) => [t.status, t.detail]), [['running', null], ['crashed', 'its bundle is gone'], ['running', null]]);
        }));
    });

    describe('invocations and attempts', () => {
      it('starts, ends and describes attempts; an ended attempt is never ended again (a late word is fenced)', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setStepStatus(run.id, 'a', 'running', 100);
          await store.startAttempt(run.id, 'a', 1, 100, null);
          await store.setAttemptRunner(run.id, 'a', 1, 4242);
          await store.endAttempt(run.id, 'a', 1, 'lost', 150, 'lease expired: no heartbeat for 900 ms');
          await store.endAttempt(run.id, 'a', 1, 'failed', 160, { name: 'Error', message: 'too late' });
          await store.startAttempt(run.id, 'a', 2, 170, 4343);
          await store.endAttempt(run.id, 'a', 2, 'failed', 180, { name: 'TypeError', message: 'bad', stack: 'TypeError: bad\n    at x', value: { code: 7 } });
          await store.startAttempt(run.id, 'b', 1, 175, null);
          const attempts = await store.getAttempts(run.id, 'a');
          assert.deepEqual(
            attempts.map((a) => [a.invocationId, a.attempt, a.status, a.runnerPid, a.startedAt, a.endedAt, a.error]),
            [
              ['a', 1, 'lost', 4242, 100, 150, { name: 'Error', message: 'lease expired: no heartbeat for 900 ms' }],
              ['a', 2, 'failed', 4343, 170, 180, { name: 'TypeError', message: 'bad', stack: 'TypeError: bad\n    at x', value: { code: 7 } }],
            ],
          );
          assert.deepEqual((await store.getAttempts(run.id)).map((a) => [a.invocationId, a.attempt]), [['a', 1], ['a', 2], ['b', 1]], 'every attempt, in the order they started');
          const a = (await store.getSteps(run.id))[0];
          assert.deepEqual([a.status, a.attempts, a.startedAt], ['running', 2, 100]);
          await store.recordRefusal(run.id, 'a', 1, 'result refused: attempt no longer current', 190);
          const refusal = (await store.getTransitions(run.id)).at(-1);
          assert.deepEqual([refusal?.invocationId, refusal?.attempt, refusal?.status, refusal?.detail], ['a', 1, 'refused', 'result refused: attempt no longer current']);
        }));

      it("starts a first attempt with its step's running status in one write, as the two writes one after the other would", () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setStepStatus(run.id, 'a', 'running', 100);
          await store.startAttempt(run.id, 'a', 1, 105, null);
          await store.startAttempt(run.id, 'b', 1, 105, 4242, 100);
          const [apart, together] = await store.getSteps(run.id);
          assert.deepEqual([apart?.invocationId, together?.invocationId], ['a', 'b']);
          const shape = (step: typeof apart) => [step?.status, step?.attempts, step?.startedAt, step?.endedAt];
          assert.deepEqual(shape(together), ['running', 1, 100, null]);
          assert.deepEqual(shape(together), shape(apart));
          assert.deepEqual((await store.getAttempts(run.id, 'b')).map((a) => [a.attempt, a.status, a.runnerPid, a.startedAt]), [[1, 'running', 4242, 105]]);
          const transitions = (await store.getTransitions(run.id)).filter((t) => t.invocationId !== null);
          assert.deepEqual(
            transitions.map((t) => [t.invocationId, t.attempt, t.status, t.at]),
            [
              ['a', null, 'running', 100],
              ['a', 1, 'running', 105],
              ['b', null, 'running', 100],
              ['b', 1, 'running', 105],
            ],
          );
        }));

      it("keeps where a remote attempt is, queued (with what it waits for) then claimed, as its transitions; a summary shows the queued one's wait", () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setStepStatus(run.id, 'a', 'running', 100);
          await store.startAttempt(run.id, 'a', 1, 100, null);
          await store.recordPlacement(run.id, 'a', 1, 'queued', 'pool gpu, labels accelerator=a100', 100);
          await store.setStepStatus(run.id, 'b', 'running', 110);
          await store.startAttempt(run.id, 'b', 1, 110, null);
          await store.recordPlacement(run.id, 'b', 1, 'queued', 'pool default', 110);
          await store.recordPlacement(run.id, 'b', 1, 'claimed', null, 120);
          assert.deepEqual(
            (await store.getTransitions(run.id)).filter((t) => t.status === 'queued' || t.status === 'claimed').map((t) => [t.invocationId, t.attempt, t.status, t.detail]),
            [['a', 1, 'queued', 'pool gpu, labels accelerator=a100'], ['b', 1, 'queued', 'pool default'], ['b', 1, 'claimed', null]],
          );
          const summary = await summarizeRun(store, run.id);
          assert.deepEqual(summary.steps.filter((s) => s.id === 'a' || s.id === 'b').map((s) => [s.id, s.status, s.queuedFor]), [['a', 'running', 'pool gpu, labels accelerator=a100'], ['b', 'running', undefined]]);
        }));

      it('keeps the heartbeat gaps of attempts, each with its attempt, apart from other transitions and other runs', () =>
        withStore(async (store) => {
          const run = newRun();
          const other = newRun();
          await store.createRun(run);
          await store.createRun(other);
          await store.startAttempt(run.id, 'a', 1, 100, null);
          await store.recordHeartbeatGap(run.id, 'a', 1, { from: 1_700_000_000_100, to: 1_700_000_009_900 });
          await store.recordRefusal(run.id, 'a', 1, 'heartbeat refused: no running attempt holds this lease', 200);
          await store.startAttempt(run.id, 'a', 2, 300, null);
          await store.recordHeartbeatGap(run.id, 'a', 2, { from: 400, to: 900 });
          await store.recordHeartbeatGap(other.id, 'b', 1, { from: 10, to: 20 });
          assert.deepEqual(await store.getHeartbeatGaps(run.id), [
            { invocationId: 'a', attempt: 1, from: 1_700_000_000_100, to: 1_700_000_009_900 },
            { invocationId: 'a', attempt: 2, from: 400, to: 900 },
          ]);
          assert.deepEqual(await store.getHeartbeatGaps(other.id), [{ invocationId: 'b', attempt: 1, from: 10, to: 20 }]);
        }));

      it("keeps a step's error decoded, and its start time once", () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setStepStatus(run.id, 'a', 'running', 10);
          await store.setStepStatus(run.id, 'a', 'running', 20);
          await store.setStepStatus(run.id, 'a', 'failed', 30, { error: { name: 'RangeError', message: 'out', value: [1, 2] } });
          await store.setStepStatus(run.id, 'b', 'skipped', 40, { error: 'upstream failed' });
          const [a, b] = await store.getSteps(run.id);
          assert.deepEqual([a.status, a.startedAt, a.endedAt, a.error], ['failed', 10, 30, { name: 'RangeError', message: 'out', value: [1, 2] }]);
          assert.deepEqual([b.status, b.startedAt, b.endedAt, b.error], ['skipped', null, 40, { name: 'Error', message: 'upstream failed' }]);
        }));

      it("commits a success at once: outputs, the attempt's end, the cache entry and the status", () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setStepStatus(run.id, 'a', 'running', 10);
          await store.startAttempt(run.id, 'a', 1, 10, null);
          const outputs = { output: await artifact(store, [1, 2, 3]), extra: await artifact(store, 'text') };
          await store.commitOutputs(run.id, 'a', outputs, 20, { attempt: 1, cacheKey: 'key-a', cached: false, stepName: 'aStep', cacheable: true });
          const a = (await store.getSteps(run.id))[0];
          assert.deepEqual([a.status, a.cached, a.cacheKey, a.endedAt], ['completed', false, 'key-a', 20]);
          assert.deepEqual((await store.getAttempts(run.id, 'a')).map((x) => [x.status, x.endedAt]), [['completed', 20]]);
          assert.deepEqual(await store.getOutputs(run.id, 'a'), outputs);
          assert.deepEqual(await store.outputOf(run.id, 'a', 'extra'), outputs.extra);
          assert.equal(await store.outputOf(run.id, 'a', 'constructor'), undefined);
          assert.equal(await store.outputOf(run.id, 'a', 'missing'), undefined);
          assert.deepEqual(await store.lookupCache('key-a'), outputs);
          assert.deepEqual(await store.lookupCache('key-a', 20), outputs);
          assert.equal(await store.lookupCache('key-a', 21), undefined, 'an entry older than `since` is stale');
          assert.equal(await store.lookupCache('other'), undefined);
        }));

      it('refuses, writing nothing, the commit of an attempt no longer running (ended as lost by whoever took the run over)', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setStepStatus(run.id, 'a', 'running', 10);
          await store.startAttempt(run.id, 'a', 1, 10, null);
          await store.endAttempt(run.id, 'a', 1, 'lost', 15, 'lease expired: no heartbeat for 900 ms');
          const late = { output: await artifact(store, 'late') };
          await assert.rejects(store.commitOutputs(run.id, 'a', late, 20, { attempt: 1, cacheKey: 'key-late', cached: false, stepName: 'aStep', cacheable: true }), (error: Error) => error instanceof FencedError && /attempt 1 of "a" is no longer running \(it is lost\): its outputs are not committed/.test(error.message));
          await assert.rejects(store.commitOutputs(run.id, 'a', late, 20, { attempt: 2, cacheKey: 'key-late', cached: false, stepName: 'aStep', cacheable: true }), (error: Error) => error instanceof FencedError && /attempt 2 of "a" is not in the store/.test(error.message));
          assert.deepEqual(await store.getOutputs(run.id, 'a'), {});
          assert.equal((await store.getSteps(run.id))[0].status, 'running');
          assert.deepEqual((await store.getAttempts(run.id, 'a')).map((x) => x.status), ['lost']);
          assert.equal(await store.lookupCache('key-late'), undefined);
        }));

      it('commits nothing of a success the store refuses halfway', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.setStepStatus(run.id, 'a', 'running', 10);
          await store.startAttempt(run.id, 'a', 1, 10, null);
          const good = await artifact(store, 1);
          const broken = { ...(await artifact(store, 2)), materializer: null } as unknown as ArtifactRef;
          await assert.rejects(store.commitOutputs(run.id, 'a', { good, broken }, 20, { attempt: 1, cacheKey: 'key-broken', cached: false, stepName: 'aStep', cacheable: true }));
          assert.deepEqual(await store.getOutputs(run.id, 'a'), {});
          assert.equal((await store.getSteps(run.id))[0].status, 'running');
          assert.deepEqual((await store.getAttempts(run.id, 'a')).map((x) => x.status), ['running']);
          assert.equal(await store.lookupCache('key-broken'), undefined);
        }));

      it('records a cache hit as cached (no new cache entry), and no entry for an uncacheable step', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          const outputs = { output: await artifact(store, { hit: true }) };
          await store.commitOutputs(run.id, 'a', outputs, 20, { cacheKey: 'key-hit', cached: true, stepName: 'aStep', cacheable: true });
          await store.commitOutputs(run.id, 'b', outputs, 20, { attempt: undefined, cacheKey: 'key-off', cached: false, stepName: 'bStep', cacheable: false });
          const [a, b] = await store.getSteps(run.id);
          assert.deepEqual([a.status, a.cached, a.cacheKey], ['cached', true, 'key-hit']);
          assert.deepEqual([b.status, b.cached], ['completed', false]);
          assert.equal(await store.lookupCache('key-hit'), undefined);
          assert.equal(await store.lookupCache('key-off'), undefined);
        }));

      it('answers no cache hit when an artifact of the entry is gone', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          const gone = { hash: 'f'.repeat(64), materializer: 'json@1', size: 1, typeName: 'number' };
          await store.commitOutputs(run.id, 'a', { output: gone }, 20, { cacheKey: 'key-gone', cached: false, stepName: 'aStep', cacheable: true });
          assert.equal(await store.lookupCache('key-gone'), undefined);
        }));

      it("tells which run made a step's newest cache entry (that invocation's first), and what a key committed, entry or not", () =>
        withStore(async (store) => {
          const older = newRun();
          const newer = newRun();
          await store.createRun(older);
          await store.createRun(newer);
          const one = { output: await artifact(store, 1) };
          const two = { output: await artifact(store, 2) };
          const three = { output: await artifact(store, 3) };
          assert.equal(await store.newestCacheEntry('shared', 'a'), undefined);
          await store.commitOutputs(older.id, 'a', one, 20, { attempt: undefined, cacheKey: 'key-1', cached: false, stepName: 'shared', cacheable: true });
          await store.commitOutputs(newer.id, 'b', two, 30, { attempt: undefined, cacheKey: 'key-2', cached: false, stepName: 'shared', cacheable: true });
          assert.deepEqual(await store.newestCacheEntry('shared', 'a'), { key: 'key-1', stepName: 'shared', runId: older.id, invocationId: 'a', createdAt: 20 }, "the invocation's own entry first");
          assert.deepEqual(await store.newestCacheEntry('shared', 'c'), { key: 'key-2', stepName: 'shared', runId: newer.id, invocationId: 'b', createdAt: 30 }, 'else the newest of the step');
          assert.equal(await store.newestCacheEntry('otherStep', 'a'), undefined);
          // Committed without a cache entry (caching off): still what the key produced.
          await store.commitOutputs(newer.id, 'c', three, 40, { attempt: undefined, cacheKey: 'key-3', cached: false, stepName: 'cStep', cacheable: false });
          assert.equal(await store.lookupCache('key-3'), undefined);
          assert.deepEqual(await store.outputsCommittedUnder('key-3'), three);
          assert.deepEqual(await store.outputsCommittedUnder('key-1'), one);
          assert.equal(await store.outputsCommittedUnder('key-none'), undefined);
        }));

      it("creates a retry with the outputs it reuses, cached, in the same call; lists a run's outputs in DAG order", () =>
        withStore(async (store) => {
          const source = newRun();
          await store.createRun(source);
          const c = { output: await artifact(store, 'c') };
          const a = { output: await artifact(store, 'a'), second: await artifact(store, 'a2') };
          await store.commitOutputs(source.id, 'c', c, 20, { cached: false, stepName: 'cStep', cacheable: false });
          await store.commitOutputs(source.id, 'a', a, 21, { cached: false, stepName: 'aStep', cacheable: false });
          assert.deepEqual(
            (await store.getRunOutputs(source.id)).map((o) => [o.invocationId, o.output, o.hash]),
            [['a', 'output', a.output.hash], ['a', 'second', a.second.hash], ['c', 'output', c.output.hash]],
          );
          const retry = newRun({ parentRunId: source.id, parentInvocation: 'retry', reuse: { fromRunId: source.id, invocationIds: ['a'] } });
          await store.createRun(retry);
          const steps = await store.getSteps(retry.id);
          assert.deepEqual(steps.map((s) => [s.invocationId, s.status, s.cached]), [['a', 'cached', true], ['b', 'pending', false], ['c', 'pending', false]]);
          assert.deepEqual(await store.getOutputs(retry.id, 'a'), a);
          assert.deepEqual(await store.getOutputs(retry.id, 'c'), {});
        }));
    });

    describe('heartbeats, logs, hooks and the event stream', () => {
      it('records heartbeat times a batch at once; the newest numbered beat of each attempt is replayed as its event', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.startAttempt(run.id, 'a', 1, 10, null);
          await store.startAttempt(run.id, 'b', 1, 10, null);
          await store.recordHeartbeats([]);
          await store.recordHeartbeats([{ runId: run.id, invocationId: 'a', attempt: 1, at: 30 }]);
          assert.deepEqual((await store.getAttempts(run.id)).map((a) => a.heartbeatAt), [30, null]);
          assert.deepEqual(await store.eventsSince(0, run.id, 100), [], 'a beat that was never streamed is no event');
          await store.recordHeartbeats([
            { runId: run.id, invocationId: 'a', attempt: 1, at: 40, seq: 3 },
            { runId: run.id, invocationId: 'b', attempt: 1, at: 41, seq: 4 },
          ]);
          await store.recordHeartbeats([{ runId: run.id, invocationId: 'a', attempt: 1, at: 50, seq: 7 }]);
          // A batch written late (another recorder's) never takes the time or number back.
          await store.recordHeartbeats([{ runId: run.id, invocationId: 'a', attempt: 1, at: 45, seq: 6 }, { runId: run.id, invocationId: 'b', attempt: 1, at: 20 }]);
          assert.deepEqual((await store.getAttempts(run.id)).map((a) => a.heartbeatAt), [50, 41]);
          assert.deepEqual(await store.eventsSince(0, run.id, 100), [
            { seq: 4, runId: run.id, type: 'heartbeat', data: { type: 'heartbeat', runId: run.id, invocationId: 'b', attempt: 1, at: 41 } },
            { seq: 7, runId: run.id, type: 'heartbeat', data: { type: 'heartbeat', runId: run.id, invocationId: 'a', attempt: 1, at: 50 } },
          ]);
          assert.equal(await store.lastEventSeq(), 7);
        }));

      it('stores each log line once: read back per run, step and attempt, and replayed as its event when it has a number', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.appendLog({ runId: run.id, invocationId: 'a', attempt: 1, stream: 'stdout', text: 'one\n', at: 10 }, 1);
          await store.appendLog({ runId: run.id, invocationId: 'a', attempt: 2, stream: 'stderr', text: 'two', at: 11 });
          await store.appendLog({ runId: run.id, invocationId: 'b', attempt: 1, stream: 'stdout', text: 'three\n', at: 12 }, 2);
          assert.deepEqual((await store.getLogs(run.id)).map((l) => [l.invocationId, l.attempt, l.stream, l.text, l.at]), [
            ['a', 1, 'stdout', 'one\n', 10],
            ['a', 2, 'stderr', 'two', 11],
            ['b', 1, 'stdout', 'three\n', 12],
          ]);
          assert.deepEqual((await store.getLogs(run.id, 'a')).map((l) => l.text), ['one\n', 'two']);
          assert.deepEqual((await store.getLogs(run.id, 'a', 2)).map((l) => l.text), ['two']);
          assert.deepEqual(await store.eventsSince(0, undefined, 100), [
            { seq: 1, runId: run.id, type: 'log', data: { type: 'log', runId: run.id, invocationId: 'a', attempt: 1, stream: 'stdout', text: 'one\n', at: 10 } },
            { seq: 2, runId: run.id, type: 'log', data: { type: 'log', runId: run.id, invocationId: 'b', attempt: 1, stream: 'stdout', text: 'three\n', at: 12 } },
          ]);
        }));

      it('replays stored events, log lines and heartbeats merged in number order, per run, a page at a time', () =>
        withStore(async (store) => {
          const run = newRun();
          const other = newRun();
          await store.createRun(run);
          await store.createRun(other);
          await store.startAttempt(run.id, 'a', 1, 10, null);
          await store.appendEvent(1, run.id, 'run', { type: 'run', runId: run.id, status: 'running', at: 1 }, 1);
          await store.appendEvent(2, null, 'service', { type: 'service', name: 'model' }, 2);
          await store.appendLog({ runId: run.id, invocationId: 'a', attempt: 1, stream: 'stdout', text: 'x', at: 3 }, 3);
          await store.recordHeartbeats([{ runId: run.id, invocationId: 'a', attempt: 1, at: 4, seq: 4 }]);
          await store.appendEvent(5, other.id, 'run', { type: 'run', runId: other.id, status: 'running', at: 5 }, 5);
          await store.appendEvent(6, run.id, 'step', { type: 'step', runId: run.id, invocationId: 'a', status: 'completed', at: 6 }, 6);
          const all = await store.eventsSince(0, undefined, 100);
          assert.deepEqual(all.map((e) => [e.seq, e.type, e.runId]), [[1, 'run', run.id], [2, 'service', null], [3, 'log', run.id], [4, 'heartbeat', run.id], [5, 'run', other.id], [6, 'step', run.id]]);
          assert.deepEqual(all[1].data, { type: 'service', name: 'model' });
          assert.deepEqual((await store.eventsSince(0, run.id, 100)).map((e) => e.seq), [1, 3, 4, 6]);
          assert.deepEqual((await store.eventsSince(1, run.id, 2)).map((e) => e.seq), [3, 4]);
          assert.deepEqual((await store.eventsSince(4, run.id, 2)).map((e) => e.seq), [6]);
          assert.deepEqual(await store.eventsSince(6, undefined, 100), []);
          assert.equal(await store.lastEventSeq(), 6);
        }));

      it('stores the events appended together (one turn, as the daemon hands them over) each on its own: one refused, the others kept', () =>
        withStore(async (store) => {
          await store.appendEvent(7, null, 'x', { n: 1 }, 1);
          const together = [store.appendEvent(8, null, 'x', { n: 2 }, 2), store.appendEvent(7, null, 'x', { n: 3 }, 3), store.appendEvent(9, null, 'x', { n: 4 }, 4)];
          const settled = await Promise.allSettled(together);
          assert.deepEqual(settled.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled'], 'only the event whose number was taken is refused');
          assert.deepEqual((await store.eventsSince(0, undefined, 100)).map((e) => [e.seq, e.data]), [[7, { n: 1 }], [8, { n: 2 }], [9, { n: 4 }]]);
        }));

      it('never hands out an event number twice: reserved numbers count as used', () =>
        withStore(async (store) => {
          assert.equal(await store.lastEventSeq(), 0);
          await store.reserveEventSeqs(10_000);
          await store.reserveEventSeqs(5_000);
          assert.equal(await store.lastEventSeq(), 10_000, 'a reservation never goes back');
          await store.appendEvent(10_001, null, 'x', {}, 1);
          assert.equal(await store.lastEventSeq(), 10_001);
          const again = await factory.reopen(store, 'readWrite');
          try {
            assert.equal(await again.lastEventSeq(), 10_001);
          } finally {
            await again.close();
          }
        }));

      it('records hook calls in order', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          await store.recordHook(run.id, 'a', 'onSuccess', 'step', undefined, 10);
          await store.recordHook(run.id, 'b', 'onFailure', 'pipeline', 'hook exploded', 11);
          assert.deepEqual((await store.getHookCalls(run.id)).map((c) => [c.invocationId, c.hook, c.source, c.ok, c.error, c.at]), [
            ['a', 'onSuccess', 'step', true, null, 10],
            ['b', 'onFailure', 'pipeline', false, 'hook exploded', 11],
          ]);
        }));
    });

    describe('connections and processes', () => {
      it('shows another connection what one committed; a read-only one reads but never writes', () =>
        withStore(async (store) => {
          const run = newRun();
          await store.createRun(run);
          const reader = await factory.reopen(store, 'readOnly');
          try {
            assert.equal(reader.readOnly, true);
            assert.equal((await reader.getRun(run.id))?.name, run.name);
            await store.setRunStatus(run.id, 'completed', 99);
            assert.equal((await reader.getRun(run.id))?.status, 'completed');
            await assert.rejects(reader.createRun(newRun()));
            await assert.rejects(reader.setRunStatus(run.id, 'failed', 100));
            assert.equal((await store.getRun(run.id))?.status, 'completed');
          } finally {
            await reader.close();
          }
        }));

      it('makes one process the daemon: a live owner keeps it, a dead one is replaced, a claim may be renewed', () =>
        withStore(async (store) => {
          const holder = await claimInChild(factory, store, true);
          assert.equal(holder.answer, null, 'the first claim wins');
          assert.equal(await store.claimDaemon(process.pid), holder.pid, 'a live owner keeps the store');
          await holder.release();
          assert.equal(await store.claimDaemon(process.pid), undefined, 'a dead owner is replaced');
          assert.equal(await store.claimDaemon(process.pid), undefined, 'the owner may claim again');
          const child = await claimInChild(factory, store);
          assert.equal(child.answer, process.pid, 'this process, alive, owns the store');
          await child.release();
        }));

      it('of processes claiming at once, exactly one becomes the daemon', () =>
        withStore(async (store) => {
          const claims = await Promise.all(Array.from({ length: 4 }, () => claimInChild(factory, store, true)));
          try {
            const winners = claims.filter((claim) => claim.answer === null);
            assert.equal(winners.length, 1, JSON.stringify(claims.map((c) => c.answer)));
            for (const loser of claims.filter((claim) => claim.answer !== null)) assert.equal(loser.answer, winners[0].pid);
          } finally {
            await Promise.all(claims.map((claim) => claim.release()));
          }
        }));
    });

    describe('API tokens', () => {
      it('records a token by its hash, lists it without a secret, finds it by hash, notes its use and revokes it', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.listApiTokens(), []);
          await store.createApiToken({ name: 'ci', scope: 'user', hash: 'a'.repeat(64), createdAt: 1000 });
          await store.createApiToken({ name: 'gpu-workers', scope: 'worker', hash: 'b'.repeat(64), createdAt: 2000 });
          await assert.rejects(store.createApiToken({ name: 'ci', scope: 'metrics', hash: 'c'.repeat(64), createdAt: 3000 }), TokenNameTakenError);
          assert.deepEqual(await store.listApiTokens(), [
            { name: 'ci', scope: 'user', createdAt: 1000, lastUsedAt: null },
            { name: 'gpu-workers', scope: 'worker', createdAt: 2000, lastUsedAt: null },
          ]);
          assert.deepEqual(await store.findApiToken('b'.repeat(64)), { name: 'gpu-workers', scope: 'worker', createdAt: 2000, lastUsedAt: null });
          assert.equal(await store.findApiToken('c'.repeat(64)), undefined, 'the refused duplicate was not recorded');
          await store.touchApiToken('ci', 5000);
          await store.touchApiToken('ci', 4000);
          assert.equal((await store.findApiToken('a'.repeat(64)))?.lastUsedAt, 5000, 'a last use never goes back');
          assert.equal(await store.revokeApiToken('ci'), true);
          assert.equal(await store.revokeApiToken('ci'), false, 'nothing left to revoke');
          assert.equal(await store.findApiToken('a'.repeat(64)), undefined, 'a revoked token is found no more');
          assert.deepEqual((await store.listApiTokens()).map((token) => token.name), ['gpu-workers']);
        }));
    });
  });
}
