import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { LocalArtifactStore } from '../../runtime/src/artifacts/localArtifactStore';
import { loadArtifact } from '../../runtime/src/launch/publicApi';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { withStore } from '../support/cliWorkflow';
import { fixture, tempDir } from '../support/tempDir';

describe('a run end to end (real runners, real SQLite file)', () => {
  const dir = tempDir();
  const storeDir = path.join(dir, 'store');

  it('builds the DAG, runs every step, stores outputs, logs and transitions', async () => {
    const summary = await runPipelineFile({ file: fixture('pipelines', 'basics.ts'), parameters: { count: 8 }, options: { storeDir } });
    assert.equal(summary.status, 'completed', JSON.stringify(summary));
    assert.deepEqual(
      summary.steps.map((s) => s.id),
      ['makeRows', 'split', 'total', 'total_2', 'total_3', 'combine', 'final_report'],
    );
    assert.match(summary.runName, /^basics-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}_\d{3}$/);
    assert.ok(fs.existsSync(path.join(storeDir, 'pipewright.db')));
    // train = x in 0..7 with x % 4 != 0 = 1+2+3+5+6+7 = 24; scales 1,2,3 => 24*6 = 144
    assert.equal(await loadArtifact({ run: summary.runId, step: 'combine', storeDir }), 144);
    assert.equal(await loadArtifact({ run: summary.runName, step: 'final_report', storeDir }), 'sum: 144');
    assert.deepEqual(await loadArtifact({ run: summary.runId, step: 'split', output: 'test', storeDir }), [
      { x: 0, label: 'even' },
      { x: 4, label: 'even' },
    ]);
    await withStore(storeDir, async (store) => {
      const logs = await store.getLogs(summary.runId);
      assert.ok(logs.some((l) => l.invocationId === 'makeRows' && l.stream === 'stdout' && l.text.includes('making 8 rows')));
      assert.ok(logs.some((l) => l.invocationId === 'combine' && l.stream === 'stderr' && l.text.includes('combining 3 parts')));
      const transitions = await store.getTransitions(summary.runId);
      const combine = transitions.filter((t) => t.invocationId === 'combine' && t.attempt === null).map((t) => t.status);
      assert.deepEqual(combine, ['running', 'completed']);
      assert.ok(transitions.every((t) => Number.isInteger(t.at) && t.at > 0));
      const dag = (await store.getRun(summary.runId))?.dag ?? { edges: [] };
      assert.ok(dag.edges.some((e: { from: string; to: string; kind: string }) => e.from === 'split' && e.to === 'final_report' && e.kind === 'order'));
      assert.equal(dag.edges.filter((e: { to: string; toInput?: string }) => e.to === 'combine' && e.toInput === 'parts').length, 3);
    });
  });

  it('reuses every output on an identical re-run and marks steps cached', async () => {
    const summary = await runPipelineFile({ file: fixture('pipelines', 'basics.ts'), parameters: { count: 8 }, options: { storeDir } });
    assert.equal(summary.status, 'completed');
    assert.ok(summary.steps.every((s) => s.status === 'cached' && s.cached), JSON.stringify(summary.steps));
    assert.equal(await loadArtifact({ run: summary.runId, step: 'combine', storeDir }), 144);
  });

  it('re-runs a cached step whose stored output is gone instead of reusing the entry', async () => {
    const ownStore = path.join(tempDir(), 'store');
    const first = await runPipelineFile({ file: fixture('pipelines', 'basics.ts'), parameters: { count: 5 }, options: { storeDir: ownStore } });
    assert.equal(first.status, 'completed', JSON.stringify(first));
    await withStore(ownStore, async (store) => {
      const report = (await store.getOutputs(first.runId, 'final_report')).output!;
      fs.rmSync((store.artifacts as LocalArtifactStore).pathOf(report.hash));
    });
    const second = await runPipelineFile({ file: fixture('pipelines', 'basics.ts'), parameters: { count: 5 }, options: { storeDir: ownStore } });
    assert.equal(second.status, 'completed', JSON.stringify(second));
    assert.deepEqual(second.steps.filter((s) => !s.cached).map((s) => [s.id, s.status]), [['final_report', 'completed']]);
    assert.equal(await loadArtifact({ run: second.runId, step: 'final_report', storeDir: ownStore }), await loadArtifact({ run: first.runId, step: 'final_report', storeDir: ownStore }));
  });

  it('re-runs exactly the steps whose inputs changed', async () => {
    const summary = await runPipelineFile({ file: fixture('pipelines', 'basics.ts'), parameters: { count: 8, scales: [1, 2, 4] }, options: { storeDir } });
    const byId = Object.fromEntries(summary.steps.map((s) => [s.id, s.status]));
    assert.deepEqual(byId, {
      makeRows: 'cached',
      split: 'cached',
      total: 'cached',
      total_2: 'cached',
      total_3: 'completed',
      combine: 'completed',
      final_report: 'completed',
    });
  });

  it('--no-cache style run option disables the cache', async () => {
    const summary = await runPipelineFile({ file: fixture('pipelines', 'basics.ts'), parameters: { count: 8 }, options: { storeDir, enableCache: false } });
    assert.ok(summary.steps.every((s) => s.status === 'completed'));
  });
});

describe('retries with real processes', () => {
  it('records each attempt and completes on the third', async () => {
    const storeDir = path.join(tempDir(), 'store');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'retries.ts'), parameters: { succeedOn: 3 }, options: { storeDir } });
    assert.equal(summary.status, 'completed');
    assert.equal(summary.steps[0].attempts, 3);
    await withStore(storeDir, async (store) => {
      const attempts = await store.getAttempts(summary.runId, 'flaky');
      assert.deepEqual(attempts.map((a) => a.status), ['failed', 'failed', 'completed']);
      assert.match(attempts[0].error?.message ?? '', /flaky failure on attempt 1/);
      // delay 0.05 s then 0.1 s: the gaps between attempts grow.
      const gap1 = attempts[1].startedAt - (attempts[0].endedAt ?? 0);
      const gap2 = attempts[2].startedAt - (attempts[1].endedAt ?? 0);
      assert.ok(gap1 >= 45 && gap2 >= 95, `gaps ${gap1} ${gap2}`);
      assert.deepEqual((await store.getLogs(summary.runId, 'flaky', 2)).map((l) => l.text.trim()), ['attempt 2']);
    });
  });

  it('fails the step when retries are exhausted', async () => {
    const storeDir = path.join(tempDir(), 'store');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'retries.ts'), parameters: { succeedOn: 1, includeDoomed: true }, options: { storeDir } });
    assert.equal(summary.status, 'failed');
    const doomed = summary.steps.find((s) => s.id === 'doomed');
    assert.equal(doomed?.status, 'failed');
    assert.equal(doomed?.attempts, 2);
    assert.match(doomed?.error?.message ?? '', /always fails/);
  });
});

describe('hooks', () => {
  it('step hooks win over pipeline hooks; a throwing hook is recorded and the run still completes', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'hooks.log');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'hooks.ts'), parameters: { log }, options: { storeDir: path.join(dir, 'store') } });
    assert.equal(summary.status, 'completed');
    assert.match(summary.runName, /^hooks-vanilla-\d{2}_\d{2}_\d{2}_\d{3}$/);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').sort();
    assert.deepEqual(lines, [`pipeline-success plain attempt=1 run=${summary.runName}`, `step-success own attempt=1 run=${summary.runName}`]);
    await withStore(path.join(dir, 'store'), async (store) => {
      const calls = (await store.getHookCalls(summary.runId)).map((c) => [c.invocationId, c.hook, c.source, Number(c.ok), c.error]);
      assert.deepEqual(calls.sort(), [
        ['loud', 'onSuccess', 'step', 0, 'hook exploded'],
        ['own', 'onSuccess', 'step', 1, null],
        ['plain', 'onSuccess', 'pipeline', 1, null],
      ]);
    });
  });

  it('failure hooks get the error', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'hooks.log');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'hooks.ts'), parameters: { log, fail: true }, options: { storeDir: path.join(dir, 'store'), runName: 'failing' } });
    assert.equal(summary.status, 'failed');
    const lines = fs.readFileSync(log, 'utf8');
    assert.match(lines, /step-failure\(own failed\) own attempt=1 run=failing/);
  });
});

describe('run names', () => {
  it('refuses a second run with the same name for the same pipeline', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, 'store');
    const log = path.join(dir, 'log');
    await runPipelineFile({ file: fixture('pipelines', 'hooks.ts'), parameters: { log }, options: { storeDir, runName: 'nightly-{flavour}', substitutions: { flavour: 'mint' } } });
    await assert.rejects(
      runPipelineFile({ file: fixture('pipelines', 'hooks.ts'), parameters: { log }, options: { storeDir, runName: 'nightly-{flavour}', substitutions: { flavour: 'mint' } } }),
      (error: Error) => error.name === 'RunNameTakenError' && /nightly-mint/.test(error.message),
    );
    await assert.rejects(
      runPipelineFile({ file: fixture('pipelines', 'hooks.ts'), parameters: { log }, options: { storeDir, runName: 'x-{nope}' } }),
      /unknown placeholder \{nope\}/,
    );
  });
});

describe('composition, fan-in and dynamic fan-out', () => {
  it('inlines sub-pipelines under namespaced ids and fans in a list', async () => {
    const storeDir = path.join(tempDir(), 'store');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'composition.ts'), pipeline: 'composed', parameters: { a: 1, b: 10 }, options: { storeDir } });
    assert.equal(summary.status, 'completed');
    assert.deepEqual(
      summary.steps.map((s) => s.id),
      ['preprocess/double', 'preprocess/double_2', 'preprocess_2/double', 'preprocess_2/double_2', 'double', 'addAll'],
    );
    assert.equal(await loadArtifact({ run: summary.runId, step: 'addAll', storeDir }), 4 + 40 + 2);
  });

  it('starts child runs from a step and awaits their outputs', async () => {
    const storeDir = path.join(tempDir(), 'store');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'composition.ts'), pipeline: 'dynamic', parameters: { count: 4 }, options: { storeDir } });
    assert.equal(summary.status, 'completed');
    assert.equal(await loadArtifact({ run: summary.runId, step: 'addAll', storeDir }), 1 + 4 + 9 + 16);
    await withStore(storeDir, async (store) => {
      const children = await store.listRuns({ pipeline: 'squareOne' });
      assert.equal(children.length, 4);
      assert.ok(children.every((c) => c.parentRunId === summary.runId && c.parentInvocation === 'fanOut' && c.status === 'completed'));
    });
  });
});

describe('artifacts and materializers', () => {
  it('round-trips every built-in kind and a custom materializer between runner processes', async () => {
    const storeDir = path.join(tempDir(), 'store');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'materials.ts'), options: { storeDir } });
    assert.equal(summary.status, 'completed', JSON.stringify(summary));
    assert.deepEqual(await loadArtifact({ run: summary.runId, step: 'inspect', storeDir }), [
      'map', 'set', 'date', 'bigint', 'typedArray', 'undefined', 'nan', 'bytes', 'buffer', 'text', 'model',
    ]);
    await withStore(storeDir, async (store) => {
      const outputs = await store.getOutputs(summary.runId, 'produce');
      assert.deepEqual(
        Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.materializer])),
        { everything: 'structured@1', bytes: 'bytes@1', buffer: 'buffer@1', text: 'text@1', plain: 'json@1', model: 'fixture-model@1' },
      );
      assert.equal(fs.readFileSync((store.artifacts as LocalArtifactStore).pathOf(outputs.text.hash), 'utf8'), 'hello\nworld');
    });
  });
});

describe('types', () => {
  it('refuses to run when enforceTypeAnnotations is on, naming each gap', async () => {
    const storeDir = path.join(tempDir(), 'store');
    await assert.rejects(
      runPipelineFile({ file: fixture('pipelines', 'typing.ts'), pipeline: 'loose', options: { storeDir, enforceTypeAnnotations: true } }),
      (error: Error) => error.name === 'TypeAnnotationError' && /step "untyped" .*typing\.ts:\d+:\d+\): parameter 'value' has no type annotation/.test(error.message) && /return type is not annotated/.test(error.message),
    );
    process.env.PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS = 'true';
    try {
      await assert.rejects(runPipelineFile({ file: fixture('pipelines', 'typing.ts'), pipeline: 'loose', options: { storeDir } }), /enforceTypeAnnotations is on/);
    } finally {
      delete process.env.PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS;
    }
    const allowed = await runPipelineFile({ file: fixture('pipelines', 'typing.ts'), pipeline: 'loose', options: { storeDir } });
    assert.equal(allowed.status, 'completed');
  });

  it('checks values crossing between steps against the declared types', async () => {
    const storeDir = path.join(tempDir(), 'store');
    const summary = await runPipelineFile({ file: fixture('pipelines', 'typing.ts'), pipeline: 'mismatch', options: { storeDir } });
    assert.equal(summary.status, 'failed');
    const sum = summary.steps.find((s) => s.id === 'sum');
    assert.equal(sum?.attempts, 1);
    assert.match(sum?.error?.message ?? '', /step "sum" input "values": .*\[0\].*expected number/);
  });
});
