import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invocationOfArgument, runFromArgument, stepToRun } from '../../../client/src/commandArguments';
import { runArguments } from '../../../client/src/cli';
import { emptyRunsState, reduceRunEvent } from '../../../client/src/runState';
import { buildPipelineTree, buildRunTree } from '../../../client/src/treeModel';

describe('command arguments', () => {
  it('names the invocation of a Runs view step node, and of a node in the earlier `stepId` shape', () => {
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r', runName: 'train-1', pipeline: 'train', status: 'failed', at: 0 });
    state = reduceRunEvent(state, { type: 'step', runId: 'r', invocationId: 'prep/fit_2', stepName: 'fit', status: 'failed', attempt: 1, cached: false, at: 0 });
    const [run] = buildRunTree(state, 10, { intervalMs: 500, timeoutMs: 1500 });
    assert.equal(invocationOfArgument(run.children[0]), 'prep/fit_2');
    assert.equal(invocationOfArgument({ kind: 'step', runId: 'r', stepId: 'fit' }), 'fit');
    assert.equal(invocationOfArgument(run), undefined);
    assert.equal(invocationOfArgument('r'), undefined);
    assert.equal(invocationOfArgument(undefined), undefined);
  });

  it('runs a Pipelines view step node by its step name, not its invocation id', () => {
    const [file] = buildPipelineTree([{ uri: 'file:///w/p.ts', pipeline: 'train', steps: [{ id: 'prep/fit_2', step: 'fit' }], diagnostics: { errors: 0, warnings: 0 } }], ['file:///w']);
    const stepNode = file.children[0].children[0];
    assert.equal(invocationOfArgument(stepNode), 'prep/fit_2');
    assert.equal(stepToRun(stepNode, undefined), 'fit');
    // A code lens or the DAG passes the step's name as the second argument.
    assert.equal(stepToRun('file:///w/p.ts', 'load'), 'load');
    // A node in the earlier shape has no step name: its invocation, as before.
    assert.equal(stepToRun({ kind: 'step', uri: 'file:///w/p.ts', pipeline: 'train', stepId: 'fit' }, undefined), 'fit');
    assert.equal(stepToRun(file.children[0], undefined), undefined);
  });

  it('runs from a step of a run (a Runs view step, the DAG node of the run shown), never from a node that names no run', () => {
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r', runName: 'train-1', pipeline: 'train', status: 'completed', at: 0 });
    state = reduceRunEvent(state, { type: 'step', runId: 'r', invocationId: 'evaluate', stepName: 'evaluate', status: 'completed', attempt: 1, cached: false, at: 0 });
    const [run] = buildRunTree(state, 10, { intervalMs: 500, timeoutMs: 1500 });
    assert.deepEqual(runFromArgument(run.children[0]), { runId: 'r', invocationId: 'evaluate' });
    assert.deepEqual(runFromArgument({ kind: 'step', runId: 'r', invocationId: 'evaluate', uri: 'file:///w/p.ts', pipeline: 'train' }), { runId: 'r', invocationId: 'evaluate', uri: 'file:///w/p.ts', pipeline: 'train' });
    const [file] = buildPipelineTree([{ uri: 'file:///w/p.ts', pipeline: 'train', steps: [{ id: 'evaluate', step: 'evaluate' }], diagnostics: { errors: 0, warnings: 0 } }], ['file:///w']);
    assert.equal(runFromArgument(file.children[0]?.children[0]), undefined, 'a Pipelines view step names no run');
    assert.equal(runFromArgument(run), undefined);
    assert.equal(runFromArgument(undefined), undefined);
    // What it runs: the pipeline from the step, reusing the run (no parameters: the run's are kept).
    assert.deepEqual(runArguments('/w/p.ts', { pipeline: 'train', from: { invocationId: 'evaluate', runId: 'r' } }, {}), ['run', '/w/p.ts', '--detach', '--json', '--pipeline', 'train', '--from', 'evaluate', '--reuse', 'r']);
  });
});
