/**
 * Edge crossings of a proper layered graph (every edge joins neighbouring layers), counted per
 * pair of layers in O(E log V) with an accumulator tree (Barth, Jünger and Mutzel): the measure
 * the crossing minimization keeps its best ordering by.
 */

/**
 * Crossings between the edges from `upperLayer` (in its order) to the next layer: `lower[node]`
 * are a node's neighbours there, `position` every node's index in its own layer.
 */
export function crossingsBetween(upperLayer: readonly number[], lower: readonly (readonly number[])[], position: Int32Array, lowerSize: number): number {
  const tree = new Int32Array(lowerSize + 1);
  const ends: number[] = [];
  let inserted = 0;
  let crossings = 0;
  for (const node of upperLayer) {
    ends.length = 0;
    for (const next of lower[node]) ends.push(position[next]);
    // Edges of one node never cross each other; edges meeting at one lower node neither.
    for (const end of ends) {
      let atMost = 0;
      for (let i = end + 1; i > 0; i -= i & -i) atMost += tree[i];
      crossings += inserted - atMost;
    }
    for (const end of ends) {
      for (let i = end + 1; i <= lowerSize; i += i & -i) tree[i] += 1;
      inserted += 1;
    }
  }
  return crossings;
}

/** Crossings of all layers. */
export function totalCrossings(layers: readonly (readonly number[])[], lower: readonly (readonly number[])[], position: Int32Array): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) total += crossingsBetween(layers[l], lower, position, layers[l + 1].length);
  return total;
}

/** Each node's index in its layer. */
export function layerPositions(layers: readonly (readonly number[])[], count: number): Int32Array {
  const position = new Int32Array(count);
  for (const members of layers) members.forEach((node, i) => (position[node] = i));
  return position;
}
