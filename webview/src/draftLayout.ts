/**
 * A fast layered layout drawn while elkjs works, so a large pipeline appears at once when its
 * panel opens (elkjs needs seconds for 1,000 nodes; this needs milliseconds) and then settles into
 * elkjs's layout. Pure and linear-ish: longest-path layers, then a few alternating passes that
 * place each node at the mean height of its inputs (then of its outputs), keeping the order and
 * spacing within a layer by isotonic regression (pool adjacent violators). Edges are straight.
 */
import { DEFAULT_REQUEST, graphHash, layoutKey, SPACING, straightLine, type GraphLayout, type LayoutRequest, type PlacedEdge, type PlacedNode } from './layout';
import { layerGraph } from './layering';
import type { PipelineGraph } from '../../contracts/src/graph';

const PASSES = 3;

/**
 * Positions are computed along two axes: across layers (x left to right, y top down) and along a
 * layer (the other one), where each node takes its own size (its height left to right, its width
 * top down).
 */
export function draftLayout(graph: Pick<PipelineGraph, 'nodes' | 'edges'>, hash = graphHash(graph), request: LayoutRequest = DEFAULT_REQUEST): GraphLayout {
  const { ids, edges, preds, succs, layer, layers } = layerGraph(graph);
  const count = ids.length;
  const { direction, sizing } = request;
  const widths = ids.map((id) => sizing.width(id));
  const down = direction === 'DOWN';
  /** Size along a layer, and thickness across layers. */
  const along = (node: number) => (down ? widths[node] : sizing.height);
  const across = (node: number) => (down ? sizing.height : widths[node]);

  // Along a layer: start stacked in topological order, then alternate towards the mean centre of
  // each node's inputs, then of its outputs.
  const pos = new Float64Array(count);
  for (const members of layers) {
    let next = 0;
    for (const node of members) {
      pos[node] = next;
      next += along(node) + SPACING.nodeGap;
    }
  }
  const desired = new Float64Array(count);
  const settle = (members: number[], neighbours: number[][]): void => {
    for (const node of members) {
      const around = neighbours[node];
      if (around.length === 0) {
        desired[node] = pos[node];
        continue;
      }
      let sum = 0;
      for (const other of around) sum += pos[other] + along(other) / 2;
      desired[node] = sum / around.length - along(node) / 2;
    }
    // Stable sort by desired position: the order within a layer follows the neighbours' order.
    members.sort((a, b) => desired[a] - desired[b] || pos[a] - pos[b]);
    placeInOrder(members, desired, pos, along);
  };
  for (let pass = 0; pass < PASSES; pass++) {
    for (const members of layers) settle(members, preds);
    for (let l = layers.length - 1; l >= 0; l--) settle(layers[l], succs);
  }
  for (const members of layers) settle(members, preds);

  // Across layers: each layer as thick as its thickest node.
  let cross = 0;
  const layerStart: number[] = [];
  for (const members of layers) {
    layerStart.push(cross);
    let thickest = 0;
    for (const node of members) thickest = Math.max(thickest, across(node));
    cross += thickest + SPACING.layerGap;
  }
  let low = Infinity;
  let high = -Infinity;
  for (let node = 0; node < count; node++) {
    low = Math.min(low, pos[node]);
    high = Math.max(high, pos[node] + along(node));
  }
  if (count === 0) low = high = 0;
  const nodes = new Map<string, PlacedNode>();
  for (let node = 0; node < count; node++) {
    const a = pos[node] - low;
    const c = layerStart[layer[node]];
    nodes.set(ids[node], { id: ids[node], x: down ? a : c, y: down ? c : a, width: widths[node], height: sizing.height });
  }
  const placedEdges = edges.map((edge): PlacedEdge => ({ ...edge, points: straightLine(nodes.get(edge.from), nodes.get(edge.to), direction) }));
  const crossExtent = Math.max(0, cross - SPACING.layerGap);
  return { hash: layoutKey(hash, request), direction, width: down ? high - low : crossExtent, height: down ? crossExtent : high - low, nodes, edges: placedEdges };
}

/**
 * Positions for `members` (in this order, each at least its predecessor's size + NODE_GAP after
 * it) that are closest to `desired` in least squares: isotonic regression of desired - offset.
 */
function placeInOrder(members: number[], desired: Float64Array, pos: Float64Array, sizeOf: (node: number) => number): void {
  const offsets: number[] = [];
  let offset = 0;
  for (const node of members) {
    offsets.push(offset);
    offset += sizeOf(node) + SPACING.nodeGap;
  }
  // Blocks of consecutive members that share one shifted position (their mean target).
  const start: number[] = [];
  const sum: number[] = [];
  const size: number[] = [];
  members.forEach((node, i) => {
    start.push(i);
    sum.push(desired[node] - offsets[i]);
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
    for (let i = start[b]; i < start[b] + size[b]; i++) pos[members[i]] = level + offsets[i];
  }
}
