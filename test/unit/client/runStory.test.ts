/** A run's story in the editor: failures in Problems, notifications, and outputs in the Runs view. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureProblems } from '../../../client/src/failureProblems';
import { endNotice, RunNotices, type RunNotice } from '../../../client/src/runNotices';
import { emptyRunsState, reduceRunEvent, withRuns, type RunsState } from '../../../client/src/runState';
import { buildRunTree } from '../../../client/src/treeModel';
import type { RunDetail } from '../../../runtime/src/api/protocol';
import type { EngineEvent } from '../../../runtime/src/model/events';

const roots = { workspace: ['/w'], excluded: ['/w/.pipewright'] };
const boom = { name: 'Error', message: 'publishing is off\nsee gates/', stack: 'Error: publishing is off\nsee gates/\n    at helper (/w/node_modules/pipewright/x.js:1:1)\n    at Object.publish (/w/pipelines/forecast.ts:31:42)' };

function events(state: RunsState, list: EngineEvent[]): RunsState {
  return list.reduce(reduceRunEvent, state);
}

const runStarted = (runId: string, at: number): EngineEvent => ({ type: 'run', runId, runName: `forecast-${runId}`, pipeline: 'forecast', status: 'running', at });
const stepEvent = (runId: string, invocationId: string, status: 'running' | 'failed' | 'completed' | 'skipped', at: number): EngineEvent => ({ type: 'step', runId, invocationId, stepName: invocationId, status, attempt: 1, cached: false, at, ...(status === 'failed' ? { error: boom } : {}) });

describe('failed steps in Problems', () => {
  const failed = events(emptyRunsState, [runStarted('r1', 1), stepEvent('r1', 'load', 'completed', 2), stepEvent('r1', 'publish', 'failed', 3), { type: 'run', runId: 'r1', runName: 'forecast-r1', pipeline: 'forecast', status: 'failed', at: 4 }]);

  it('puts a failed step at the first frame of its stack in the user\'s code, with its whole message', () => {
    assert.deepEqual(failureProblems(failed, roots), [
      { file: '/w/pipelines/forecast.ts', line: 31, column: 42, message: 'step publish failed in run forecast-r1: publishing is off\nsee gates/', pipeline: 'forecast', invocationId: 'publish', runId: 'r1' },
    ]);
  });

  it('keeps it while later runs do not run the step, and drops it once the step runs again', () => {
    const skipped = events(failed, [runStarted('r2', 10), stepEvent('r2', 'publish', 'skipped', 11)]);
    assert.equal(failureProblems(skipped, roots).length, 1, 'a run that skipped the step says nothing about its code');
    const rerun = events(skipped, [runStarted('r3', 20), stepEvent('r3', 'publish', 'running', 21)]);
    assert.deepEqual(failureProblems(rerun, roots), [], 'the step runs again: its old failure is gone');
    const again = events(rerun, [stepEvent('r3', 'publish', 'failed', 22)]);
    assert.equal(failureProblems(again, roots)[0].runId, 'r3');
  });

  it('shows nothing for a failure with no frame in the user\'s code', () => {
    const lost = events(emptyRunsState, [runStarted('r1', 1), { type: 'step', runId: 'r1', invocationId: 'fit', stepName: 'fit', status: 'failed', attempt: 1, cached: false, error: { name: 'Error', message: 'runner lost' }, at: 2 }]);
    assert.deepEqual(failureProblems(lost, roots), []);
  });
});

describe('run notifications', () => {
  function notices() {
    let state = emptyRunsState;
    const shown: RunNotice[] = [];
    const notifier = new RunNotices((notice) => shown.push(notice), (runId) => state.runs[runId]);
    return { shown, notifier, apply: (list: EngineEvent[]) => (state = events(state, list)) };
  }

  it('says a run of this window started while it runs, then how it ended, once', () => {
    const { shown, notifier, apply } = notices();
    apply([runStarted('r1', 1)]);
    notifier.started('r1');
    apply([stepEvent('r1', 'publish', 'failed', 2), { type: 'run', runId: 'r1', runName: 'forecast-r1', pipeline: 'forecast', status: 'failed', at: 3 }]);
    notifier.ended('r1');
    notifier.ended('r1');
    assert.deepEqual(shown.map((notice) => [notice.severity, notice.text, notice.actions]), [
      ['info', 'Pipewright: started forecast-r1', ['Show DAG']],
      ['error', 'Pipewright: forecast-r1 failed at step publish: publishing is off', ['Show DAG', 'Logs', 'Retry', 'Debug Step']],
    ]);
    assert.equal(shown[1].invocationId, 'publish', 'Logs (and Debug Step) opens the failed step');
  });

  it('never says "started" for a run that ended before its submission returned', () => {
    const { shown, notifier, apply } = notices();
    apply([runStarted('r1', 1), stepEvent('r1', 'load', 'completed', 2), { type: 'run', runId: 'r1', runName: 'forecast-r1', pipeline: 'forecast', status: 'completed', at: 3 }]);
    notifier.ended('r1'); // the end arrived before the window knew the run was its own
    notifier.started('r1');
    assert.deepEqual(shown.map((notice) => notice.text), ['Pipewright: forecast-r1 completed (1 step)']);
    assert.deepEqual(shown[0].actions, ['Show DAG', 'Logs']);
  });

  it('says how a run of this window ended, never "started", when its end came before the submission returned and the state read then is older', () => {
    let state = emptyRunsState;
    const shown: RunNotice[] = [];
    const notifier = new RunNotices((notice) => shown.push(notice), (runId) => state.runs[runId]);
    const detail = (status: 'running' | 'completed'): RunDetail => ({
      runId: 'r1', runName: 'forecast-r1', pipeline: 'forecast', status, createdAt: '2026-12-01T10:00:00.000Z', durationMs: 1,
      steps: [{ id: 'load', step: 'load', status, attempts: 1, cached: false, durationMs: 1 }], attempts: { load: [] },
    });
    state = events(state, [runStarted('r1', 1), stepEvent('r1', 'load', 'completed', 2), { type: 'run', runId: 'r1', runName: 'forecast-r1', pipeline: 'forecast', status: 'completed', at: 3 }]);
    notifier.ended('r1'); // the end, heard before the window knew the run was its own
    state = withRuns(state, [detail('running')]); // the submission's own refresh, answered from before the end
    notifier.started('r1');
    assert.deepEqual(shown.map((notice) => notice.text), ['Pipewright: forecast-r1 completed (1 step)']);
    state = withRuns(state, [detail('completed')]);
    notifier.ended('r1');
    assert.equal(shown.length, 1, 'said once');
  });

  it('says only the failures of runs other windows or the CLI started', () => {
    const { shown, notifier, apply } = notices();
    apply([runStarted('r1', 1), { type: 'run', runId: 'r1', runName: 'forecast-r1', pipeline: 'forecast', status: 'completed', at: 2 }]);
    notifier.ended('r1');
    apply([runStarted('r2', 3), { type: 'run', runId: 'r2', runName: 'forecast-r2', pipeline: 'forecast', status: 'crashed', error: 'engine died', at: 4 }]);
    notifier.ended('r2');
    assert.deepEqual(shown.map((notice) => notice.text), ['Pipewright: forecast-r2 crashed: engine died']);
    assert.equal(endNotice(events(emptyRunsState, [runStarted('r3', 1)]).runs.r3).severity, 'error', 'a run that did not complete is an error');
  });
});

describe('outputs in the Runs view', () => {
  it('lists every committed output of a step with its type and size', () => {
    const detail: RunDetail = {
      runId: 'r1', runName: 'forecast-r1', pipeline: 'forecast', status: 'completed', createdAt: '2026-12-01T10:00:00.000Z', durationMs: 20,
      steps: [{ id: 'split', step: 'split', status: 'completed', attempts: 1, cached: false, durationMs: 3 }],
      attempts: { split: [] },
      outputs: { split: [{ name: 'train', type: 'Array', materializer: 'json@1', size: 2400, hash: 'a'.repeat(64) }, { name: 'test', type: 'Array', materializer: 'json@1', size: 610, hash: 'b'.repeat(64) }] },
    };
    const [run] = buildRunTree(withRuns(emptyRunsState, [detail]), 0, { intervalMs: 5000, timeoutMs: 15000 });
    const split = run.children[0];
    assert.deepEqual(split.children.map((node) => [node.kind, node.label, node.description, node.contextValue]), [
      ['output', 'train', 'Array · 2.4 kB', 'output'],
      ['output', 'test', 'Array · 610 B', 'output'],
    ]);
    assert.deepEqual(split.children[1].kind === 'output' && [split.children[1].runId, split.children[1].invocationId, split.children[1].output], ['r1', 'split', 'test'], 'an output node names what Open Artifact opens');
    const rerun = reduceRunEvent(withRuns(emptyRunsState, [detail]), { type: 'step', runId: 'r1', invocationId: 'split', stepName: 'split', status: 'running', attempt: 2, cached: false, at: 5 });
    assert.equal(rerun.runs.r1.steps.split.outputs, undefined, 'a step that runs again has no outputs until it commits them');
  });
});
