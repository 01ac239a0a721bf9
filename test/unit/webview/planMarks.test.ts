// The plan's badges (webview/src/planMarks.ts): each reason's words, and the marking of edited
// steps and everything downstream of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlannedStep, PlanView } from '../../../contracts/src/webviewMessages';
import { badgeOf, downstreamOf, planBadges, planLine, type MarkedGraph } from '../../../webview/src/planMarks';

// a -> b -> d, a -> c (order edge c -> e), f alone; g calls step b too (a second invocation).
const graph: MarkedGraph = {
  nodes: [
    { id: 'a', step: 'a' },
    { id: 'b', step: 'b' },
    { id: 'c', step: 'c' },
    { id: 'd', step: 'd' },
    { id: 'e', step: 'e' },
    { id: 'f', step: 'f' },
    { id: 'g', step: 'b' },
  ],
  edges: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'd' },
    { from: 'a', to: 'c' },
    { from: 'c', to: 'e' },
  ],
};
const reuseAll: PlannedStep[] = graph.nodes.map((node) => ({ id: node.id, step: node.step, action: 'reuse' }));
const planned = (steps: PlannedStep[], edited: { step: string; unsaved: boolean }[] = []): PlanView => ({ state: 'planned', steps, edited, planning: false });
const texts = (badges: Map<string, { text: string }>) => Object.fromEntries([...badges].map(([id, badge]) => [id, badge.text]));

describe('plan badges', () => {
  it('words each prediction', () => {
    assert.deepEqual(badgeOf({ id: 'a', step: 'a', action: 'reuse' }), { text: 'will reuse', tone: 'reuse', title: 'a: a run now reuses its cache entry' });
    assert.equal(badgeOf({ id: 'a', step: 'a', action: 'run', reason: 'code changed' }).text, 'will run: code changed');
    assert.equal(badgeOf({ id: 'a', step: 'a', action: 'run', reason: 'no entry yet' }).text, 'will run: not cached yet');
    assert.equal(badgeOf({ id: 'a', step: 'a', action: 'run', reason: 'upstream will run', detail: 'x' }).text, 'will run: upstream runs');
    const parameter = badgeOf({ id: 'a', step: 'a', action: 'run', reason: 'parameter changed', detail: 'lr' });
    assert.deepEqual(parameter, { text: 'will run: parameter changed', tone: 'run', title: 'a: will run: parameter changed (lr)' });
    const maybe = badgeOf({ id: 'd', step: 'd', action: 'run', reason: 'upstream will run', unlessUnchanged: { b: { out: 'h1' } } });
    assert.equal(maybe.tone, 'maybe');
    assert.equal(maybe.text, 'may reuse');
    assert.match(maybe.title, /b will run; reused if their outputs come out unchanged/);
  });

  it('finds everything downstream of an invocation, through data and order edges', () => {
    assert.deepEqual([...downstreamOf(graph.edges, ['a'])].sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual([...downstreamOf(graph.edges, ['c'])].sort(), ['c', 'e']);
    assert.deepEqual([...downstreamOf(graph.edges, ['f'])], ['f']);
    assert.deepEqual([...downstreamOf([...graph.edges, { from: 'e', to: 'a' }], ['e'])].sort(), ['a', 'b', 'c', 'd', 'e'], 'a cycle ends');
  });

  it('marks an edited step, every invocation of it, and their downstream; the rest keeps its prediction', () => {
    const badges = planBadges(graph, planned(reuseAll, [{ step: 'b', unsaved: true }]));
    assert.deepEqual(texts(badges), {
      a: 'will reuse',
      b: 'will run: code changed',
      c: 'will reuse',
      d: 'will run: upstream changed',
      e: 'will reuse',
      f: 'will reuse',
      g: 'will run: code changed',
    });
    assert.deepEqual([...badges].filter(([, badge]) => badge.tone === 'edited').map(([id]) => id), ['b', 'd', 'g'], 'in the tone of edits');
    assert.equal(badges.get('b')?.title, 'b: will run: the code of b changed since the plan (unsaved)');
    assert.equal(badges.get('d')?.title, 'd: will run: code upstream of it changed since the plan (unsaved)');
    assert.equal(planLine(planned(reuseAll, [{ step: 'b', unsaved: true }]), badges), 'Plan of a run now: 4 to reuse, 3 to run (b edited, not saved)');
    const saved = planBadges(graph, planned(reuseAll, [{ step: 'c', unsaved: false }]));
    assert.equal(saved.get('c')?.title, 'c: will run: the code of c changed since the plan (saved, not planned yet)');
    assert.equal(saved.get('e')?.text, 'will run: upstream changed');
    assert.equal(saved.get('b')?.text, 'will reuse');
  });

  it('marks a step the plan does not have (added since) and its downstream', () => {
    const badges = planBadges(graph, planned(reuseAll.filter((step) => step.id !== 'c')));
    assert.equal(badges.get('c')?.text, 'will run: new step');
    assert.equal(badges.get('e')?.text, 'will run: upstream changed');
    assert.equal(badges.get('d')?.text, 'will reuse');
  });

  it('shows no badge for a plan that failed, is off or not made yet, and says why in the line', () => {
    for (const plan of [{ state: 'failed', error: 'boom', planning: false }, { state: 'off', reason: 'Restricted Mode' }, { state: 'planning' }, undefined] as (PlanView | undefined)[]) {
      assert.equal(planBadges(graph, plan).size, 0, JSON.stringify(plan));
    }
    assert.equal(planLine({ state: 'failed', error: 'boom', planning: true }, new Map()), 'Plan failed: boom (planning again…)');
    assert.equal(planLine({ state: 'off', reason: 'Restricted Mode' }, new Map()), 'Plan: off (Restricted Mode)');
    assert.equal(planLine(undefined, new Map()), undefined);
    const plan = planned([...reuseAll.slice(0, 5), { id: 'f', step: 'f', action: 'run', reason: 'cache off' }, { id: 'g', step: 'b', action: 'run', reason: 'code changed' }]);
    assert.equal(planLine(plan, planBadges(graph, plan)), 'Plan of a run now: 5 to reuse, 2 to run');
    assert.equal(planLine({ ...(plan as Extract<PlanView, { state: 'planned' }>), planning: true }, planBadges(graph, plan)), 'Plan of a run now: 5 to reuse, 2 to run (planning the saved code…)');
  });
});
