/**
 * Longest-path layers of a pipeline graph, as the layered layouts see it: to guess each
 * direction's extent before laying out, and, balanced, the layers of our layered layout
 * (`layoutGraph.ts`). Pure and linear.
 */
import { layoutEdges, type PlacedEdge } from './layout';
import type { PipelineGraph } from '../../contracts/src/graph';

export interface Layering {
  /** Node ids, first occurrence order; nodes are numbered by their index here. */
  ids: string[];
  index: Map<string, number>;
  edges: Omit<PlacedEdge, 'points'>[];
  preds: number[][];
  succs: number[][];
  /** Nodes in topological order (nodes on a cycle last). */
  order: number[];
  /** The layer of each node. */
  layer: Int32Array;
  /** The nodes of each layer, in topological order. */
  layers: number[][];
}

export function layerGraph(graph: Pick<PipelineGraph, 'nodes' | 'edges'>): Layering {
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
  return { ids, index, edges, preds, succs, order, layer, layers };
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
 * Each node's inputs and outputs with every edge taken along the topological order (an edge
 * against it, on a cycle, counts reversed), self-loops left out: what the layered layout lays out.
 */
export function orientedEdges(layering: Pick<Layering, 'preds' | 'succs' | 'order'>): { ins: number[][]; outs: number[][] } {
  const { preds, succs, order } = layering;
  const position = new Int32Array(order.length);
  order.forEach((node, i) => (position[node] = i));
  const ins: number[][] = preds.map(() => []);
  const outs: number[][] = preds.map(() => []);
  succs.forEach((targets, from) => {
    for (const to of targets) {
      const [tail, head] = position[from] < position[to] ? [from, to] : [to, from];
      outs[tail].push(head);
      ins[head].push(tail);
    }
  });
  return { ins, outs };
}

/**
 * Layers that keep edges short, for the layered layout: from the longest-path layers of the
 * oriented edges, each node moves, within the layers its inputs and outputs allow, to the one
 * that shortens its edges in total (towards the side with more edges), until none moves; layers
 * left empty are dropped. A local search for what elkjs's network simplex layering finds exactly
 * (fewer long edges, so fewer bends). `ins`/`outs` from `orientedEdges`, `order` topological for
 * them: every edge then points to a later layer.
 */
export function balancedLayers(order: readonly number[], ins: readonly number[][], outs: readonly number[][], rounds = 16): Int32Array {
  const layer = new Int32Array(order.length);
  for (const node of order) for (const tail of ins[node]) layer[node] = Math.max(layer[node], layer[tail] + 1);
  for (let round = 0; round < rounds; round++) {
    let moved = false;
    // Alternate the sweep's direction: a move makes room for the nodes after it.
    const sweep = round % 2 === 0 ? order : [...order].reverse();
    for (const node of sweep) {
      const extra = ins[node].length - outs[node].length;
      if (extra === 0) continue;
      let target: number;
      if (extra > 0) {
        target = 0;
        for (const tail of ins[node]) target = Math.max(target, layer[tail] + 1);
      } else {
        target = Infinity;
        for (const head of outs[node]) target = Math.min(target, layer[head] - 1);
      }
      if (target !== layer[node]) {
        layer[node] = target;
        moved = true;
      }
    }
    if (!moved) break;
  }
  // Drop empty layers, keeping the order of the rest.
  let top = 0;
  for (const l of layer) top = Math.max(top, l);
  const used = new Int32Array(top + 1).fill(-1);
  for (const l of layer) used[l] = 1;
  let next = 0;
  for (let l = 0; l <= top; l++) if (used[l] === 1) used[l] = next++;
  for (let node = 0; node < layer.length; node++) layer[node] = used[layer[node]];
  return layer;
}
