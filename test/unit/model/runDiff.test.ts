import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../runtime/src/model/errorCodes';
import { diffRuns, type DiffableRun } from '../../../runtime/src/model/runDiff';
import type { StepSummary } from '../../../runtime/src/model/runSummary';

const step = (id: string, status: StepSummary['status'], durationMs: number | null, extra: Partial<StepSummary> = {}): StepSummary => ({ id, step: id.replace(/_\d+$/, ''), status, attempts: 1, cached: status === 'cached', durationMs, ...extra });
const run = (runId: string, parameters: Record<string, unknown>, steps: StepSummary[], outputs: Record<string, { name: string; hash: string }[]>, pipeline = 'train'): DiffableRun => ({
  runId,
  runName: `${pipeline}-${runId}`,
  pipeline,
  status: steps.some((s) => s.status === 'failed') ? 'failed' : 'completed',
  createdAt: '2026-12-01T10:00:00.000Z',
  durationMs: 1000,
  steps,
  parameters,
  outputs: Object.fromEntries(Object.entries(outputs).map(([id, list]) => [id, list.map((o) => ({ ...o, type: 'number', materializer: 'json', size: 1 }))])),
});

describe('diffRuns', () => {
  const a = run(
    'a1',
    { count: 2, seed: 7, options: { depth: 3, lr: 0.1 } },
    [step('load', 'completed', 100), step('fit', 'completed', 2000), step('fit_2', 'completed', 300), step('plot', 'completed', 50)],
    { load: [{ name: 'output', hash: 'aaaa' }], fit: [{ name: 'model', hash: 'f1' }, { name: 'score', hash: 's1' }], fit_2: [{ name: 'output', hash: 'x' }], plot: [{ name: 'output', hash: 'p' }] },
  );
  const b = run(
    'b2',
    { count: 6, seed: 7, options: { lr: 0.1, depth: 3 }, extra: true },
    [step('load', 'cached', 5), step('fit', 'failed', 2500, { attempts: 3 }), step('fit_2', 'completed', 200), step('report', 'completed', 10)],
    { load: [{ name: 'output', hash: 'aaaa' }], fit_2: [{ name: 'output', hash: 'y' }], report: [{ name: 'output', hash: 'r' }] },
  );

  it('lists the parameters that differ first, then the equal ones, comparing values whatever their key order', () => {
    const diff = diffRuns(a, b);
    assert.deepEqual(
      diff.parameters.map((p) => [p.name, p.same]),
      [
        ['count', false],
        ['extra', false],
        ['options', true],
        ['seed', true],
      ],
    );
    assert.deepEqual(diff.parameters[1], { name: 'extra', b: true, same: false }, 'a parameter only B has carries no value for A');
    assert.equal(diff.summary.parametersChanged, 2);
  });

  it('tells per invocation added, removed, changed or same, with the duration difference and each output hash', () => {
    const diff = diffRuns(a, b);
    assert.deepEqual(
      diff.steps.map((s) => [s.id, s.change]),
      [
        ['load', 'same'],
        ['fit', 'changed'],
        ['fit_2', 'changed'],
        ['plot', 'removed'],
        ['report', 'added'],
      ],
      "A's order, then what only B has; a cached step with the same outputs as a completed one is the same",
    );
    const [load, fit, fit2, plot, report] = diff.steps;
    assert.equal(load.durationDeltaMs, -95);
    assert.deepEqual(load.outputs, [{ name: 'output', a: 'aaaa', b: 'aaaa', change: 'same' }]);
    assert.deepEqual(fit.b, { status: 'failed', attempts: 3, cached: false, durationMs: 2500 });
    assert.deepEqual(
      fit.outputs.map((o) => [o.name, o.change]),
      [
        ['model', 'removed'],
        ['score', 'removed'],
      ],
    );
    assert.deepEqual(fit2.outputs, [{ name: 'output', a: 'x', b: 'y', change: 'different' }]);
    assert.equal(plot.b, undefined);
    assert.equal(plot.durationDeltaMs, null);
    assert.deepEqual(report.outputs, [{ name: 'output', b: 'r', change: 'added' }]);
    assert.deepEqual(diff.summary, { parametersChanged: 2, added: 1, removed: 1, changed: 2, same: 1, outputsChanged: 5 });
  });

  it('reads outputs from each step of a runs show shape when the run has no outputs map', () => {
    const { outputs: _outputs, ...bare } = a;
    const shown: DiffableRun = { ...bare, runId: 'a2', steps: a.steps.map((s) => ({ ...s, outputs: a.outputs?.[s.id] ?? [] })) };
    assert.deepEqual(
      diffRuns(a, shown).steps.map((s) => s.change),
      ['same', 'same', 'same', 'same'],
    );
  });

  it('compares runs of two pipelines with a warning, and refuses the same run twice', () => {
    const other = { ...b, pipeline: 'serve' };
    const diff = diffRuns(a, other);
    assert.equal(diff.samePipeline, false);
    assert.deepEqual(diff.warnings, ['the runs are of different pipelines (train, serve): invocations are matched by id']);
    assert.deepEqual(diffRuns(a, b).warnings, []);
    assert.throws(() => diffRuns(a, { ...a }), (error: unknown) => error instanceof InputError && /run train-a1 \(a1\) was given twice/.test(error.message));
  });
});
