import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { draftLayout } from '../../../webview/src/draftLayout';
import { DEFAULT_REQUEST, ESTIMATED_SIZING, graphHash, layoutKey, NODE_HEIGHT, SPACING, type GraphLayout } from '../../../webview/src/layout';
import type { PipelineGraph } from '../../../contracts/src/graph';
import { generateDag } from '../../bench/webviewGraph';

function graphOf(ids: string[], edges: [string, string][]): Pick<PipelineGraph, 'nodes' | 'edges'> {
  return { nodes: ids.map((id) => ({ id, step: id, namespace: [] })), edges: edges.map(([from, to]) => ({ from, to, kind: 'data' as const })) };
}

function assertNoOverlap(layout: GraphLayout): void {
  const byColumn = new Map<number, { y: number; id: string }[]>();
  for (const node of layout.nodes.values()) byColumn.set(node.x, [...(byColumn.get(node.x) ?? []), { y: node.y, id: node.id }]);
  for (const column of byColumn.values()) {
    column.sort((a, b) => a.y - b.y);
    for (let i = 1; i < column.length; i++) assert.ok(column[i].y - column[i - 1].y >= NODE_HEIGHT, `${column[i - 1].id} and ${column[i].id} overlap`);
  }
}

describe('draft layout', () => {
  it('puts every step right of its inputs, keeps chains straight and centres fan-outs on their source', () => {
    const graph = graphOf(['load', 'split', 'a', 'b', 'c', 'gather', 'report'], [['load', 'split'], ['split', 'a'], ['split', 'b'], ['split', 'c'], ['a', 'gather'], ['b', 'gather'], ['c', 'gather'], ['gather', 'report']]);
    const layout = draftLayout(graph);
    const at = (id: string) => layout.nodes.get(id) ?? assert.fail(`${id} not placed`);
    for (const edge of graph.edges) assert.ok(at(edge.from).x + at(edge.from).width <= at(edge.to).x, `${edge.from} left of ${edge.to}`);
    assert.equal(at('load').y, at('split').y);
    assert.equal(at('gather').y, at('report').y);
    assert.equal(at('b').y, at('split').y, 'the middle branch lines up with the source');
    assert.ok(at('a').y < at('b').y && at('b').y < at('c').y);
    assertNoOverlap(layout);
    assert.equal(layout.hash, layoutKey(graphHash(graph), DEFAULT_REQUEST));
    assert.equal(layout.edges.length, 8);
    for (const edge of layout.edges) assert.equal(edge.points.length, 2);
    assert.ok(layout.width >= at('report').x + at('report').width && layout.height >= NODE_HEIGHT);
  });

  it('lays out top down with each node as wide as it is sized: layers as rows, no overlaps within a row', () => {
    const graph = graphOf(['load', 'split', 'a_rather_long_branch_name', 'b', 'c', 'gather'], [['load', 'split'], ['split', 'a_rather_long_branch_name'], ['split', 'b'], ['split', 'c'], ['a_rather_long_branch_name', 'gather'], ['b', 'gather'], ['c', 'gather']]);
    const layout = draftLayout(graph, graphHash(graph), { direction: 'DOWN', sizing: ESTIMATED_SIZING });
    const at = (id: string) => layout.nodes.get(id) ?? assert.fail(`${id} not placed`);
    assert.equal(layout.direction, 'DOWN');
    for (const edge of graph.edges) assert.ok(at(edge.from).y + at(edge.from).height + SPACING.layerGap <= at(edge.to).y, `${edge.from} above ${edge.to}`);
    const row = ['a_rather_long_branch_name', 'b', 'c'].map(at).sort((p, q) => p.x - q.x);
    for (let i = 1; i < row.length; i++) assert.ok(row[i].x >= row[i - 1].x + row[i - 1].width + SPACING.nodeGap, `${row[i - 1].id} and ${row[i].id} overlap`);
    assert.ok(at('a_rather_long_branch_name').width > at('b').width, 'sized by its label');
    for (const edge of layout.edges) {
      const [from, to] = edge.points;
      assert.deepEqual(from, { x: at(edge.from).x + at(edge.from).width / 2, y: at(edge.from).y + at(edge.from).height }, 'edges leave from the bottom middle');
      assert.equal(to.y, at(edge.to).y, 'and reach the top');
    }
    for (const node of layout.nodes.values()) assert.ok(node.x >= 0 && node.x + node.width <= layout.width && node.y + node.height <= layout.height);
  });

  it('moves a source next to the step that uses it rather than to the far left', () => {
    const layout = draftLayout(graphOf(['a', 'b', 'c', 'd', 'param'], [['a', 'b'], ['b', 'c'], ['c', 'd'], ['param', 'd']]));
    assert.equal(layout.nodes.get('param')?.x, layout.nodes.get('c')?.x);
  });

  it('draws what it can of cycles, self-loops, duplicate ids and dangling edges, and empty graphs', () => {
    const graph = graphOf(['a', 'b', 'c', 'a'], [['a', 'b'], ['b', 'c'], ['c', 'b'], ['c', 'c'], ['c', 'ghost']]);
    const layout = draftLayout(graph);
    assert.deepEqual([...layout.nodes.keys()].sort(), ['a', 'b', 'c']);
    assertNoOverlap(layout);
    const empty = draftLayout(graphOf([], []));
    assert.equal(empty.nodes.size, 0);
    assert.equal(empty.width, 0);
    assert.equal(empty.height, 0);
  });

  it('lays out the 1,000-node benchmark DAG without overlaps, every edge pointing right', () => {
    const graph = generateDag(1000, 1);
    const layout = draftLayout(graph);
    assert.equal(layout.nodes.size, 1000);
    assertNoOverlap(layout);
    for (const edge of layout.edges) {
      const from = layout.nodes.get(edge.from);
      const to = layout.nodes.get(edge.to);
      assert.ok(from && to && from.x < to.x, `${edge.id} points right`);
    }
  });
});
