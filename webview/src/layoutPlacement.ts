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
  const { layers, upper, lower, realCount, size, gap } = graph;
  const count = layers.reduce((n, members) => n + members.length, 0);
  const pos = new Float64Array(count);
  for (const members of layers) {
    let next = 0;
    members.forEach((node, i) => {
      if (i > 0) next += gap(members[i - 1], node);
      pos[node] = next;
      next += size(node);
    });
  }
  const weight = (a: number, b: number) => (a >= realCount ? (b >= realCount ? 8 : 2) : b >= realCount ? 2 : 1);
  const desired = new Float64Array(count);
  const settle = (members: readonly number[], sides: readonly (readonly (readonly number[])[])[]): void => {
    for (const node of members) {
      let sum = 0;
      let total = 0;
      for (const side of sides) {
        for (const other of side[node]) {
          const w = weight(node, other);
          sum += w * (pos[other] + size(other) / 2);
          total += w;
        }
      }
      desired[node] = total === 0 ? pos[node] : sum / total - size(node) / 2;
    }
    placeInOrder(members, desired, pos, size, gap);
  };
  for (let pass = 0; pass < ONE_SIDED_PASSES; pass++) {
    for (const members of layers) settle(members, [upper]);
    for (let l = layers.length - 1; l >= 0; l--) settle(layers[l], [lower]);
  }
  for (let pass = 0; pass < BOTH_SIDED_PASSES; pass++) {
    const down = pass % 2 === 0;
    for (let i = 0; i < layers.length; i++) settle(layers[down ? i : layers.length - 1 - i], [upper, lower]);
  }
  let low = Infinity;
  for (let node = 0; node < count; node++) low = Math.min(low, pos[node]);
  if (count > 0) for (let node = 0; node < count; node++) pos[node] -= low;
  return pos;
}

/**
 * Positions for `members` (in this order, each at least the previous one's size plus their gap
 * after it) closest to `desired` in least squares: isotonic regression of desired - offset.
 */
export function placeInOrder(members: readonly number[], desired: Float64Array, pos: Float64Array, sizeOf: (node: number) => number, gap: (first: number, second: number) => number): void {
  const offsets: number[] = [];
  let offset = 0;
  members.forEach((node, i) => {
    if (i > 0) offset += sizeOf(members[i - 1]) + gap(members[i - 1], node);
    offsets.push(offset);
  });
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
