import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { emptyRunsState, pruneRuns, reduceRunEvent, retriedRun, runForPanel, runningCount, withRuns } from '../../../client/src/runState';
import { DAG_VIEW_TYPE } from '../../../contracts/src/panelState';
import type { RunDetail } from '../../../runtime/src/api/protocol';

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

  it('names the run a retry retries, and no parent for a child run of another pipeline', () => {
    const detail = (runId: string, runName: string, pipeline: string, parentRunId?: string): RunDetail => ({
      runId, runName, pipeline, status: 'completed', createdAt: '2024-01-01T00:00:00Z', durationMs: null, steps: [], attempts: {}, ...(parentRunId ? { parentRunId } : {}),
    });
    const state = withRuns(emptyRunsState, [detail('a', 'train-1', 'train'), detail('b', 'train-1-retry', 'train', 'a'), detail('c', 'fanout-1', 'fanout', 'a'), detail('d', 'train-0-retry-2', 'train', 'gone'), detail('e', 'child-3', 'child', 'gone')]);
    assert.equal(state.runs.b.parentRunId, 'a');
    assert.equal(retriedRun(state, state.runs.b), 'train-1', 'a retry of a known run: its name');
    assert.equal(retriedRun(state, state.runs.a), undefined);
    assert.equal(retriedRun(state, state.runs.c), undefined, 'a child run of another pipeline is no retry');
    assert.equal(retriedRun(state, state.runs.d), 'gone', 'a retry whose source is not loaded: its id');
    assert.equal(retriedRun(state, state.runs.e), undefined);
    // A run event for a known run keeps its parent link.
    const after = reduceRunEvent(state, { type: 'run', runId: 'b', runName: 'train-1-retry', pipeline: 'train', status: 'running', at: 5 });
    assert.equal(retriedRun(after, after.runs.b), 'train-1');
  });

  it('shows a DAG panel the run it follows, else the latest of its pipeline, unless it waits for a restored run', () => {
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'old', runName: 'train-1', pipeline: 'train', status: 'completed', at: 1 });
    state = reduceRunEvent(state, { type: 'run', runId: 'other', runName: 'eval-1', pipeline: 'eval', status: 'running', at: 2 });
    state = reduceRunEvent(state, { type: 'run', runId: 'new', runName: 'train-2', pipeline: 'train', status: 'running', at: 3 });
    assert.equal(runForPanel(state, 'train', null, false)?.runId, 'new');
    assert.equal(runForPanel(state, 'train', 'old', false)?.runId, 'old');
    assert.equal(runForPanel(state, 'train', 'other', false)?.runId, 'new', 'a run of another pipeline is never shown');
    assert.equal(runForPanel(state, 'train', 'gone', true), undefined, 'a restored panel waits for its run to load');
    assert.equal(runForPanel(state, 'train', 'old', true)?.runId, 'old');
    assert.equal(runForPanel(emptyRunsState, 'train', null, false), undefined);
  });

  it('activates the extension to restore DAG panels after a window reload', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { activationEvents: string[] };
    assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${DAG_VIEW_TYPE}`));
  });
});
