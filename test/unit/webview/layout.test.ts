import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { graphHash } from '../../../webview/src/layout';
import { LAYERED_MIN_NODES, LayoutCache } from '../../../webview/src/layoutCache';
import { layeredLayout } from '../../../webview/src/layeredLayout';
import { generateDag } from '../../bench/webviewGraph';
import type { PipelineGraph } from '../../../contracts/src/graph';

const graph: PipelineGraph = {
  uri: 'file:///p.ts',
  pipeline: 'train',
  nodes: [
    { id: 'load', step: 'load', namespace: [] },
    { id: 'split', step: 'split', namespace: [] },
    { id: 'fit', step: 'fit', namespace: [] },
    { id: 'evaluate', step: 'evaluate', namespace: [] },
  ],
  edges: [
    { from: 'load', to: 'split', kind: 'data', fromOutput: 'output', toInput: 'rows' },
    { from: 'split', to: 'fit', kind: 'data' },
    { from: 'split', to: 'evaluate', kind: 'data' },
    { from: 'fit', to: 'evaluate', kind: 'data' },
    { from: 'fit', to: 'evaluate', kind: 'order' },
  ],
  diagnostics: [],
};

describe('layout', () => {
  it('hashes structure only, independent of order and of diagnostics', () => {
    const reordered = { ...graph, nodes: [...graph.nodes].reverse(), edges: [...graph.edges].reverse(), diagnostics: [{ message: 'x', severity: 'error' as const, nodeId: 'fit' }] };
    assert.equal(graphHash(reordered), graphHash(graph));
    assert.notEqual(graphHash({ ...graph, nodes: [...graph.nodes, { id: 'extra', step: 'extra', namespace: [] }] }), graphHash(graph));
    assert.notEqual(graphHash({ ...graph, edges: graph.edges.slice(1) }), graphHash(graph));
  });

  it('lays out layered left to right with real elkjs and reuses the layout for the same structure', async () => {
    const elk = new ELK();
    let calls = 0;
    const cache = new LayoutCache({ layout: (input: ElkNode) => (calls++, elk.layout(input)) });
    const layout = await cache.layout(graph);
    assert.equal(layout.nodes.size, 4);
    const x = (id: string) => layout.nodes.get(id)?.x ?? Number.NaN;
    assert.ok(x('load') < x('split') && x('split') < x('fit') && x('fit') < x('evaluate'), 'each layer to the right of its inputs');
    assert.equal(layout.edges.length, 4, 'parallel data and order edges collapse');
    for (const edge of layout.edges) assert.ok(edge.points.length >= 2);
    const withProblem: PipelineGraph = { ...graph, diagnostics: [{ message: 'late', severity: 'warning' }] };
    const again = await cache.layout(withProblem);
    assert.equal(again, layout);
    assert.equal(calls, 1);
    await cache.layout({ ...graph, nodes: graph.nodes.slice(0, 3) });
    assert.equal(calls, 2);
  });

  it('lays out top down when asked, with the given node sizes, cached apart from left to right', async () => {
    const elk = new ELK();
    let calls = 0;
    const cache = new LayoutCache({ layout: (input: ElkNode) => (calls++, elk.layout(input)) });
    const sizing = { key: 'test-font', height: 40, width: (id: string) => 100 + id.length };
    const down = await cache.layout(graph, graphHash(graph), { direction: 'DOWN', sizing });
    const y = (id: string) => down.nodes.get(id)?.y ?? Number.NaN;
    assert.ok(y('load') < y('split') && y('split') < y('fit') && y('fit') < y('evaluate'), 'each layer below its inputs');
    assert.equal(down.direction, 'DOWN');
    assert.equal(down.nodes.get('evaluate')?.width, 108);
    assert.equal(down.nodes.get('evaluate')?.height, 40);
    assert.ok(cache.has(graphHash(graph), { direction: 'DOWN', sizing }));
    assert.equal(cache.has(graphHash(graph)), false, 'left to right is another layout');
    await cache.layout(graph, graphHash(graph), { direction: 'DOWN', sizing });
    assert.equal(calls, 1);
  });

  it('evicts the least recently used layout beyond its capacity', async () => {
    const elk = new ELK();
    let calls = 0;
    const cache = new LayoutCache({ layout: (input: ElkNode) => (calls++, elk.layout(input)) }, 1);
    await cache.layout(graph);
    await cache.layout({ ...graph, nodes: graph.nodes.slice(0, 1), edges: [] });
    await cache.layout(graph);
    assert.equal(calls, 3);
    assert.equal(cache.size, 1);
  });

  it('lays out graphs from LAYERED_MIN_NODES nodes on with the layered layout, never asking elkjs', async () => {
    const elk = new ELK();
    let calls = 0;
    const cache = new LayoutCache({ layout: (input: ElkNode) => (calls++, elk.layout(input)) });
    const large = generateDag(LAYERED_MIN_NODES, 4);
    assert.equal(large.nodes.length, LAYERED_MIN_NODES);
    const layout = await cache.layout(large);
    assert.equal(calls, 0);
    assert.deepEqual(layout, layeredLayout(large));
    assert.equal(await cache.layout(large), layout, 'cached like any other');
    await cache.layout(generateDag(LAYERED_MIN_NODES - 1, 4));
    assert.equal(calls, 1, 'one node fewer goes to elkjs');
  });
});
