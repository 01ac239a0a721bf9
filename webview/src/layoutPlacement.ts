/**
 * Where each node of an ordered layered graph goes along its layer (y left to right, x top down):
 * in its layer's order, each at least its size and a gap after the one before, as near as it can
 * be to the weighted mean centre of its neighbours in the layers around. Layers are settled one
 * at a time, down, up, then against both sides, each by isotonic regression (pool adjacent
 * violators: the least-squares positions that keep the order and the gaps). Edges between dummy
 * nodes weigh most, so long edges run straight (dot's weights: 1, 2, 8).
 */

export interface Placement {
  layers: readonly (readonly number[])[];
  upper: readonly (readonly number[])[];
  lower: readonly (readonly number[])[];
  /** Nodes from this index on are dummies. */
  realCount: number;
  /** A node's size along its layer. */
  size(node: number): number;
  /** The gap between two nodes next to each other in a layer. */
  gap(first: number, second: number): number;
}

const ONE_SIDED_PASSES = 4;
const BOTH_SIDED_PASSES = 12;

/** The position (start edge) of every node along its layer, the smallest at 0. */
export function placeAlongLayers(graph: Placement): Float64Array {
  const { layers, upper, lower, realCount, gap } = graph;
  const count = layers.reduce((n, members) => n + members.length, 0);
  const size = new Float64Array(count);
  for (let node = 0; node < count; node++) size[node] = graph.size(node);
  // The order along each layer is fixed: so is each member's offset from the layer's first one.
  const offset = new Float64Array(count);
  let widest = 0;
  for (const members of layers) {
    widest = Math.max(widest, members.length);
    let next = 0;
    members.forEach((node, i) => {
      if (i > 0) next += size[members[i - 1]] + gap(members[i - 1], node);
      offset[node] = next;
    });
  }
  const pos = Float64Array.from(offset);
  const desired = new Float64Array(count);
  const blocks = new BlockScratch(widest);
  const pull = (node: number, side: readonly number[], sum: number[]): void => {
    const dummy = node >= realCount;
    for (const other of side) {
      const w = dummy ? (other >= realCount ? 8 : 2) : other >= realCount ? 2 : 1;
      sum[0] += w * (pos[other] + size[other] / 2);
      sum[1] += w;
    }
  };
  const sum = [0, 0];
  const settle = (members: readonly number[], useUpper: boolean, useLower: boolean): void => {
    for (const node of members) {
      sum[0] = 0;
      sum[1] = 0;
      if (useUpper) pull(node, upper[node], sum);
      if (useLower) pull(node, lower[node], sum);
      desired[node] = sum[1] === 0 ? pos[node] : sum[0] / sum[1] - size[node] / 2;
    }
    placeInOrder(members, desired, offset, pos, blocks);
  };
  for (let pass = 0; pass < ONE_SIDED_PASSES; pass++) {
    for (const members of layers) settle(members, true, false);
    for (let l = layers.length - 1; l >= 0; l--) settle(layers[l], false, true);
  }
  for (let pass = 0; pass < BOTH_SIDED_PASSES; pass++) {
    const down = pass % 2 === 0;
    for (let i = 0; i < layers.length; i++) settle(layers[down ? i : layers.length - 1 - i], true, true);
  }
  let low = Infinity;
  for (let node = 0; node < count; node++) low = Math.min(low, pos[node]);
  if (count > 0) for (let node = 0; node < count; node++) pos[node] -= low;
  return pos;
}

/** Reused arrays of the blocks of `placeInOrder` (one layer at a time). */
class BlockScratch {
  readonly start: Int32Array;
  readonly sum: Float64Array;
  readonly size: Int32Array;
  constructor(capacity: number) {
    this.start = new Int32Array(capacity);
    this.sum = new Float64Array(capacity);
    this.size = new Int32Array(capacity);
  }
}

/**
 * Positions for `members` (in this order, each `offset` from the first) closest to `desired` in
 * least squares: isotonic regression of desired - offset (pool adjacent violators).
 */
function placeInOrder(members: readonly number[], desired: Float64Array, offset: Float64Array, pos: Float64Array, blocks: BlockScratch): void {
  // Blocks of consecutive members that share one shifted position (their mean target).
  const { start, sum, size } = blocks;
  let top = -1;
  for (let i = 0; i < members.length; i++) {
    top += 1;
    start[top] = i;
    sum[top] = desired[members[i]] - offset[members[i]];
    size[top] = 1;
    while (top > 0 && sum[top - 1] / size[top - 1] > sum[top] / size[top]) {
      sum[top - 1] += sum[top];
      size[top - 1] += size[top];
      top -= 1;
    }
  }
  for (let b = 0; b <= top; b++) {
    const level = sum[b] / size[b];
    for (let i = start[b]; i < start[b] + size[b]; i++) pos[members[i]] = level + offset[members[i]];
  }
}
