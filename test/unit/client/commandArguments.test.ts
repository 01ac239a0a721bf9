import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invocationOfArgument, stepToRun } from '../../../client/src/commandArguments';
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
});
