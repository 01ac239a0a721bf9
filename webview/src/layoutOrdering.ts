/**
 * Crossing minimization of a proper layered graph, as layered layouts do it (elkjs's layer sweep,
 * dot's mincross): sweeps down and up the layers, each layer sorted by the barycentre of its
 * neighbours in the layer just placed, each sweep followed by swaps of neighbours while a swap
 * removes crossings (dot's transpose, elkjs's greedy switch), keeping the best ordering seen;
 * from the given order and from a few seeded random ones (the same graph is always laid out alike).
 */
import { layerPositions, totalCrossings } from './layoutCrossings';
import { seededRandom } from './seededRandom';

export interface Ordering {
  layers: number[][];
  upper: readonly (readonly number[])[];
  lower: readonly (readonly number[])[];
}

/** Sweeps without a better ordering before giving up, and sweeps at most. */
const PATIENCE = 3;
const MAX_SWEEPS = 24;
const MAX_TRANSPOSE_ROUNDS = 8;
/**
 * Orderings tried from random starts besides the given one (elkjs's thoroughness plays this
 * part): long edges' chains only change sides from a new start. At most `MAX_RESTARTS`, fewer for
 * graphs of more than `RESTART_BUDGET / MAX_RESTARTS` nodes (dummies included), so the work stays
 * about linear in the graph's size.
 */
const MAX_RESTARTS = 8;
const RESTART_BUDGET = 32_000;

/** Reorders `graph.layers` in place; returns the crossings left. */
export function minimizeCrossings(graph: Ordering): number {
  const { layers, upper, lower } = graph;
  const count = layers.reduce((n, members) => n + members.length, 0);
  let best = layers.map((members) => [...members]);
  let fewest = Infinity;
  const given = layers.map((members) => [...members]);
  const random = seededRandom(1);
  const restarts = Math.min(MAX_RESTARTS, Math.floor(RESTART_BUDGET / Math.max(1, count)));
  for (let start = 0; start <= restarts; start++) {
    given.forEach((members, l) => (layers[l] = start === 0 ? [...members] : shuffled(members, random)));
    const crossings = sweep(layers, upper, lower, count);
    if (crossings < fewest) {
      fewest = crossings;
      best = layers.map((members) => [...members]);
    }
    if (fewest === 0) break;
  }
  best.forEach((members, l) => (layers[l] = members));
  return fewest;
}

/** Layer sweeps from the current order, each followed by transposes; leaves the best ordering seen in `layers`. */
function sweep(layers: number[][], upper: readonly (readonly number[])[], lower: readonly (readonly number[])[], count: number): number {
  const position = layerPositions(layers, count);
  const key = new Float64Array(count);
  let best = layers.map((members) => [...members]);
  let fewest = totalCrossings(layers, lower, position);
  let stale = 0;
  for (let round = 0; round < MAX_SWEEPS && fewest > 0 && stale < PATIENCE; round++) {
    for (let l = 1; l < layers.length; l++) sortByBarycentre(layers[l], upper, position, key);
    for (let l = layers.length - 2; l >= 0; l--) sortByBarycentre(layers[l], lower, position, key);
    transpose(layers, upper, lower, position);
    const crossings = totalCrossings(layers, lower, position);
    if (crossings < fewest) {
      fewest = crossings;
      best = layers.map((members) => [...members]);
      stale = 0;
    } else stale += 1;
  }
  best.forEach((members, l) => (layers[l] = members));
  return fewest;
}

function shuffled(members: readonly number[], random: () => number): number[] {
  const out = [...members];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Sorts one layer by the mean position of each node's neighbours on the given side; nodes with
 * none there keep their place. Ties keep the current order.
 */
function sortByBarycentre(members: number[], neighbours: readonly (readonly number[])[], position: Int32Array, key: Float64Array): void {
  const movable: number[] = [];
  for (const node of members) {
    const around = neighbours[node];
    if (around.length === 0) continue;
    let sum = 0;
    for (const other of around) sum += position[other];
    key[node] = sum / around.length;
    movable.push(node);
  }
  if (movable.length < 2) return;
  movable.sort((a, b) => key[a] - key[b] || position[a] - position[b]);
  let next = 0;
  for (let i = 0; i < members.length; i++) if (neighbours[members[i]].length > 0) members[i] = movable[next++];
  for (let i = 0; i < members.length; i++) position[members[i]] = i;
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
