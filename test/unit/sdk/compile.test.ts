import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipeline } from '../../../runtime/src/sdk/pipeline';
import { step } from '../../../runtime/src/sdk/step';
import { PipelineCompileError } from '../../../runtime/src/sdk/compile';

const load = step(function load(path: string): number[] {
  return path.split(',').map(Number);
});
const split = step({ outputs: ['train', 'test'] }, function split(rows: number[]): { train: number[]; test: number[] } {
  return { train: rows.slice(1), test: rows.slice(0, 1) };
});
const fit = step({ retry: { maxRetries: 3, delay: 10, backoff: 2 }, enableCache: false }, async function fit(train: number[], lr: number): Promise<number> {
  return train.length * lr;
});
const evaluate = step(function evaluate(model: number, test: number[]): number {
  return model + test.length;
});

describe('compiling a pipeline body into a DAG', () => {
  it('builds data and order edges, ids, outputs and options like the issue example', () => {
    const training = pipeline({ executionMode: 'stopOnFailure', runName: 'training-{date}-{time}' }, function training(path: string, lr = 0.1) {
      const rows = load(path);
      const { train, test } = split(rows);
      const model = fit(train, lr);
      evaluate.with({ id: 'evaluate_final', after: [model] })(model, test);
    });
    const dag = training.compile({ path: '1,2,3' });
    assert.equal(dag.pipeline, 'training');
    assert.deepEqual(dag.nodes.map((n) => n.id), ['load', 'split', 'fit', 'evaluate_final']);
    assert.deepEqual(dag.edges, [
      { from: 'load', fromOutput: 'output', to: 'split', toInput: 'rows', kind: 'data' },
      { from: 'split', fromOutput: 'train', to: 'fit', toInput: 'train', kind: 'data' },
      { from: 'fit', fromOutput: 'output', to: 'evaluate_final', toInput: 'model', kind: 'data' },
      { from: 'split', fromOutput: 'test', to: 'evaluate_final', toInput: 'test', kind: 'data' },
      { from: 'fit', to: 'evaluate_final', kind: 'order' },
    ]);
    const fitNode = dag.nodes[2];
    assert.deepEqual(fitNode.inputs.lr, { kind: 'value', value: 0.1 });
    assert.deepEqual(fitNode.options.retry, { maxRetries: 3, delay: 10, backoff: 2 });
    assert.equal(fitNode.options.enableCache, false);
    assert.deepEqual(dag.nodes[1].outputs, ['train', 'test']);
    assert.equal(dag.options.executionMode, 'stopOnFailure');
    assert.match(fitNode.location?.file ?? '', /compile\.test\.ts$/);
  });

  it('numbers repeated calls name, name_2, ... and skips ids already taken', () => {
    const fan = pipeline(function fan() {
      const parts = [1, 2, 3].map((i) => load(String(i)));
      load.with({ id: 'load_4' })('x');
      load('y');
      return parts;
    });
    const dag = fan.compile();
    assert.deepEqual(dag.nodes.map((n) => n.id), ['load', 'load_2', 'load_3', 'load_4', 'load_5']);
    assert.deepEqual(dag.outputs, { output: [{ from: 'load', output: 'output' }, { from: 'load_2', output: 'output' }, { from: 'load_3', output: 'output' }] });
  });

  it('fans in an array of outputs as one input with one edge per item', () => {
    const combine = step(function combine(values: number[]): number {
      return values.length;
    });
    const fanIn = pipeline(function fanIn() {
      const a = fit(load('1'), 1);
      const b = fit(load('2'), 2);
      combine([a, b, 7]);
    });
    const dag = fanIn.compile();
    const node = dag.nodes.find((n) => n.id === 'combine');
    assert.deepEqual(node?.inputs.values, {
      kind: 'fanIn',
      items: [
        { kind: 'artifact', ref: { from: 'fit', output: 'output' } },
        { kind: 'artifact', ref: { from: 'fit_2', output: 'output' } },
        { kind: 'value', value: 7 },
      ],
    });
    assert.equal(dag.edges.filter((e) => e.to === 'combine').length, 2);
  });

  it('inlines a composed pipeline under a namespaced id', () => {
    const prep = pipeline(function prep(path: string) {
      return load(path);
    });
    const outer = pipeline(function outer() {
      const a = prep('1');
      const b = prep('2');
      evaluate(fit(a, 1), b);
    });
    const dag = outer.compile();
    assert.deepEqual(dag.nodes.map((n) => n.id), ['prep/load', 'prep_2/load', 'fit', 'evaluate']);
    assert.deepEqual(dag.nodes[0].namespace, ['prep']);
  });

  it('resolves after targets given as ids, including ones defined later', () => {
    const ordered = pipeline(function ordered() {
      load.with({ after: ['last'] })('1');
      load.with({ id: 'last' })('2');
    });
    const dag = ordered.compile();
    assert.deepEqual(dag.edges, [{ from: 'last', to: 'load', kind: 'order' }]);
  });
});

describe('compile errors name the source location', () => {
  const location = /compile\.test\.ts:\d+:\d+: /;

  it('duplicate explicit ids', () => {
    const dup = pipeline(function dup() {
      load.with({ id: 'same' })('1');
      load.with({ id: 'same' })('2');
    });
    assert.throws(() => dup.compile(), (e: Error) => e instanceof PipelineCompileError && location.test(e.message) && /duplicate invocation id "same"/.test(e.message));
  });

  it('unknown after targets', () => {
    const unknown = pipeline(function unknown() {
      load.with({ after: ['ghost'] })('1');
    });
    assert.throws(() => unknown.compile(), (e: Error) => location.test(e.message) && /unknown after target "ghost"/.test(e.message));
  });

  it('cycles', () => {
    const cyclic = pipeline(function cyclic() {
      load.with({ id: 'a', after: ['b'] })('1');
      load.with({ id: 'b', after: ['a'] })('2');
    });
    assert.throws(() => cyclic.compile(), (e: Error) => location.test(e.message) && /cycle: (a -> b -> a|b -> a -> b)/.test(e.message));
  });

  it('too many arguments, a multi-output object passed whole, missing and unknown parameters', () => {
    const tooMany = pipeline(function tooMany() {
      (load as unknown as (...a: unknown[]) => unknown)('1', '2');
    });
    assert.throws(() => tooMany.compile(), /step "load" takes 1 argument\(s\) but was given 2/);
    const whole = pipeline(function whole() {
      const both = split(load('1'));
      (fit as unknown as (...a: unknown[]) => unknown)(both, 1);
    });
    assert.throws(() => whole.compile(), /got the outputs object of a multi-output step/);
    const needs = pipeline(function needs(path: string) {
      load(path);
    });
    assert.throws(() => needs.compile({}), /pipeline "needs" needs parameter "path"/);
    assert.throws(() => needs.compile({ path: 'x', extra: 1 }), /has no parameter "extra"/);
  });

  it('a step called outside a pipeline body, and an anonymous step', () => {
    assert.throws(() => load('1'), /step "load" was called outside a pipeline body; call load\.fn/);
    assert.throws(() => step((x: number) => x), /a step needs a name/);
  });

  it('an option no one reads is refused where it is written, naming the option it is closest to', () => {
    const misspelled = (options: object) => () => step(options as never, function typo(x: number): number {
      return x;
    });
    const at = /compile\.test\.ts:\d+/;
    assert.throws(misspelled({ retries: 1 }), (e: Error) => e instanceof PipelineCompileError && at.test(e.message) && /step "typo": unknown option "retries" \(did you mean "retry"\?\); the options are /.test(e.message));
    assert.throws(misspelled({ EnableCache: false }), /unknown option "EnableCache" \(did you mean "enableCache"\?\)/);
    assert.throws(misspelled({ gpu: true }), (e: Error) => /unknown option "gpu"; the options are /.test(e.message) && !/did you mean/.test(e.message));
    assert.throws(() => load.with({ retries: 1 } as never), /load\.with\(\): unknown option "retries" \(did you mean "retry"\?\)/);
    assert.throws(() => load.with({ name: 'other' } as never), /load\.with\(\): unknown option "name"/);
    assert.throws(() => load.configure({ heartbeats: {} } as never), /load\.configure\(\): unknown option "heartbeats" \(did you mean "heartbeat"\?\)/);
    assert.throws(() => pipeline({ executionmode: 'stopOnFailure' } as never, function p() {}), /pipeline "p": unknown option "executionmode" \(did you mean "executionMode"\?\)/);
    // Every option the SDK documents, code options too, is known.
    const known = step(
      { name: 'known', outputs: ['a'], enableCache: false, retry: { maxRetries: 1 }, pool: 'default', cacheExpiresAfter: '1h', heartbeat: { interval: 1, timeout: 5 }, limits: ['gpu'], onSuccess: () => {}, onFailure: () => {}, cacheKey: () => 'k', materializers: {} },
      function known(x: number): { a: number } {
        return { a: x };
      },
    );
    known.with({ id: 'k1', after: [], enableCache: true }).configure({ onSuccess: () => {} });
    pipeline({ name: 'all', executionMode: 'stopOnFailure', runName: 'r', substitutions: {}, enableCache: true, heartbeat: { interval: 1, timeout: 5 }, maxConcurrency: 1, pool: 'default', onSuccess: () => {}, onFailure: () => {} }, function all() {}).configure({ enableCache: false });
  });

  it('a parameter that cannot be stored', () => {
    const bad = pipeline(function bad() {
      (fit as unknown as (...a: unknown[]) => unknown)(load('1'), () => 1);
    });
    assert.throws(() => bad.compile(), /step "fit" input "lr" cannot be stored as a parameter/);
  });
});

describe('steps stay usable as plain functions', () => {
  it('a node holds each data option as its schema makes it: retry defaults filled, expiry in seconds, no empty limits, nothing unset', () => {
    const cached = step({ enableCache: true, cacheExpiresAfter: '15m', retry: { maxRetries: 2 }, limits: [], heartbeat: { interval: 2 } }, function cached(): number {
      return 1;
    });
    const limited = step({ limits: ['gpu'] }, function limited(): number {
      return 2;
    });
    const both = pipeline(function both() {
      cached();
      limited.with({ retry: { maxRetries: 1, delay: 3 }, enableCache: undefined })();
    });
    const [first, second] = both.compile().nodes;
    assert.deepEqual(first.options, { hooks: {}, enableCache: true, cacheExpiresAfter: 900, retry: { maxRetries: 2, delay: 0, backoff: 1 }, heartbeat: { interval: 2 } });
    assert.deepEqual(second.options, { hooks: {}, limits: ['gpu'], retry: { maxRetries: 1, delay: 3, backoff: 1 } });
  });

  it('.fn calls the function directly, configure() changes options later', async () => {
    assert.deepEqual(load.fn('1,2'), [1, 2]);
    assert.equal(await fit.fn([1, 2], 0.5), 1);
    const cfg = step(function cfg(x: number): number {
      return x;
    });
    cfg.configure({ enableCache: false });
    const p = pipeline(function p() {
      cfg(1);
    });
    assert.equal(p.compile().nodes[0].options.enableCache, false);
  });

  it('the name option wins over the function name', () => {
    const renamed = step({ name: 'renamed' }, function original(x: number): number {
      return x;
    });
    assert.equal(renamed.name, 'renamed');
    const p = pipeline({ name: 'custom' }, function inner() {
      renamed(1);
    });
    const dag = p.compile();
    assert.equal(dag.pipeline, 'custom');
    assert.equal(dag.nodes[0].id, 'renamed');
  });
});
