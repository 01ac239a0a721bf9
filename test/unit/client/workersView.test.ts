// The editor's view of remote workers: the Orchestrator view's Workers section (workersTree.ts,
// from GET /v1/workers) and relinquished attempts in the Runs view (runState.ts, treeModel.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRunsState, reduceRunEvent } from '../../../client/src/runState';
import { buildRunTree } from '../../../client/src/treeModel';
import { workersTree } from '../../../client/src/workersTree';
import type { WorkersAnswer } from '../../../runtime/src/model/workerProtocol';

const at = 1_000_000;
const answer: WorkersAnswer = {
  workersMode: 'remote',
  at,
  pools: [
    { name: 'default', workers: 1, capacity: 2, running: 1, queued: 0 },
    { name: 'gpu', workers: 0, capacity: 0, running: 0, queued: 1 },
  ],
  workers: [
    {
      id: 'host-1-ab',
      pool: 'default',
      labels: { zone: 'a' },
      concurrency: 2,
      state: 'draining',
      firstSeenAt: at - 60_000,
      lastSeenAt: at - 12_500,
      running: [{ kind: 'execute', pool: 'default', runId: 'r1', invocationId: 'fit', attempt: 1, since: at - 4200 }],
    },
  ],
  queued: [
    { kind: 'execute', pool: 'gpu', runId: 'r1', invocationId: 'train', attempt: 2, since: at - 800 },
    { kind: 'compile', since: at - 100 },
  ],
};

describe('the Workers section', () => {
  it('shows each pool with its workers (state, running/concurrency, heartbeat age, labels), their attempts and the pool\'s queue', () => {
    const root = workersTree(answer);
    assert.equal(root.description, '1 worker · 1 running · 2 queued');
    const [main, gpu, anyPool] = root.children;
    assert.deepEqual([main?.label, main?.description], ['pool default', '1 worker · 1/2 running · 0 queued']);
    const [worker] = main?.children ?? [];
    assert.deepEqual([worker?.label, worker?.description, worker?.icon], ['host-1-ab', 'draining · 1/2 running · ♥ 12 s · zone=a', 'debug-pause']);
    assert.match(worker?.tooltip ?? '', /last heartbeat: 12 s ago/);
    assert.deepEqual(worker?.children.map((job) => [job.label, job.description]), [['fit', 'run r1 · attempt 1 · running 4.2 s']]);
    assert.deepEqual([gpu?.label, gpu?.description, gpu?.icon], ['pool gpu', '0 workers · 0/0 running · 1 queued · waiting for a worker', 'warning']);
    assert.deepEqual(gpu?.children.map((job) => [job.label, job.description]), [['train', 'run r1 · attempt 2 · queued 800 ms']]);
    assert.deepEqual([anyPool?.label, anyPool?.children.map((job) => job.label)], ['any pool', ['compile']]);
  });

  it('says when the daemon runs steps itself, and before the first answer', () => {
    assert.deepEqual(workersTree({ workersMode: 'local', at, pools: [], workers: [], queued: [] }).description, 'none: the daemon runs steps itself');
    assert.equal(workersTree(undefined).description, 'not known yet');
  });
});

describe('relinquished attempts in the Runs view', () => {
  it('a step whose attempt a drained worker handed back says so, running again', () => {
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r1', runName: 'train-1', pipeline: 'train', status: 'running', at: 1000 });
    state = reduceRunEvent(state, { type: 'step', runId: 'r1', invocationId: 'fit', stepName: 'fit', status: 'running', attempt: 1, cached: false, at: 1100 });
    state = reduceRunEvent(state, { type: 'attempt', runId: 'r1', invocationId: 'fit', attempt: 1, status: 'relinquished', detail: 'handed back by worker w: drained (SIGTERM received)', at: 1200 });
    state = reduceRunEvent(state, { type: 'attempt', runId: 'r1', invocationId: 'fit', attempt: 2, status: 'running', at: 1300 });
    assert.deepEqual(state.runs.r1.steps.fit.relinquished, [{ attempt: 1, detail: 'handed back by worker w: drained (SIGTERM received)' }]);
    const [run] = buildRunTree(state, 1400, { intervalMs: 5000, timeoutMs: 15_000 });
    const [step] = run?.children ?? [];
    assert.match(step?.description ?? '', /^running · attempt 2 · 1 relinquished · /);
    assert.match(step?.tooltip ?? '', /attempt 1 relinquished \(its worker was drained; run again, no retry used\): handed back by worker w/);
  });
});
