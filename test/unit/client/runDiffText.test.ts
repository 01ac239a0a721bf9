import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDiffText } from '../../../client/src/runDiffText';
import { comparableRuns, emptyRunsState, reduceRunEvent } from '../../../client/src/runState';
import { diffRuns, type DiffableRun } from '../../../runtime/src/model/runDiff';

const run = (runId: string, pipeline: string, parameters: Record<string, unknown>, hash: string): DiffableRun => ({
  runId: `${runId}-0000-0000`,
  runName: `${pipeline}-${runId}`,
  pipeline,
  status: 'completed',
  createdAt: '2026-12-01T10:00:00.000Z',
  durationMs: 1500,
  parameters,
  steps: [
    { id: 'load', step: 'load', status: 'completed', attempts: 1, cached: false, durationMs: 1200 },
    { id: 'fit', step: 'fit', status: 'completed', attempts: 2, cached: false, durationMs: 300 },
  ],
  outputs: { load: [{ name: 'output', type: 'Array', materializer: 'json', size: 10, hash: 'a'.repeat(64) }], fit: [{ name: 'model', type: 'Object', materializer: 'json', size: 10, hash }] },
});

describe('Compare with…', () => {
  it('writes both runs, the parameters that differ and one row per invocation as Markdown tables', () => {
    const text = runDiffText(diffRuns(run('r1', 'train', { depth: 3, seed: 1 }, 'b'.repeat(64)), run('r2', 'train', { depth: 5, seed: 1 }, 'c'.repeat(64))));
    assert.match(text, /^# train-r1 ↔ train-r2\n/);
    assert.match(text, /\| A \| train-r1 \(`r1-0000-`\) \| train \| completed \| 1\.5 s \|/);
    assert.match(text, /\| depth \| `3` \| `5` \|\n\n1 more equal\./);
    assert.match(text, /\| load \| same \| completed · 1\.2 s \| completed · 1\.2 s \| \+0 ms \| output = \|/);
    assert.match(text, /\| fit \| \*\*changed\*\* \| completed · 300 ms · 2 attempts \| .* \| \*\*model\*\* `bbbbbbbbbbbb` ≠ `cccccccccccc` \|/);
    assert.doesNotMatch(text, /Warning/);
  });

  it('carries the warning of runs of two pipelines, and keeps table cells whole', () => {
    const text = runDiffText(diffRuns(run('r1', 'train', { note: 'a|b' }, 'b'.repeat(64)), run('r3', 'serve', {}, 'b'.repeat(64))));
    assert.match(text, /> \*\*Warning:\*\* the runs are of different pipelines \(train, serve\)/);
    assert.match(text, /\| note \| `"a\\\|b"` \| \(absent\) \|/);
    assert.match(runDiffText(diffRuns(run('r4', 'train', {}, 'b'.repeat(64)), run('r5', 'train', {}, 'b'.repeat(64)))), /## Parameters\n\nNeither run has parameters \(defaults are not stored\)\./);
  });

  it('offers the other runs of the same pipeline, newest first', () => {
    let state = emptyRunsState;
    for (const [id, pipeline, at] of [['r1', 'train', 1], ['r2', 'serve', 2], ['r3', 'train', 3], ['r4', 'train', 4]] as const) {
      state = reduceRunEvent(state, { type: 'run', runId: id, runName: `${pipeline}-${id}`, pipeline, status: 'completed', at });
    }
    assert.deepEqual(
      comparableRuns(state, state.runs.r3).map((r) => r.runId),
      ['r4', 'r1'],
    );
  });
});
