/**
 * Crossing minimization of a proper layered graph, as layered layouts do it (elkjs's layer sweep,
 * dot's mincross): sweeps down and up the layers, each layer sorted by the barycentre of its
 * neighbours in the layer just placed, keeping the best ordering seen; then swaps of neighbours
 * in a layer while a swap removes crossings (dot's transpose, elkjs's greedy switch).
 */
import { layerPositions, totalCrossings } from './layoutCrossings';

export interface Ordering {
  layers: number[][];
  upper: readonly (readonly number[])[];
  lower: readonly (readonly number[])[];
}

/** Sweeps without a better ordering before giving up, and sweeps at most. */
const PATIENCE = 3;
const MAX_SWEEPS = 24;
const MAX_TRANSPOSE_ROUNDS = 8;

/** Reorders `graph.layers` in place; returns the crossings left. */
export function minimizeCrossings(graph: Ordering): number {
  const { layers, upper, lower } = graph;
  const count = layers.reduce((n, members) => n + members.length, 0);
  const position = layerPositions(layers, count);
  let best = layers.map((members) => [...members]);
  let fewest = totalCrossings(layers, lower, position);
  let stale = 0;
  for (let sweep = 0; sweep < MAX_SWEEPS && fewest > 0 && stale < PATIENCE; sweep++) {
    for (let l = 1; l < layers.length; l++) sortByBarycentre(layers[l], upper, position);
    for (let l = layers.length - 2; l >= 0; l--) sortByBarycentre(layers[l], lower, position);
    const crossings = totalCrossings(layers, lower, position);
    if (crossings < fewest) {
      fewest = crossings;
      best = layers.map((members) => [...members]);
      stale = 0;
    } else stale += 1;
  }
  best.forEach((members, l) => (layers[l] = members));
  const bestPosition = layerPositions(layers, count);
  fewest -= transpose(layers, upper, lower, bestPosition);
  return fewest;
}

/**
 * Sorts one layer by the mean position of each node's neighbours on the given side; nodes with
 * none there keep their place. Ties keep the current order.
 */
function sortByBarycentre(members: number[], neighbours: readonly (readonly number[])[], position: Int32Array): void {
  const keys = new Float64Array(members.length);
  const movable: number[] = [];
  const fixed: boolean[] = [];
  members.forEach((node, i) => {
    const around = neighbours[node];
    if (around.length === 0) {
      fixed.push(true);
      return;
    }
    let sum = 0;
    for (const other of around) sum += position[other];
    keys[i] = sum / around.length;
    fixed.push(false);
    movable.push(i);
  });
  movable.sort((a, b) => keys[a] - keys[b] || a - b);
  const before = [...members];
  let next = 0;
  for (let i = 0; i < members.length; i++) if (!fixed[i]) members[i] = before[movable[next++]];
  members.forEach((node, i) => (position[node] = i));
}

/** Crossings among the edges of `left` and `right` (left placed first) towards both neighbouring layers. */
function pairCrossings(left: number, right: number, upper: readonly (readonly number[])[], lower: readonly (readonly number[])[], position: Int32Array): number {
  let crossings = 0;
  for (const side of [upper, lower]) {
    for (const a of side[left]) for (const b of side[right]) if (position[a] > position[b]) crossings += 1;
  }
  return crossings;
}

/** Swaps neighbours in each layer while that removes crossings; returns how many it removed. */
function transpose(layers: number[][], upper: readonly (readonly number[])[], lower: readonly (readonly number[])[], position: Int32Array): number {
  let removed = 0;
  for (let round = 0; round < MAX_TRANSPOSE_ROUNDS; round++) {
    let gained = 0;
    for (const members of layers) {
      for (let i = 0; i + 1 < members.length; i++) {
        const left = members[i];
        const right = members[i + 1];
        const gain = pairCrossings(left, right, upper, lower, position) - pairCrossings(right, left, upper, lower, position);
        if (gain <= 0) continue;
        members[i] = right;
        members[i + 1] = left;
        position[right] = i;
        position[left] = i + 1;
        gained += gain;
      }
    }
    removed += gained;
    if (gained === 0) break;
  }
  return removed;
}
