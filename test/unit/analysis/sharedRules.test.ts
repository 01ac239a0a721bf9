/**
 * The rules the runtime's compiler and the static DAG share (`runtime/src/model/`): invocation
 * ids, `after` targets, cycles and option merging, each tested on its own, and the two sides held
 * to the same answers on pipelines the runtime refuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveAfterTarget } from '../../../runtime/src/model/afterTargets';
import { cycleMessage, findCycle } from '../../../runtime/src/model/cycles';
import { claimAutomaticId, claimExplicitId, namespacePrefix } from '../../../runtime/src/model/invocationIds';
import { mergeInvocationOptions, retryWithDefaults } from '../../../runtime/src/model/optionMerge';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import { analysisFixture } from './helpers';

describe('invocation ids', () => {
  it('numbers automatic ids inside a namespace, and checks explicit ones', () => {
    const used = new Set<string>();
    const prefix = namespacePrefix(['outer', 'inner']);
    assert.deepEqual([claimAutomaticId(prefix, 'load', used), claimAutomaticId(prefix, 'load', used)], ['outer/inner/load', 'outer/inner/load_2']);
    assert.deepEqual(claimExplicitId(prefix, 'load', used), { id: 'outer/inner/load', duplicate: 'duplicate invocation id "outer/inner/load"' });
    assert.deepEqual(claimExplicitId('', 'ok_id-2', used), { id: 'ok_id-2' });
    assert.deepEqual(claimExplicitId('', '2bad', used), { id: '2bad', invalid: 'invalid invocation id "2bad": use letters, digits, "_" and "-"' });
    assert.ok(used.has('2bad'), 'a refused id is still taken');
  });

  it('takes the first free number even past ids claimed explicitly in between', () => {
    const used = new Set<string>();
    assert.equal(claimAutomaticId('', 'load', used), 'load');
    assert.equal(claimExplicitId('', 'load_2', used).id, 'load_2');
    assert.equal(claimExplicitId('', 'load_4', used).id, 'load_4');
    assert.deepEqual([claimAutomaticId('', 'load', used), claimAutomaticId('', 'load', used), claimAutomaticId('', 'load', used)], ['load_3', 'load_5', 'load_6']);
    assert.equal(claimAutomaticId('p/', 'load', used), 'p/load', 'another namespace numbers on its own');
  });

  it('claims the n-th id of one step without looking at the n-1 before it (linear in the number of invocations)', () => {
    // Counts the candidates each claim looks up: one per claim, not 1 + 2 + ... + n.
    class CountingSet extends Set<string> {
      lookups = 0;
      override has(value: string): boolean {
        this.lookups += 1;
        return super.has(value);
      }
    }
    const used = new CountingSet();
    const ids = Array.from({ length: 2000 }, () => claimAutomaticId('', 'noop', used));
    assert.deepEqual([ids[0], ids[1], ids[1999]], ['noop', 'noop_2', 'noop_2000']);
    assert.equal(new Set(ids).size, 2000);
    assert.ok(used.lookups <= 2 * 2000, `${used.lookups} lookups for 2,000 claims`);
  });
});

describe('after targets', () => {
  const ids = new Set(['fit', 'prep/clean', 'clean']);
  it('prefers an invocation of the same namespace, then a full id', () => {
    assert.deepEqual(resolveAfterTarget('clean', ['prep'], ids, 'prep/scale'), { id: 'prep/clean' });
    assert.deepEqual(resolveAfterTarget('clean', [], ids, 'fit'), { id: 'clean' });
    assert.deepEqual(resolveAfterTarget('fit', ['prep'], ids, 'prep/scale'), { id: 'fit' });
  });
  it('refuses unknown targets and an invocation after itself', () => {
    assert.deepEqual(resolveAfterTarget('ghost', [], ids, 'fit'), { problem: 'unknown after target "ghost" (invocations: fit, prep/clean, clean)' });
    assert.deepEqual(resolveAfterTarget('fit', [], ids, 'fit'), { problem: 'invocation "fit" cannot run after itself' });
  });
});

describe('cycles', () => {
  it('reports the first cycle met, in invocation order and upstream order', () => {
    const upstream: Record<string, string[]> = { a: ['c'], b: ['c'], c: ['b', 'a'] };
    const cycle = findCycle(['a', 'b', 'c'], (id) => upstream[id] ?? []);
    assert.deepEqual(cycle, ['c', 'b', 'c']);
    assert.equal(cycleMessage(cycle ?? []), 'cycle: c -> b -> c');
    assert.equal(findCycle(['a', 'b'], (id) => (id === 'b' ? ['a'] : [])), undefined);
  });
});

describe('option merging', () => {
  it('puts .with() over the step, and takes heartbeat and hooks from the innermost pipeline that sets them', () => {
    const hook = () => undefined;
    const { merged, heartbeat, hooks } = mergeInvocationOptions({ enableCache: false, limits: ['gpu'] }, { enableCache: true }, [
      { heartbeat: { interval: 9 }, onFailure: hook },
      { heartbeat: { interval: 2 } },
    ]);
    assert.deepEqual(merged, { enableCache: true, limits: ['gpu'] });
    assert.deepEqual(heartbeat, { interval: 2 });
    assert.deepEqual(hooks, { onFailure: 'pipeline' });
    const own = mergeInvocationOptions({ onSuccess: hook, heartbeat: { interval: 1 } }, {}, [{ onSuccess: hook, heartbeat: { interval: 5 } }]);
    assert.deepEqual([own.heartbeat, own.hooks], [{ interval: 1 }, { onSuccess: 'step' }]);
  });
  it('fills a retry policy with no delay and no backoff', () => {
    assert.deepEqual(retryWithDefaults({ maxRetries: 2 }), { maxRetries: 2, delay: 0, backoff: 1 });
    assert.deepEqual(retryWithDefaults({ maxRetries: 2, delay: 3, backoff: 2 }), { maxRetries: 2, delay: 3, backoff: 2 });
  });
});

describe('the static DAG reports the error the compiler raises', () => {
  const file = analysisFixture('rules', 'wiringErrors.ts');
  const analysis = new Analyzer().analyze(file);
  const expected: Record<string, string> = {
    twoCycles: 'cycle',
    selfAfter: 'cycle',
    unknownAfter: 'unknown-after-target',
    invalidId: 'invalid-invocation-id',
    duplicateId: 'duplicate-invocation-id',
  };
  for (const [name, code] of Object.entries(expected)) {
    it(name, async () => {
      const module = (await import(file)) as Record<string, { compile(): unknown }>;
      let detail: string | undefined;
      try {
        module[name].compile();
      } catch (error) {
        // The fixture's `pipewright` is the built package: its error class is another instance of PipelineCompileError.
        assert.equal((error as Error).name, 'PipelineCompileError', `${name}: ${String(error)}`);
        detail = (error as { detail?: string }).detail;
      }
      assert.ok(detail, `the runtime refuses ${name}`);
      const pipeline = analysis.pipelines.find((p) => p.name === name);
      assert.ok(pipeline, `the analysis finds ${name}`);
      const lines = new Set([pipeline.range.start.line, ...pipeline.nodes.map((n) => n.range.start.line)]);
      const found = analysis.diagnostics.filter((d) => d.code === code && d.range.start.line >= pipeline.range.start.line && d.range.start.line <= Math.max(...lines) + 1);
      assert.deepEqual(found.map((d) => d.message), [detail], `${name}: the static DAG's ${code} diagnostic`);
    });
  }
});
