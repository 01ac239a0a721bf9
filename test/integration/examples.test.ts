// Runs every example under examples/ with real runner processes and checks the behaviour each
// one describes. Needs the built runtime (npm run build): runners execute runtime/dist.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { registerMaterializer, type Materializer } from '../../runtime/src/artifacts/materializers';
import type { Clock } from '../../runtime/src/engine/clock';
import type { LocalArtifactStore } from '../../runtime/src/artifacts/localArtifactStore';
import { loadArtifact } from '../../runtime/src/launch/publicApi';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import type { RunSummary } from '../../runtime/src/model/runSummary';
import type { ExecutionMode } from '../../runtime/src/model/status';
import type { RunOptions } from '../../runtime/src/sdk/options';
import { withStore } from '../support/cliWorkflow';
import { cli, lastJson } from '../support/cli';
import { repoRoot, tempDir } from '../support/tempDir';

const example = (...parts: string[]) => path.join(repoRoot, 'examples', ...parts);
const irisData = example('iris', 'data', 'iris.csv');

/** A fresh store folder, removed when this file's tests end. */
function newStore(): string {
  return path.join(tempDir('pipewright-examples-'), 'store');
}

function statuses(summary: RunSummary): Record<string, string> {
  return Object.fromEntries(summary.steps.map((s) => [s.id, s.status]));
}

function run(file: string, storeDir: string, parameters: Record<string, unknown> = {}, options: RunOptions = {}, pipeline?: string): Promise<RunSummary> {
  return runPipelineFile({ file, pipeline, parameters, options: { storeDir, ...options } });
}

// What the test needs of examples/iris/model.ts. It is loaded at run time (tsx compiles it), not
// imported statically: the examples are a separate TypeScript project.
interface IrisRowLike {
  sepalLength: number;
  sepalWidth: number;
  petalLength: number;
  petalWidth: number;
  species: string;
}
interface TreeModelLike {
  readonly classes: readonly string[];
  readonly maxDepth: number;
  readonly trainedOn: number;
  predict(rows: readonly Omit<IrisRowLike, 'species'>[]): string[];
  rules(): string[];
}
interface IrisModelModule {
  TreeModel: abstract new (...args: never[]) => TreeModelLike;
  treeModelMaterializer: Materializer;
}
interface Evaluation {
  accuracy: number;
  correct: number;
  total: number;
  classes: string[];
  confusion: number[][];
}

const loadModule = createRequire(__filename);
const irisModel = loadModule(example('iris', 'model.ts')) as IrisModelModule;
// Artifacts are loaded in this process by the engine's own (source) materializer registry, which
// must know the example's custom materializer; the runners register it when they load the bundle.
registerMaterializer(irisModel.treeModelMaterializer, { type: irisModel.TreeModel });

interface CliSummary {
  runId: string;
  runName: string;
  status: string;
  steps: { id: string; status: string; attempts: number }[];
}

describe('examples/iris', () => {
  it('runs like `npm run example` (default data path, from the repository root) and trains an accurate tree', async () => {
    const storeDir = newStore();
    const result = await cli(['--store', storeDir, 'run', 'examples/iris/pipeline.ts', '--json'], { cwd: repoRoot });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const summary = lastJson<CliSummary>(result);
    assert.equal(summary.status, 'completed', JSON.stringify(summary));
    assert.deepEqual(
      summary.steps.map((s) => [s.id, s.status]),
      ['loadRows', 'profile', 'split', 'fit', 'evaluate', 'report'].map((id) => [id, 'completed']),
    );
    assert.match(summary.runName, /^iris-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}_\d{3}$/);

    const evaluation = (await loadArtifact({ run: summary.runId, step: 'evaluate', storeDir })) as Evaluation;
    assert.ok(evaluation.accuracy > 0.85, `accuracy ${evaluation.accuracy}`);
    assert.equal(evaluation.total, 45);
    assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), 45);
    assert.equal(evaluation.confusion.reduce((sum, row, i) => sum + row[i], 0), evaluation.correct);

    const model = await loadArtifact({ run: summary.runId, step: 'fit', storeDir });
    assert.ok(model instanceof irisModel.TreeModel, `fit output is a TreeModel, got ${Object.prototype.toString.call(model)}`);
    const tree = model as TreeModelLike;
    assert.equal(tree.maxDepth, 3);
    assert.equal(tree.trainedOn, 105);
    assert.deepEqual(
      tree.predict([
        { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 },
        { sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6.0, petalWidth: 2.5 },
      ]),
      ['setosa', 'virginica'],
    );
    const reportText = await loadArtifact({ run: summary.runId, step: 'report', storeDir });
    assert.equal(typeof reportText, 'string');
    assert.match(reportText as string, /accuracy: \d+\.\d% \(\d+\/45\)/);
    assert.match(reportText as string, /petalLength < [\d.]+ => setosa \(100%\)/);

    await withStore(storeDir, async (store) => {
      const fit = (await store.getOutputs(summary.runId, 'fit')).output;
      assert.equal(fit.materializer, 'iris-tree-model@1');
      // Stored as plain JSON data, readable without the example's code.
      const stored = JSON.parse(fs.readFileSync((store.artifacts as LocalArtifactStore).pathOf(fit.hash), 'utf8')) as { format: string; tree: { name: string } };
      assert.equal(stored.format, 'pipewright-iris-tree');
      assert.equal(stored.tree.name, 'DTClassifier');
      const dag = (await store.getRun(summary.runId))?.dag ?? { edges: [] } as { edges: { from: string; to: string; kind: string }[] };
      assert.ok(dag.edges.some((e) => e.from === 'profile' && e.to === 'fit' && e.kind === 'order'), 'fit runs after profile');
      const logs = (await store.getLogs(summary.runId)).map((l) => `${l.invocationId}: ${l.text}`).join('');
      assert.match(logs, /loadRows: loaded 150 rows from .*iris\.csv/);
      assert.match(logs, /split: split 150 rows into 105 train \/ 45 test/);
    });
  });

  it('honours examples/iris/run.yaml (parameters, a step parameter and step options)', async () => {
    const storeDir = newStore();
    const result = await cli(['--store', storeDir, 'run', 'examples/iris/pipeline.ts', '--config', 'examples/iris/run.yaml', '--json'], { cwd: repoRoot });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const summary = lastJson<CliSummary>(result);
    assert.equal(summary.status, 'completed');
    assert.match(summary.runName, /^iris-depth4-\d{4}_\d{2}_\d{2}-/);
    const model = (await loadArtifact({ run: summary.runId, step: 'fit', storeDir })) as TreeModelLike;
    assert.equal(model.maxDepth, 4);
    const evaluation = (await loadArtifact({ run: summary.runId, step: 'evaluate', storeDir })) as Evaluation;
    assert.equal(evaluation.total + model.trainedOn, 150);
    assert.ok(evaluation.accuracy > 0.85, `accuracy ${evaluation.accuracy}`);
    await withStore(storeDir, async (store) => {
      assert.match((await store.getLogs(summary.runId, 'split')).map((l) => l.text).join(''), /\(seed 7\)/);
      const options = ((await store.getRun(summary.runId))?.options ?? {}) as { enforceTypeAnnotations?: boolean };
      assert.equal(options.enforceTypeAnnotations, true, 'every step of the example is annotated');
    });
  });

  it('reports bad rows with their line numbers and, in stopOnFailure, starts nothing after', async () => {
    const dir = tempDir('pipewright-examples-');
    const lines = fs.readFileSync(irisData, 'utf8').split('\n');
    lines[3] = '4.7,abc,1.3,0.2,setosa';
    lines[10] = '5.4,3.7,1.5,0.2,Iris-setosa';
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, lines.join('\n'));
    const summary = await run(example('iris', 'pipeline.ts'), path.join(dir, 'store'), { path: bad });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(statuses(summary), { loadRows: 'failed', profile: 'skipped', split: 'skipped', fit: 'skipped', evaluate: 'skipped', report: 'skipped' });
    const error = summary.steps[0].error?.message ?? '';
    assert.match(error, /2 problem\(s\)/);
    assert.match(error, /bad\.csv: line 4: sepal_width "abc" is not a number/);
    assert.match(error, /bad\.csv: line 11: unknown species "Iris-setosa"/);
  });

  it('refuses bad parameters before any step runs', async () => {
    await assert.rejects(run(example('iris', 'pipeline.ts'), newStore(), { path: irisData, maxDepth: 0 }), /maxDepth must be a positive integer, got 0/);
  });
});

describe('examples/features/executionModes.ts', () => {
  const file = example('features', 'executionModes.ts');
  const expected: Record<ExecutionMode, Record<string, string>> = {
    continueOnFailure: { breaks: 'failed', independent: 'completed', afterBreaks: 'skipped', afterIndependent: 'completed' },
    stopOnFailure: { breaks: 'failed', independent: 'completed', afterBreaks: 'skipped', afterIndependent: 'skipped' },
    failFast: { breaks: 'failed', independent: 'cancelled', afterBreaks: 'skipped', afterIndependent: 'skipped' },
  };
  for (const mode of Object.keys(expected) as ExecutionMode[]) {
    it(`${mode}`, async () => {
      // The pipeline's own mode (continueOnFailure) is the default; the others are run options.
      const summary = await run(file, newStore(), {}, mode === 'continueOnFailure' ? {} : { executionMode: mode });
      // The steps' marker folder (left behind when failFast stops `independent`).
      fs.rmSync(path.join(os.tmpdir(), `pipewright-modes-${summary.runId}`), { recursive: true, force: true });
      assert.equal(summary.status, 'failed');
      assert.deepEqual(statuses(summary), expected[mode]);
      assert.match(summary.steps.find((s) => s.id === 'breaks')?.error?.message ?? '', /the upstream service is down/);
    });
  }
});

describe('examples/features/retries.ts', () => {
  const file = example('features', 'retries.ts');

  it('succeeds on the third attempt and records every attempt', async () => {
    const storeDir = newStore();
    const summary = await run(file, storeDir);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.steps.find((s) => s.id === 'flakyFetch')?.attempts, 3);
    assert.equal(await loadArtifact({ run: summary.runId, step: 'mean', storeDir }), 31 / 8);
    await withStore(storeDir, async (store) => {
      const attempts = await store.getAttempts(summary.runId, 'flakyFetch');
      assert.deepEqual(attempts.map((a) => a.status), ['failed', 'failed', 'completed']);
      assert.match(attempts[1].error?.message ?? '', /service unavailable \(attempt 2\)/);
      assert.deepEqual((await store.getLogs(summary.runId, 'flakyFetch', 2)).map((l) => l.text.trim()), ['attempt 2']);
      // Waits of 0.2 s, then 0.4 s between attempts.
      const gap1 = attempts[1].startedAt - (attempts[0].endedAt ?? 0);
      const gap2 = attempts[2].startedAt - (attempts[1].endedAt ?? 0);
      assert.ok(gap1 >= 190 && gap2 >= 390, `gaps ${gap1} ms, ${gap2} ms`);
    });
  });

  it('fails once the retries are exhausted', async () => {
    const summary = await run(file, newStore(), { failures: 5 });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(statuses(summary), { flakyFetch: 'failed', mean: 'skipped' });
    assert.equal(summary.steps[0].attempts, 4);
  });
});

describe('examples/features/caching.ts', () => {
  const file = example('features', 'caching.ts');

  it('reuses outputs on a re-run except where caching is off, and follows the precedence rules', async () => {
    const storeDir = newStore();
    const first = await run(file, storeDir);
    assert.equal(first.status, 'completed');
    assert.ok(first.steps.every((s) => s.status === 'completed'), JSON.stringify(first.steps));
    assert.equal(await loadArtifact({ run: first.runId, step: 'sumOfSquares', storeDir }), 385);

    const second = await run(file, storeDir);
    assert.deepEqual(statuses(second), {
      makeNumbers: 'cached',
      sumOfSquares: 'cached',
      uncachedTotal: 'completed', // .with({ enableCache: false })
      stamp: 'completed', // configure({ enableCache: false })
      summary: 'completed', // its input (the stamp) changed
    });

    // A per-step override of the run beats everything; an unchanged output keeps its dependants cached.
    const third = await run(file, storeDir, {}, { steps: { makeNumbers: { enableCache: false } } });
    assert.equal(statuses(third).makeNumbers, 'completed');
    assert.equal(statuses(third).sumOfSquares, 'cached');

    // A changed parameter re-runs what depends on it.
    const fourth = await run(file, storeDir, { count: 3 });
    assert.equal(statuses(fourth).makeNumbers, 'completed');
    assert.equal(await loadArtifact({ run: fourth.runId, step: 'sumOfSquares', storeDir }), 14);

    const noCache = await run(file, storeDir, {}, { enableCache: false });
    assert.ok(noCache.steps.every((s) => s.status === 'completed'), JSON.stringify(noCache.steps));
  });
});

describe('examples/features/hooks.ts', () => {
  const file = example('features', 'hooks.ts');

  it('a step hook wins over the pipeline hook; without the env var no alert is attached', async () => {
    const storeDir = newStore();
    const summary = await run(file, storeDir);
    assert.equal(summary.status, 'completed');
    await withStore(storeDir, async (store) => {
      const calls = (await store.getHookCalls(summary.runId)).map((c) => [c.invocationId, c.hook, c.source, Number(c.ok)]);
      assert.deepEqual(calls.sort(), [
        ['extract', 'onSuccess', 'pipeline', 1],
        ['publish', 'onSuccess', 'pipeline', 1],
        ['validate', 'onSuccess', 'step', 1],
      ]);
      const logs = (await store.getLogs(summary.runId)).map((l) => l.text).join('');
      assert.match(logs, /validate's own success hook: hooks\/validate/);
      assert.match(logs, /pipeline success hook: hooks\/extract/);
    });
  });

  it('a failure reaches the pipeline failure hook, which posts a webhook alert when PIPEWRIGHT_ALERT_URL is set', async () => {
    const received: Record<string, unknown>[] = [];
    let answer = 204;
    const server = http.createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push({ method: request.method, ...(JSON.parse(body) as Record<string, unknown>) });
        response.statusCode = answer;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.PIPEWRIGHT_ALERT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alert`;
    try {
      const storeDir = newStore();
      const summary = await run(file, storeDir, { strict: true });
      assert.equal(summary.status, 'failed');
      assert.deepEqual(statuses(summary), { extract: 'completed', validate: 'failed', publish: 'skipped' });
      assert.equal(received.length, 1);
      assert.equal(received[0].method, 'POST');
      assert.equal(received[0].event, 'failure');
      assert.equal(received[0].step, 'validate');
      assert.equal(received[0].runId, summary.runId);
      assert.match(String(received[0].error), /odd value/);
      await withStore(storeDir, async (store) => {
        const failure = (await store.getHookCalls(summary.runId)).find((c) => c.invocationId === 'validate');
        assert.deepEqual([failure?.hook, failure?.source, failure && Number(failure.ok)], ['onFailure', 'pipeline', 1]);
      });

      // An alert that cannot be delivered makes the hook fail: recorded, the run's status unchanged.
      answer = 500;
      const againStore = newStore();
      const again = await run(file, againStore, { strict: true });
      assert.equal(again.status, 'failed');
      assert.deepEqual(statuses(again), statuses(summary));
      assert.equal(received.length, 2);
      await withStore(againStore, async (store) => {
        const failure = (await store.getHookCalls(again.runId)).find((c) => c.invocationId === 'validate');
        assert.equal(failure && Number(failure.ok), 0);
        assert.match(failure?.error ?? '', /answered 500/);
      });
    } finally {
      delete process.env.PIPEWRIGHT_ALERT_URL;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('examples/features/composition.ts', () => {
  const file = example('features', 'composition.ts');

  it('inlines the inner pipeline twice under namespaced ids', async () => {
    const storeDir = newStore();
    const summary = await run(file, storeDir, {}, {}, 'report');
    assert.equal(summary.status, 'completed');
    assert.deepEqual(
      summary.steps.map((s) => s.id),
      ['cleanAndScale/dropNegatives', 'cleanAndScale/scale', 'cleanAndScale_2/dropNegatives', 'cleanAndScale_2/scale', 'merge'],
    );
    assert.deepEqual(await loadArtifact({ run: summary.runId, step: 'merge', storeDir }), [10, 30, 40, 500, 600]);
  });

  it('runs the inner pipeline on its own', async () => {
    const storeDir = newStore();
    const summary = await run(file, storeDir, { values: [1, -2, 3], factor: 2 }, {}, 'cleanAndScale');
    assert.equal(summary.status, 'completed');
    assert.deepEqual(summary.steps.map((s) => s.id), ['dropNegatives', 'scale']);
    assert.deepEqual(await loadArtifact({ run: summary.runId, step: 'scale', storeDir }), [2, 6]);
  });
});

describe('examples/features/fanOutFanIn.ts', () => {
  it('fans out in a loop, fans in a list, and fans out at run time with child runs', async () => {
    const storeDir = newStore();
    const summary = await run(example('features', 'fanOutFanIn.ts'), storeDir, {}, {}, 'fanOutFanIn');
    assert.equal(summary.status, 'completed', JSON.stringify(summary));
    assert.deepEqual(summary.steps.map((s) => s.id), ['measure', 'measure_2', 'measure_3', 'total', 'tokenize', 'measureEach', 'dynamicTotal']);
    assert.equal(await loadArtifact({ run: summary.runId, step: 'total', storeDir }), 5 + 4 + 5);
    assert.deepEqual(await loadArtifact({ run: summary.runId, step: 'measureEach', storeDir }), [3, 5, 5, 3, 5]);
    assert.equal(await loadArtifact({ run: summary.runId, step: 'dynamicTotal', storeDir }), 21);
    await withStore(storeDir, async (store) => {
      const children = await store.listRuns({ pipeline: 'wordLength' });
      assert.equal(children.length, 5);
      assert.ok(children.every((c) => c.parentRunId === summary.runId && c.parentInvocation === 'measureEach' && c.status === 'completed'));
    });
  });
});

describe('examples/features/materializers.ts', () => {
  it('round-trips built-in kinds, a registered class and a per-output materializer between processes', async () => {
    const storeDir = newStore();
    const summary = await run(example('features', 'materializers.ts'), storeDir);
    assert.equal(summary.status, 'completed', JSON.stringify(summary));
    assert.deepEqual(await loadArtifact({ run: summary.runId, step: 'inspect', storeDir }), ['Map', 'Set', 'Date', 'bigint', 'Buffer', 'Temperature', 'csv']);
    await withStore(storeDir, async (store) => {
      const outputs = await store.getOutputs(summary.runId, 'collect');
      assert.deepEqual(
        Object.fromEntries(Object.entries(outputs).map(([name, ref]) => [name, ref.materializer])),
        { readings: 'structured@1', raw: 'buffer@1', latest: 'temperature@1', table: 'example-csv@1' },
      );
      assert.equal(fs.readFileSync((store.artifacts as LocalArtifactStore).pathOf(outputs.table.hash), 'utf8'), 'station,note\noslo,"snow, ""light"""\nlisbon,clear');
      assert.deepEqual(JSON.parse(fs.readFileSync((store.artifacts as LocalArtifactStore).pathOf(outputs.latest.hash), 'utf8')), { celsius: 17.25, station: 'lisbon' });
    });
  });
});

describe('examples/features/runNames.ts', () => {
  const file = example('features', 'runNames.ts');

  it('expands templates and substitutions, and refuses a name that is taken', async () => {
    const storeDir = newStore();
    const nightly = await run(file, storeDir, {}, {}, 'nightly');
    assert.match(nightly.runName, /^nightly-eu-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}_\d{3}$/);
    const us = await run(file, storeDir, {}, { substitutions: { region: 'us' } }, 'nightly');
    assert.match(us.runName, /^nightly-us-/);
    const release = await run(file, storeDir, {}, { runName: 'release-{region}-{pipeline}', substitutions: { region: 'apac' } }, 'nightly');
    assert.equal(release.runName, 'release-apac-nightly');
    await assert.rejects(
      run(file, storeDir, {}, { runName: 'release-{region}-{pipeline}', substitutions: { region: 'apac' } }, 'nightly'),
      (error: Error) => error.name === 'RunNameTakenError' && /release-apac-nightly/.test(error.message),
    );
  });

  it('adds a counter when the default template clashes', async () => {
    const storeDir = newStore();
    // A clock frozen at one instant makes two runs expand the default template identically.
    const at = Date.parse('2026-01-15T06:00:00.000Z');
    const clock: Clock = {
      now: () => at,
      setTimer(delayMs, fn) {
        const timer = setTimeout(fn, delayMs);
        return () => clearTimeout(timer);
      },
    };
    const first = await runPipelineFile({ file, pipeline: 'adhoc', options: { storeDir }, clock });
    const second = await runPipelineFile({ file, pipeline: 'adhoc', options: { storeDir }, clock });
    assert.equal(first.runName, 'adhoc-2026_01_15-06_00_00_000');
    assert.equal(second.runName, 'adhoc-2026_01_15-06_00_00_000-2');
  });
});
