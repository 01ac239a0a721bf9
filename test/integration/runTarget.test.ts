// What a run runs is a field (a pipeline, or one step), not read from the pipeline's name: a
// pipeline named `step:x` is a pipeline, a single-step run is still shown as `step:NAME`, and
// single-step runs stored before the field existed still resume and retry as single steps.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { RunSummary } from '../../runtime/src/model/runSummary';
import { cli, lastJson } from '../support/cli';
import { tempProject } from '../support/tempDir';

const SOURCE = `import { pipeline, step } from 'pipewright';
export const x = step(function x(n: number): string { return 'step x got ' + n; });
export const other = step(function other(): string { return 'the pipeline ran'; });
export const named = pipeline({ name: 'step:x' }, function stepNamedPipeline() { other(); });
`;

describe('the run target', () => {
  const dir = tempProject();
  const file = path.join(dir, 'targets.ts');
  fs.writeFileSync(file, SOURCE);
  const store = path.join(dir, 'store');

  for (const mode of ['daemon', 'in-process'] as const) {
    it(`a pipeline named "step:x" runs that pipeline, not step x (${mode})`, async () => {
      const result = await cli(['--store', store, 'run', file, '--pipeline', 'step:x', '--json', '--no-cache', ...(mode === 'in-process' ? ['--no-daemon'] : [])], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      const summary = lastJson<RunSummary>(result);
      assert.equal(summary.pipeline, 'step:x');
      assert.deepEqual(summary.steps.map((s) => [s.id, s.status]), [['other', 'completed']]);
      const artifact = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'other']);
      assert.equal(artifact.stdout.trim(), 'the pipeline ran');
    });
  }

  it('a single-step run is still shown as pipeline "step:NAME"', async () => {
    const result = await cli(['--store', store, 'run', file, '--step', 'x', '--param', 'n=3', '--json'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<RunSummary>(result);
    assert.equal(summary.pipeline, 'step:x');
    assert.deepEqual(summary.steps.map((s) => [s.id, s.status]), [['x', 'completed']]);
    const listed = await cli(['--store', store, 'runs', 'list', '--json'], { cwd: dir });
    assert.ok((JSON.parse(listed.stdout) as RunSummary[]).some((run) => run.runId === summary.runId && run.pipeline === 'step:x'), listed.stdout);
  });

  it('a single-step run stored before the target was recorded retries as that step', async () => {
    const result = await cli(['--store', store, 'run', file, '--step', 'x', '--param', 'n=5', '--json', '--no-daemon'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const { runId } = lastJson<RunSummary>(result);
    // What an older pipewright stored: the DAG without its target, the label `step:x`.
    const db = new Database(path.join(store, 'pipewright.db'));
    const row = db.prepare('SELECT dag_json FROM runs WHERE id = ?').get(runId) as { dag_json: string };
    const { target, ...legacy } = JSON.parse(row.dag_json) as { target?: unknown };
    assert.deepEqual(target, { kind: 'step', name: 'x' });
    db.prepare('UPDATE runs SET dag_json = ? WHERE id = ?').run(JSON.stringify(legacy), runId);
    db.close();
    const retry = await cli(['--store', store, 'runs', 'retry', runId, '--step', 'x', '--json'], { cwd: dir });
    assert.equal(retry.code, 0, retry.stderr);
    const retried = lastJson<RunSummary>(retry);
    assert.equal(retried.pipeline, 'step:x');
    assert.deepEqual(retried.steps.map((s) => [s.id, s.status]), [['x', 'completed']]);
    const artifact = await cli(['--store', store, 'artifacts', 'get', retried.runId, 'x']);
    assert.equal(artifact.stdout.trim(), 'step x got 5');
  });
});
