/**
 * A fast layered layout drawn while elkjs works, so a large pipeline appears at once when its
 * panel opens (elkjs needs seconds for 1,000 nodes; this needs milliseconds) and then settles into
 * elkjs's layout. Pure and linear-ish: longest-path layers, then a few alternating passes that
 * place each node at the mean height of its inputs (then of its outputs), keeping the order and
 * spacing within a layer by isotonic regression (pool adjacent violators). Edges are straight.
 */
import { graphHash, layoutEdges, nodeWidth, NODE_HEIGHT, straightLine, type GraphLayout, type PlacedEdge, type PlacedNode } from './layout';
import type { PipelineGraph } from './protocol';

const LAYER_GAP = 60;
const NODE_GAP = 24;
const PASSES = 3;

export function draftLayout(graph: Pick<PipelineGraph, 'nodes' | 'edges'>, hash = graphHash(graph)): GraphLayout {
  const ids: string[] = [];
  const index = new Map<string, number>();
  for (const node of graph.nodes) {
    if (index.has(node.id)) continue;
    index.set(node.id, ids.length);
    ids.push(node.id);
  }
  const count = ids.length;
  const edges = layoutEdges(graph);
  const preds: number[][] = Array.from({ length: count }, () => []);
  const succs: number[][] = Array.from({ length: count }, () => []);
  for (const edge of edges) {
    const from = index.get(edge.from) as number;
    const to = index.get(edge.to) as number;
    if (from === to) continue;
    preds[to].push(from);
    succs[from].push(to);
  }

  // Topological order (Kahn); nodes on a cycle (a diagnostic, but still drawn) come last.
  const order = topologicalOrder(preds, succs);
  const position = new Int32Array(count);
  order.forEach((node, i) => (position[node] = i));
  const forward = (from: number, to: number) => position[from] < position[to];

  // Layers: longest path from a source; sources feeding only later steps move next to them.
  const layer = new Int32Array(count);
  for (const node of order) for (const p of preds[node]) if (forward(p, node)) layer[node] = Math.max(layer[node], layer[p] + 1);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    if (preds[node].length > 0 || succs[node].length === 0) continue;
    let nearest = Infinity;
    for (const s of succs[node]) if (forward(node, s)) nearest = Math.min(nearest, layer[s]);
    if (Number.isFinite(nearest)) layer[node] = Math.max(layer[node], nearest - 1);
  }
  let layerCount = 0;
  for (let node = 0; node < count; node++) layerCount = Math.max(layerCount, layer[node] + 1);
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (const node of order) layers[layer[node]].push(node);

  // Heights: start stacked in topological order, then alternate down (inputs) and up (outputs).
  const y = new Float64Array(count);
  for (const members of layers) members.forEach((node, i) => (y[node] = i * (NODE_HEIGHT + NODE_GAP)));
  const desired = new Float64Array(count);
  const settle = (members: number[], neighbours: number[][]): void => {
    for (const node of members) {
      const around = neighbours[node];
      if (around.length === 0) {
        desired[node] = y[node];
        continue;
      }
      let sum = 0;
      for (const other of around) sum += y[other];
      desired[node] = sum / around.length;
    }
    // Stable sort by desired height: the order within a layer follows the neighbours' order.
    members.sort((a, b) => desired[a] - desired[b] || y[a] - y[b]);
    placeInOrder(members, desired, y);
  };
  for (let pass = 0; pass < PASSES; pass++) {
    for (const members of layers) settle(members, preds);
    for (let l = layers.length - 1; l >= 0; l--) settle(layers[l], succs);
  }
  for (const members of layers) settle(members, preds);

  // Widths and horizontal positions per layer.
  const widths = ids.map((id) => nodeWidth(id));
  let x = 0;
  const layerX: number[] = [];
  for (const members of layers) {
    layerX.push(x);
    let widest = 0;
    for (const node of members) widest = Math.max(widest, widths[node]);
    x += widest + LAYER_GAP;
  }
  let top = Infinity;
  let bottom = -Infinity;
  for (let node = 0; node < count; node++) {
    top = Math.min(top, y[node]);
    bottom = Math.max(bottom, y[node] + NODE_HEIGHT);
  }
  if (count === 0) top = bottom = 0;
  const nodes = new Map<string, PlacedNode>();
  for (let node = 0; node < count; node++) {
    nodes.set(ids[node], { id: ids[node], x: layerX[layer[node]], y: y[node] - top, width: widths[node], height: NODE_HEIGHT });
  }
  const placedEdges = edges.map((edge): PlacedEdge => ({ ...edge, points: straightLine(nodes.get(edge.from), nodes.get(edge.to)) }));
  return { hash, width: Math.max(0, x - LAYER_GAP), height: bottom - top, nodes, edges: placedEdges };
}

function topologicalOrder(preds: number[][], succs: number[][]): number[] {
  const remaining = preds.map((list) => list.length);
  const queue: number[] = [];
  for (let node = 0; node < remaining.length; node++) if (remaining[node] === 0) queue.push(node);
  for (let head = 0; head < queue.length; head++) {
    for (const next of succs[queue[head]]) if (--remaining[next] === 0) queue.push(next);
  }
  if (queue.length < remaining.length) {
    const placed = new Set(queue);
    for (let node = 0; node < remaining.length; node++) if (!placed.has(node)) queue.push(node);
  }
  return queue;
}

/**
 * Heights for `members` (in this order, each NODE_HEIGHT + NODE_GAP below the previous) that are
 * closest to `desired` in least squares: isotonic regression of desired - offset.
 */
function placeInOrder(members: number[], desired: Float64Array, y: Float64Array): void {
  const step = NODE_HEIGHT + NODE_GAP;
  // Blocks of consecutive members that share one shifted height (their mean target).
  const start: number[] = [];
  const sum: number[] = [];
  const size: number[] = [];
  members.forEach((node, i) => {
    start.push(i);
    sum.push(desired[node] - i * step);
    size.push(1);
    while (sum.length > 1 && sum[sum.length - 2] / size[size.length - 2] > sum[sum.length - 1] / size[size.length - 1]) {
      const s = sum.pop() as number;
      const n = size.pop() as number;
      start.pop();
      sum[sum.length - 1] += s;
      size[size.length - 1] += n;
    }
  });
  for (let b = 0; b < start.length; b++) {
    const level = sum[b] / size[b];
    for (let i = start[b]; i < start[b] + size[b]; i++) y[members[i]] = level + i * step;
  }
}
