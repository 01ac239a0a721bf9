/** Each DAG feature of the static analysis, on the fixture workspace `test/fixtures/analysis/dag/`. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import type { FileAnalysis, StaticPipeline } from '../../../server/src/analysis/model';
import * as path from 'node:path';
import { analysisFixture, edgeKeys } from './helpers';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

describe('static DAG features', () => {
  let features: FileAnalysis;
  const pipeline = (name: string): StaticPipeline => features.pipelines.find((p) => p.name === name) ?? assert.fail(`pipeline ${name}`);
  const ids = (name: string) => pipeline(name).nodes.map((n) => n.id);

  before(() => {
    features = new Analyzer().analyze(analysisFixture('dag', 'features.ts'));
  });

  it('finds steps through aliases, namespace imports, barrels, renamed re-exports and re-exported factories', () => {
    assert.deepEqual(ids('imports'), ['load', 'cleanRows', 'score', 'double', 'label']);
    const byId = new Map(pipeline('imports').nodes.map((n) => [n.id, n]));
    assert.match(byId.get('cleanRows')?.definition?.file ?? '', /dag\/steps\.ts$/, 'tidy is steps.clean, named cleanRows by its name option');
    assert.match(byId.get('label')?.definition?.file ?? '', /dag\/more\.ts$/, 'defined with a re-exported factory');
    assert.deepEqual(features.pipelines.map((p) => p.name), ['imports', 'ids', 'outputs', 'ordering', 'fanning', 'inner', 'middle', 'composed', 'dynamicLoops']);
  });

  it('gives invocation ids by the runtime rule: first free of name, name_2, ...; explicit ids as given', () => {
    assert.deepEqual(ids('ids'), ['double', 'double_2', 'double_3', 'custom', 'double_4']);
  });

  it('names outputs on data edges, for destructured and property-accessed multi-output steps', () => {
    assert.deepEqual(edgeKeys(pipeline('outputs').edges), [
      'data:load.output->split.rows',
      'data:pair.left->score.weight',
      'data:pair.right->score_2.weight',
      'data:split.test->score_2.rows',
      'data:split.train->score.rows',
    ]);
    assert.deepEqual(pipeline('outputs').nodes.find((n) => n.id === 'split')?.types.outputs, { train: 'Row[]', test: 'Row[]' });
  });

  it('adds order edges for after handles, outputs objects and ids (forward ones included)', () => {
    assert.deepEqual(
      edgeKeys(pipeline('ordering').edges).filter((e) => e.startsWith('order')),
      ['order:double.->double_2.', 'order:double.->last.', 'order:last.->late.', 'order:pair.->double_2.'],
    );
  });

  it('unrolls literal loops and maps over literal arrays, and fans lists in (spread and indexed items included)', () => {
    assert.deepEqual(ids('fanning'), ['load', 'score', 'score_2', 'score_3', 'double', 'double_2', 'double_3', 'double_4', 'sum', 'sum_2', 'double_5', 'sum_3']);
    const into = (id: string) => edgeKeys(pipeline('fanning').edges.filter((e) => e.to === id));
    assert.deepEqual(into('sum'), ['data:score.output->sum.values', 'data:score_2.output->sum.values', 'data:score_3.output->sum.values']);
    assert.equal(into('sum_2').length, 4);
    assert.deepEqual(into('sum_3'), ['data:double_5.output->sum_3.values', 'data:score.output->sum_3.values']);
    assert.ok(pipeline('fanning').nodes.every((n) => !n.dynamic));
  });

  it('inlines composed pipelines under <pipeline invocation id>/, nested ones too', () => {
    assert.deepEqual(ids('composed'), [
      'middle/inner/double',
      'middle/inner/double_2',
      'middle/inner_2/double',
      'middle/inner_2/double_2',
      'inner/double',
      'inner/double_2',
      'middle_2/inner/double',
      'middle_2/inner/double_2',
      'middle_2/inner_2/double',
      'middle_2/inner_2/double_2',
      'double',
    ]);
    const composed = pipeline('composed');
    assert.deepEqual(composed.nodes[0].namespace, ['middle', 'inner']);
    assert.ok(edgeKeys(composed.edges).includes('data:middle/inner_2/double_2.output->inner/double.value'), 'a composed pipeline returns its last handle');
    assert.ok(edgeKeys(composed.edges).includes('order:inner/double_2.->double.'));
  });

  it('marks calls in loops without a literal bound as one dynamic node each', () => {
    const nodes = pipeline('dynamicLoops').nodes;
    assert.deepEqual(nodes.map((n) => `${n.id}${n.dynamic ? '*' : ''}`), ['double*', 'double_2*', 'sum']);
    assert.deepEqual(edgeKeys(pipeline('dynamicLoops').edges), ['data:double.output->sum.values']);
  });

  it('takes a map over items of unknown number (`Array.from(source, fn)`, `.map` of a parameter) as a dynamic fan-out whose result fans in', () => {
    const cluster = new Analyzer().analyze(path.join(repoRoot, 'test', 'fixtures', 'pipelines', 'cluster.ts')).pipelines.find((p) => p.name === 'fanOut') ?? assert.fail('fanOut');
    assert.deepEqual(cluster.nodes.map((n) => `${n.id}${n.dynamic ? '*' : ''}`), ['seed', 'work*', 'gather']);
    assert.deepEqual(edgeKeys(cluster.edges), ['data:seed.output->work.dir', 'data:work.output->gather.values']);
  });

  it("tells a parameter default's value where the code says it: a literal, a const (through an alias, across an import), not a call or a let", () => {
    const analysis = new Analyzer().analyze(analysisFixture('dag', 'defaults.ts'));
    assert.deepEqual(analysis.pipelines[0].parameters, [
      { name: 'path', type: 'string', default: 'ALIAS', defaultValue: '"data/rows.csv"' },
      { name: 'limit', type: 'number', default: 'SHARED_LIMIT', defaultValue: '25' },
      { name: 'scale', default: '-1.5', defaultValue: '-1.5' },
      { name: 'tags', type: 'string[]', default: "['a', 'b']", defaultValue: '["a","b"]' },
      { name: 'seed', type: 'number', default: 'Math.floor(7.5)' },
      { name: 'factor', type: 'number', default: 'changing' },
    ]);
  });

  it('carries source ranges, parameter and output types, and options merged as the runtime merges them', () => {
    const analysis = new Analyzer().analyze(analysisFixture('dag', 'options.ts'));
    const configured = analysis.pipelines[0];
    assert.deepEqual(configured.options, { executionMode: 'failFast' });
    assert.deepEqual(configured.parameters, [{ name: 'url', type: 'string', default: "'https://example.com'", defaultValue: '"https://example.com"' }]);
    const [fetchRows, countRows, cached, refetch] = configured.nodes;
    assert.deepEqual(fetchRows.range, { start: { line: 17, character: 17 }, end: { line: 17, character: 31 } });
    assert.deepEqual(fetchRows.types, { inputs: { url: 'string' }, outputs: { output: 'string[]' } });
    assert.deepEqual(fetchRows.options, {
      enableCache: false,
      retry: { maxRetries: 3, delay: 1, backoff: 2 },
      hooks: { onSuccess: 'pipeline', onFailure: 'step' },
      heartbeat: { interval: 5, timeout: 30 },
    });
    assert.deepEqual(countRows.options, { heartbeat: { interval: 1 }, hooks: { onSuccess: 'pipeline' } });
    assert.deepEqual(cached.options, { heartbeat: { interval: 2 }, enableCache: true, hooks: { onSuccess: 'pipeline' } });
    assert.deepEqual(refetch.options.retry, { maxRetries: 0, delay: 0, backoff: 1 });
  });

  it('finds steps made by a factory function, named by a literal argument', () => {
    const modes = new Analyzer().analyze(analysisFixture('..', 'pipelines', 'modes.ts'));
    assert.deepEqual(modes.pipelines[0].nodes.map((n) => n.id), ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']);
  });
});
