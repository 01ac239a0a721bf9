import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PipelineGraph } from '../../../contracts/src/graph';
import { defaultsChoice, fittingOutputs, inputTextOfOutput, MAX_INPUT_BYTES, parameterHint, stepInputs } from '../../../client/src/runPrompt';
import { emptyRunsState, withRuns } from '../../../client/src/runState';
import type { RunDetail } from '../../../runtime/src/api/protocol';

/** forecast: load(days) → split → { train → fit, test } → evaluate(mean, test) → publish. */
const forecast: PipelineGraph = {
  uri: 'file:///w/forecast.ts',
  pipeline: 'forecast',
  nodes: [
    { id: 'load', step: 'load', namespace: [], params: ['days'] },
    { id: 'split', step: 'split', namespace: [], params: ['series'], outputs: ['train', 'test'] },
    { id: 'fit', step: 'fit', namespace: [], params: ['train'] },
    { id: 'evaluate', step: 'evaluate', namespace: [], params: ['mean', 'test'], types: { inputs: { mean: 'number', test: 'number[]' }, outputs: { output: 'number' } } } as PipelineGraph['nodes'][number],
  ],
  edges: [
    { from: 'load', fromOutput: 'output', to: 'split', toInput: 'series', kind: 'data' },
    { from: 'split', fromOutput: 'train', to: 'fit', toInput: 'train', kind: 'data' },
    { from: 'fit', fromOutput: 'output', to: 'evaluate', toInput: 'mean', kind: 'data' },
    { from: 'split', fromOutput: 'test', to: 'evaluate', toInput: 'test', kind: 'data' },
  ],
  diagnostics: [],
};

function run(runId: string, createdAt: number, steps: { id: string; status: 'completed' | 'failed' | 'cached'; outputs?: { name: string; type: string; size: number }[] }[]): RunDetail {
  return {
    runId,
    runName: `forecast-${runId}`,
    pipeline: 'forecast',
    status: 'completed',
    createdAt: new Date(createdAt).toISOString(),
    durationMs: 10,
    steps: steps.map((step) => ({ id: step.id, step: step.id, status: step.status, attempts: 1, cached: step.status === 'cached', durationMs: 1 })),
    attempts: {},
    outputs: Object.fromEntries(steps.filter((step) => step.outputs).map((step) => [step.id, (step.outputs ?? []).map((output) => ({ ...output, materializer: 'json', hash: 'h' }))])),
  };
}

describe('the run prompts', () => {
  it("shows a default's value where the analysis knows it, else its source text", () => {
    assert.equal(parameterHint({ type: 'string', default: 'DEFAULT_DATA', defaultValue: '"examples/iris/data/iris.csv"' }), 'string · default "examples/iris/data/iris.csv" (leave empty)');
    assert.equal(parameterHint({ type: 'number', default: 'Math.floor(7.5)' }), 'number · default Math.floor(7.5) (leave empty)');
    assert.equal(parameterHint({ type: 'number' }), 'number · required');
  });

  it('offers "Run with all defaults" only while every parameter left has a default', () => {
    const all = [
      { name: 'path', default: 'DATA', defaultValue: '"rows.csv"' },
      { name: 'depth', default: '3', defaultValue: '3' },
    ];
    assert.deepEqual(defaultsChoice(all, 0), { label: 'Run with all defaults', detail: 'path = "rows.csv", depth = 3' });
    assert.deepEqual(defaultsChoice(all, 1), { label: 'Run with defaults for the rest', detail: 'depth = 3' });
    const mixed = [{ name: 'path' }, { name: 'depth', default: '3', defaultValue: '3' }];
    assert.equal(defaultsChoice(mixed, 0), undefined, 'a required parameter is still to ask');
    assert.equal(defaultsChoice(mixed, 1)?.label, 'Run with defaults for the rest');
    assert.equal(defaultsChoice([], 0), undefined);
  });

  it("asks a step's declared inputs by name and type, with the outputs the pipeline wires into each", () => {
    assert.deepEqual(stepInputs([forecast], 'evaluate'), [
      { name: 'mean', type: 'number', sources: [{ pipeline: 'forecast', invocationId: 'fit', output: 'output' }] },
      { name: 'test', type: 'number[]', sources: [{ pipeline: 'forecast', invocationId: 'split', output: 'test' }] },
    ]);
    assert.deepEqual(stepInputs([forecast], 'load'), [{ name: 'days', sources: [] }]);
    assert.equal(stepInputs([forecast], 'nowhere'), undefined, 'a step no pipeline calls: its inputs are not known');
  });

  it('offers the committed outputs of past runs that fit, newest first', () => {
    const state = withRuns(emptyRunsState, [
      run('old', 1000, [{ id: 'fit', status: 'completed', outputs: [{ name: 'output', type: 'number', size: 17 }] }, { id: 'split', status: 'completed', outputs: [{ name: 'train', type: 'Array', size: 300 }, { name: 'test', type: 'Array', size: 80 }] }]),
      run('new', 2000, [{ id: 'fit', status: 'cached', outputs: [{ name: 'output', type: 'number', size: 18 }] }, { id: 'split', status: 'failed' }]),
    ]);
    const [mean, test] = stepInputs([forecast], 'evaluate') ?? [];
    assert.deepEqual(fittingOutputs(state, mean), [
      { runId: 'new', runName: 'forecast-new', invocationId: 'fit', output: 'output', type: 'number', size: 18 },
      { runId: 'old', runName: 'forecast-old', invocationId: 'fit', output: 'output', type: 'number', size: 17 },
    ]);
    assert.deepEqual(fittingOutputs(state, test).map((c) => [c.runId, c.output]), [['old', 'test']], 'a failed step offers nothing; the named output is the one wired');
    assert.deepEqual(fittingOutputs(state, mean, 1).map((c) => c.runId), ['new']);
  });

  it("passes a picked output as the input's text: JSON as JSON, a JSON string and text as they are; refuses bytes and what is too large", () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    assert.equal(inputTextOfOutput(bytes('[1,2.5,3]'), 'json', 'x'), '[1,2.5,3]');
    assert.equal(inputTextOfOutput(bytes('"rows.csv"'), 'json@1', 'x'), 'rows.csv');
    assert.equal(inputTextOfOutput(bytes('plain words'), 'text', 'x'), 'plain words');
    assert.throws(() => inputTextOfOutput(new Uint8Array([1, 2]), 'bytes', 'output a of s'), /output a of s is stored as bytes, which cannot be passed/);
    assert.throws(() => inputTextOfOutput(new Uint8Array(MAX_INPUT_BYTES + 1), 'json', 'output a of s'), /more than the 65536/);
  });
});
