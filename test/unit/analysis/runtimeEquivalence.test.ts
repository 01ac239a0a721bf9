/**
 * The static DAG must be the DAG the runtime compiles (same ids, same edges) for every pipeline of
 * every example and runtime fixture, and of the analysis fixtures. Each pipeline is compiled by
 * importing its module (tsx) and calling `.compile(parameters)`. Nothing is skipped: a pipeline
 * whose DAG depends on a run-time value is listed in DYNAMIC with the reason, and the test still
 * checks everything the static DAG does know.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { PipelineDag } from '../../../runtime/src/model/dag';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import type { StaticPipeline } from '../../../server/src/analysis/model';
import { fixture, repoRoot } from '../../support/tempDir';
import { edgeKeys } from './helpers';

interface Compilable {
  name: string;
  compile(parameters?: Record<string, unknown>): PipelineDag;
}

/** Parameters for pipelines that have required ones (file relative to the repo root → pipeline → parameters). */
const PARAMETERS: Record<string, Record<string, Record<string, unknown>>> = {
  'examples/features/composition.ts': { cleanAndScale: { values: [3, -1, 4], factor: 2 } },
  'examples/features/fanOutFanIn.ts': { wordLength: { word: 'alpha' } },
  'test/fixtures/pipelines/basics.ts': { basics: { count: 4 } },
  'test/fixtures/pipelines/burst.ts': { burst: { dir: '/tmp', count: 2 } },
  'test/fixtures/pipelines/debugging.ts': { debugging: { count: 5, factor: 30 } },
  'test/fixtures/pipelines/deep.ts': { deep: { depth: 3 } },
  'test/fixtures/pipelines/diskFull.ts': { diskFull: { gateDir: '/tmp' } },
  'test/fixtures/pipelines/cluster.ts': { fanOut: { dir: '/tmp', width: 3, ms: 1 }, patientFanOut: { dir: '/tmp', width: 3, ms: 1 } },
  'test/fixtures/pipelines/composition.ts': { preprocess: { value: 1 }, squareOne: { value: 2 }, composed: { a: 1, b: 2 }, dynamic: { count: 3 } },
  'test/fixtures/pipelines/faults.ts': { faults: { dir: '/tmp' }, restartable: { dir: '/tmp' }, busyLoop: { ms: 1 } },
  'test/fixtures/pipelines/crashes.ts': { longChain: { dir: '/tmp' }, bulkyOutput: { dir: '/tmp' } },
  'test/fixtures/pipelines/leaseCommit.ts': { unhurriedRun: { dir: '/tmp' } },
  'test/fixtures/pipelines/fixable.ts': { fixable: { dir: '/tmp' } },
  'test/fixtures/pipelines/hooks.ts': { hooks: { log: '/tmp/log' } },
  'test/fixtures/pipelines/launcher.ts': { wired: { n: 2 } },
  'test/fixtures/pipelines/limited.ts': { limited: { dir: '/tmp' } },
  'test/fixtures/pipelines/modes.ts': { modes: { dir: '/tmp' } },
  'test/fixtures/pipelines/pools.ts': { wide: { dir: '/tmp', ms: 1 }, heldIn: { dir: '/tmp', pool: 'gpu' } },
  'test/fixtures/pipelines/labels.ts': { gatedOn: { dir: '/tmp', accelerator: 'tpu' } },
  // Both branches of `if (includeDoomed) doomed()` are in the static DAG: compile the run that takes it.
  'test/fixtures/pipelines/retries.ts': { retries: { succeedOn: 1, includeDoomed: true } },
  'test/fixtures/pipelines/slow.ts': { slow: { marker: '/tmp/marker' } },
  'test/fixtures/pipelines/runFrom.ts': { scored: { dir: '/tmp', mean: 1 }, other: { dir: '/tmp' } },
  'test/fixtures/analysis/dag/features.ts': { inner: { value: 1 }, middle: { value: 1 }, dynamicLoops: { count: 3 } },
};

/**
 * Pipelines whose static DAG cannot equal the compiled one, and why. For these the test checks that
 * the static nodes not marked dynamic are compiled with the same ids and edges, and that every
 * other compiled node is an invocation of a step the static DAG marked dynamic.
 */
const DYNAMIC: Record<string, Record<string, string>> = {
  'test/fixtures/analysis/dag/features.ts': {
    dynamicLoops: 'its loops are bounded by the `count` parameter (and a while loop), known only when the run is built',
  },
  'test/fixtures/pipelines/cluster.ts': {
    fanOut: 'its fan-out is `Array.from` of the `width` parameter, known only when the run is built',
    patientFanOut: 'its fan-out is `Array.from` of the `width` parameter, known only when the run is built',
  },
};

/** Pipelines written not to compile (a launcher's compile-error contract), with the error the runtime gives. */
const COMPILE_ERRORS: Record<string, Record<string, RegExp>> = {
  'test/fixtures/pipelines/launcher.ts': { miswired: /step "add" takes 2 argument\(s\) but was given 3/ },
  'test/fixtures/pipelines/collectsGarbage.ts': { miswiredAfterCollecting: /step "failsAfterCollecting" takes 1 argument\(s\) but was given 2/ },
};

function pipelineFiles(): string[] {
  const dirs = [path.join(repoRoot, 'examples', 'features'), fixture('pipelines')];
  const files = [path.join(repoRoot, 'examples', 'iris', 'pipeline.ts'), fixture('analysis', 'dag', 'features.ts'), fixture('analysis', 'dag', 'options.ts')];
  for (const dir of dirs) files.push(...fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f)));
  return files.sort();
}

async function compiled(file: string, pipeline: string, parameters: Record<string, unknown>): Promise<PipelineDag> {
  const module = (await import(file)) as Record<string, unknown>;
  const found = Object.values(module).find((value): value is Compilable => typeof value === 'function' && (value as Partial<Compilable>).name === pipeline && typeof (value as Partial<Compilable>).compile === 'function');
  assert.ok(found, `${path.relative(repoRoot, file)} exports pipeline ${pipeline}, so it can be compiled`);
  return found.compile(parameters);
}

function assertSame(staticDag: StaticPipeline, runtimeDag: PipelineDag, label: string): void {
  assert.deepEqual(staticDag.nodes.map((n) => n.id), runtimeDag.nodes.map((n) => n.id), `${label}: ids (in invocation order)`);
  assert.deepEqual(edgeKeys(staticDag.edges), edgeKeys(runtimeDag.edges), `${label}: edges`);
  staticDag.nodes.forEach((node, index) => {
    const compiled = runtimeDag.nodes[index];
    assert.equal(node.step, compiled.step, `${label} ${node.id}: step name`);
    assert.deepEqual(node.namespace, compiled.namespace, `${label} ${node.id}: namespace`);
    assert.deepEqual(node.params, compiled.params, `${label} ${node.id}: parameter names`);
    assert.deepEqual(node.outputs, compiled.outputs, `${label} ${node.id}: outputs`);
    // Options the static view reads (literal ones) must be what the runtime merged.
    const { hooks, ...rest } = node.options;
    const runtimeOptions = { ...compiled.options } as Record<string, unknown>;
    assert.deepEqual(hooks ?? {}, runtimeOptions.hooks, `${label} ${node.id}: hooks and where they come from`);
    for (const [key, value] of Object.entries(rest)) assert.deepEqual(value, runtimeOptions[key], `${label} ${node.id}: option ${key}`);
  });
}

function assertSameWhereKnown(staticDag: StaticPipeline, runtimeDag: PipelineDag, label: string): void {
  const fixed = staticDag.nodes.filter((n) => !n.dynamic);
  const dynamic = staticDag.nodes.filter((n) => n.dynamic);
  assert.ok(dynamic.length > 0, `${label} is listed as dynamic, so its static DAG must mark dynamic nodes`);
  const runtimeIds = new Set(runtimeDag.nodes.map((n) => n.id));
  for (const node of fixed) assert.ok(runtimeIds.has(node.id), `${label}: static node ${node.id} is compiled with the same id`);
  const fixedIds = new Set(fixed.map((n) => n.id));
  for (const node of runtimeDag.nodes.filter((n) => !fixedIds.has(n.id))) {
    assert.ok(
      dynamic.some((d) => d.step === node.step && d.namespace.join('/') === node.namespace.join('/')),
      `${label}: compiled node ${node.id} is an invocation of a step the static DAG marks dynamic`,
    );
  }
  const between = <E extends { from: string; to: string }>(edges: E[]) => edges.filter((e) => fixedIds.has(e.from) && fixedIds.has(e.to));
  assert.deepEqual(edgeKeys(between(staticDag.edges)), edgeKeys(between(runtimeDag.edges)), `${label}: edges between non-dynamic nodes`);
}

describe('the static DAG equals the runtime-compiled DAG', () => {
  const analyzer = new Analyzer();
  for (const file of pipelineFiles()) {
    const relative = path.relative(repoRoot, file);
    it(relative, async () => {
      const pipelines = analyzer.analyze(file).pipelines;
      assert.ok(pipelines.length > 0, `static analysis finds the pipelines of ${relative}`);
      const known = new Set(pipelines.map((p) => p.name));
      for (const table of [PARAMETERS, DYNAMIC, COMPILE_ERRORS]) {
        for (const name of Object.keys(table[relative] ?? {})) assert.ok(known.has(name), `${relative}: the table names ${name}, which static analysis must find`);
      }
      for (const pipeline of pipelines) {
        const label = `${relative} ${pipeline.name}`;
        const expectedError = COMPILE_ERRORS[relative]?.[pipeline.name];
        if (expectedError) {
          await assert.rejects(compiled(file, pipeline.name, {}), expectedError, `${label}: fails to compile`);
          continue;
        }
        const runtimeDag = await compiled(file, pipeline.name, PARAMETERS[relative]?.[pipeline.name] ?? {});
        if (DYNAMIC[relative]?.[pipeline.name]) assertSameWhereKnown(pipeline, runtimeDag, label);
        else {
          assert.ok(!pipeline.nodes.some((n) => n.dynamic), `${label}: a dynamic node appeared; list the pipeline in DYNAMIC with the reason`);
          assertSame(pipeline, runtimeDag, label);
        }
      }
    });
  }
});
