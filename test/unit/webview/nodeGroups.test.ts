import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PipelineGraph } from '../../../contracts/src/graph';
import { collapseGraph } from '../../../webview/src/collapseGraph';
import { groupDetail, groupStatus } from '../../../webview/src/groupStatus';
import { findGroups } from '../../../webview/src/nodeGroups';
import { generateDag } from '../../bench/webviewGraph';

function node(id: string, step = id.slice(id.lastIndexOf('/') + 1).replace(/_\d+$/, '')): PipelineGraph['nodes'][number] {
  return { id, step, namespace: id.includes('/') ? id.split('/').slice(0, -1) : [] };
}

/** load → prep/{clean, dedupe} → split → fit, fit_2, fit_3 (each then score_i) → report; and split → fit_4 → report too. */
const graph: PipelineGraph = {
  uri: 'file:///p.ts',
  pipeline: 'p',
  nodes: ['load', 'prep/clean', 'prep/dedupe', 'split', 'fit', 'fit_2', 'fit_3', 'score', 'score_2', 'score_3', 'report'].map((id) => node(id)),
  edges: [
    { from: 'load', to: 'prep/clean', kind: 'data' },
    { from: 'prep/clean', to: 'prep/dedupe', kind: 'data' },
    { from: 'prep/dedupe', to: 'split', kind: 'data' },
    { from: 'split', fromOutput: 'train', to: 'fit', kind: 'data' },
    { from: 'split', fromOutput: 'train', to: 'fit_2', kind: 'data' },
    { from: 'split', fromOutput: 'train', to: 'fit_3', kind: 'data' },
    { from: 'fit', to: 'score', kind: 'data' },
    { from: 'fit_2', to: 'score_2', kind: 'data' },
    { from: 'fit_3', to: 'score_3', kind: 'data' },
    { from: 'score', to: 'report', kind: 'data' },
    { from: 'score_2', to: 'report', kind: 'data' },
    { from: 'score_3', to: 'report', kind: 'data' },
    { from: 'load', to: 'report', kind: 'order' },
  ],
  diagnostics: [{ message: 'bad', severity: 'error', nodeId: 'fit_2' }],
};

describe('node groups', () => {
  it('finds each composed pipeline and each fan-out of three or more branches into one join', () => {
    const groups = findGroups(graph);
    assert.deepEqual(
      groups.map((group) => [group.kind, group.id, group.members]),
      [
        ['pipeline', 'prep/*', ['prep/clean', 'prep/dedupe']],
        ['fanout', 'fit×3', ['fit', 'score', 'fit_2', 'score_2', 'fit_3', 'score_3']],
      ],
    );
  });

  it('takes no fan-out of two branches, nor branches that merge before the join', () => {
    const two: PipelineGraph = { ...graph, nodes: graph.nodes.filter((n) => !n.id.endsWith('_3')), edges: graph.edges.filter((e) => !e.from.endsWith('_3') && !e.to.endsWith('_3')) };
    assert.deepEqual(findGroups(two).map((group) => group.kind), ['pipeline']);
    const merged: PipelineGraph = { ...graph, edges: [...graph.edges, { from: 'fit', to: 'score_2', kind: 'data' }] };
    assert.deepEqual(findGroups(merged).find((group) => group.kind === 'fanout'), undefined);
  });

  it('collapses a group into one node, rewires its edges (without the output names inside it) and maps its members to it', () => {
    const groups = findGroups(graph);
    const fan = groups.find((group) => group.kind === 'fanout');
    assert.ok(fan);
    const view = collapseGraph(graph, groups, new Set([fan.key]));
    assert.deepEqual(view.graph.nodes.map((n) => n.id), ['load', 'prep/clean', 'prep/dedupe', 'split', 'fit×3', 'report']);
    assert.deepEqual(
      view.graph.edges.map((e) => `${e.from}->${e.to}${e.fromOutput ? `:${e.fromOutput}` : ''}`),
      ['load->prep/clean', 'prep/clean->prep/dedupe', 'prep/dedupe->split', 'split->fit×3', 'split->fit×3', 'split->fit×3', 'fit×3->report', 'fit×3->report', 'fit×3->report', 'load->report'],
    );
    assert.equal(view.shownOf.get('score_2'), 'fit×3');
    assert.equal(view.shownOf.get('split'), 'split');
    assert.deepEqual(view.groupMembers.get('fit×3'), fan.members);
    assert.equal(view.graph.diagnostics[0].nodeId, 'fit×3', "a member's problem shows on its group");
    assert.equal(collapseGraph(graph, groups, new Set()).graph, graph, 'nothing collapsed: the graph itself');
  });

  it('collapses the outermost group when groups nest', () => {
    const nested: PipelineGraph = {
      ...graph,
      nodes: ['a/x', 'a/b/y', 'a/b/z', 'w'].map((id) => node(id)),
      edges: [
        { from: 'a/x', to: 'a/b/y', kind: 'data' },
        { from: 'a/b/y', to: 'a/b/z', kind: 'data' },
        { from: 'a/b/z', to: 'w', kind: 'data' },
      ],
      diagnostics: [],
    };
    const groups = findGroups(nested);
    assert.deepEqual(groups.map((group) => group.id), ['a/*', 'a/b/*']);
    const both = collapseGraph(nested, groups, new Set(groups.map((group) => group.key)));
    assert.deepEqual(both.graph.nodes.map((n) => n.id), ['a/*', 'w']);
    assert.deepEqual(both.graph.edges.map((e) => `${e.from}->${e.to}`), ['a/*->w']);
    const inner = collapseGraph(nested, groups, new Set([groups[1].key]));
    assert.deepEqual(inner.graph.nodes.map((n) => n.id), ['a/x', 'a/b/*', 'w']);
  });

  it('finds the fan-outs and stages of the generated 152-step pipeline, and collapsing them all leaves far fewer nodes', () => {
    const big = generateDag(152, 5);
    const groups = findGroups(big);
    assert.ok(groups.some((group) => group.kind === 'fanout' && group.members.length >= 10));
    assert.ok(groups.some((group) => group.kind === 'pipeline'));
    const all = collapseGraph(big, groups, new Set(groups.map((group) => group.key)));
    assert.ok(all.graph.nodes.length < big.nodes.length / 2, `${all.graph.nodes.length} nodes`);
    const ids = new Set(all.graph.nodes.map((n) => n.id));
    for (const edge of all.graph.edges) assert.ok(ids.has(edge.from) && ids.has(edge.to) && edge.from !== edge.to, `${edge.from}->${edge.to}`);
    for (const n of big.nodes) assert.ok(ids.has(all.shownOf.get(n.id) ?? ''), n.id);
  });

  it('gives a group its most urgent member status and counts its members per status', () => {
    const members = ['a', 'b', 'c', 'd'];
    assert.equal(groupStatus(members, {}), undefined);
    assert.equal(groupStatus(members, { a: { status: 'completed', attempt: 1 }, b: { status: 'running', attempt: 1 } }), 'running');
    const states = { a: { status: 'completed', attempt: 1 }, b: { status: 'failed', attempt: 1 }, c: { status: 'failed', attempt: 2 }, d: { status: 'running', attempt: 1 } } as const;
    assert.equal(groupStatus(members, states), 'failed');
    assert.deepEqual(groupDetail(members, states).map((part) => part.text), ['4 steps', '2 ✗', '1 ▶', '1 ✓']);
    const ranks = groupDetail(members, states).map((part) => part.rank);
    assert.equal(Math.max(...ranks), ranks[0], 'the size is cut last');
  });
});
