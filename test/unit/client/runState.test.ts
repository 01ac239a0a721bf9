import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRunsState, pruneRuns, reduceRunEvent, runningCount, withRuns } from '../../../client/src/runState';
import type { RunDetail } from '../../../runtime/src/server/apiProtocol';

const started = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r1', runName: 'train-1', pipeline: 'train', status: 'running', at: 1000 });

describe('run-state reducer', () => {
  it('creates a run from its run event and counts it as running', () => {
    assert.deepEqual(started.order, ['r1']);
    assert.equal(started.runs.r1.status, 'running');
    assert.equal(runningCount(started), 1);
  });

  it('follows a step through attempts, heartbeats and completion', () => {
    let state = reduceRunEvent(started, { type: 'step', runId: 'r1', invocationId: 'fit', stepName: 'fit', status: 'running', attempt: 1, cached: false, at: 1100 });
    state = reduceRunEvent(state, { type: 'heartbeat', runId: 'r1', invocationId: 'fit', attempt: 1, at: 1200 });
    assert.equal(state.runs.r1.steps.fit.heartbeatAt, 1200);
    state = reduceRunEvent(state, { type: 'attempt', runId: 'r1', invocationId: 'fit', attempt: 2, status: 'running', at: 1300 });
    assert.equal(state.runs.r1.steps.fit.attempts, 2);
    assert.equal(state.runs.r1.steps.fit.heartbeatAt, undefined);
    // A late beat of the replaced attempt is ignored.
    state = reduceRunEvent(state, { type: 'heartbeat', runId: 'r1', invocationId: 'fit', attempt: 1, at: 1400 });
    assert.equal(state.runs.r1.steps.fit.heartbeatAt, undefined);
    state = reduceRunEvent(state, { type: 'step', runId: 'r1', invocationId: 'fit', stepName: 'fit', status: 'completed', attempt: 2, cached: false, durationMs: 250, at: 1550 });
    assert.deepEqual(state.runs.r1.steps.fit, { id: 'fit', step: 'fit', status: 'completed', attempts: 2, cached: false, durationMs: 250 });
    state = reduceRunEvent(state, { type: 'run', runId: 'r1', runName: 'train-1', pipeline: 'train', status: 'completed', at: 1600 });
    assert.equal(state.runs.r1.durationMs, 600);
    assert.equal(runningCount(state), 0);
  });

  it('does not mutate the previous state', () => {
    const before = JSON.stringify(started);
    reduceRunEvent(started, { type: 'step', runId: 'r1', invocationId: 'a', stepName: 'a', status: 'failed', attempt: 1, cached: false, error: { name: 'Error', message: 'boom' }, at: 1 });
    assert.equal(JSON.stringify(started), before);
  });

  it('seeds from API details (heartbeat of the running attempt) and prunes finished runs only', () => {
    const detail = (runId: string, createdAt: string, status: 'running' | 'completed'): RunDetail => ({
      runId, runName: runId, pipeline: 'p', status, createdAt, durationMs: null,
      steps: [{ id: 's', step: 's', status: status === 'running' ? 'running' : 'completed', attempts: 1, cached: false, durationMs: null }],
      attempts: { s: [{ attempt: 1, status: status === 'running' ? 'running' : 'completed', runnerPid: 1, error: null, startedAt: 10, endedAt: null, heartbeatAt: 20 }] },
    });
    const state = withRuns(emptyRunsState, [detail('old', '2024-01-01T00:00:00Z', 'running'), detail('new', '2024-02-01T00:00:00Z', 'completed')]);
    assert.deepEqual(state.order, ['new', 'old']);
    assert.equal(state.runs.old.steps.s.heartbeatAt, 20);
    assert.equal(state.runs.new.steps.s.heartbeatAt, undefined);
    assert.deepEqual(pruneRuns(state, 0).order, ['old']);
  });
});
