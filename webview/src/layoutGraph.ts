/**
 * The proper layered graph the layered layout orders and places: every node in a layer, and an
 * edge spanning several layers cut into a chain through one dummy node per layer it crosses, so
 * every edge joins neighbouring layers. Pure and linear in the size of the result.
 */
import { balancedLayers, layerGraph, orientedEdges, type Layering } from './layering';
import type { PipelineGraph } from '../../contracts/src/graph';

/** One edge of the graph as a path through the layers. */
export interface EdgeChain {
  /** Index into `Layering.edges`. */
  edge: number;
  /** From the tail (its earlier end) to the head: real node, dummies, real node (one node for a self-loop). */
  nodes: number[];
  /** The edge runs against the layers (it closes a cycle): its points go from head to tail. */
  reversed: boolean;
}

export interface LayeredGraph {
  layering: Layering;
  /** Nodes `0..realCount-1` are the graph's (numbered as in `layering.ids`); the rest are dummies. */
  realCount: number;
  /** The layer of every node. */
  layerOf: number[];
  /** Every layer's nodes, in their order along the layer. */
  layers: number[][];
  /** Each node's neighbours in the layer before its own, and in the layer after. */
  upper: number[][];
  lower: number[][];
  chains: EdgeChain[];
}

export function layeredGraph(graph: Pick<PipelineGraph, 'nodes' | 'edges'>): LayeredGraph {
  const layering = layerGraph(graph);
  const { ins, outs } = orientedEdges(layering);
  const layer = balancedLayers(layering.order, ins, outs);
  const realCount = layering.ids.length;
  const layerOf = Array.from(layer);
  const upper: number[][] = Array.from({ length: realCount }, () => []);
  const lower: number[][] = Array.from({ length: realCount }, () => []);
  let top = -1;
  for (const l of layerOf) top = Math.max(top, l);
  const layers: number[][] = Array.from({ length: top + 1 }, () => []);
  for (const node of layering.order) layers[layerOf[node]].push(node);

  const position = new Int32Array(realCount);
  layering.order.forEach((node, i) => (position[node] = i));
  const chains = layering.edges.map((edge, index): EdgeChain => {
    const from = layering.index.get(edge.from) as number;
    const to = layering.index.get(edge.to) as number;
    if (from === to) return { edge: index, nodes: [from], reversed: false };
    const reversed = position[from] > position[to];
    const [tail, head] = reversed ? [to, from] : [from, to];
    const nodes = [tail];
    let previous = tail;
    for (let l = layerOf[tail] + 1; l <= layerOf[head]; l++) {
      let next = head;
      if (l < layerOf[head]) {
        next = layerOf.length;
        layerOf.push(l);
        upper.push([]);
        lower.push([]);
        layers[l].push(next);
      }
      lower[previous].push(next);
      upper[next].push(previous);
      nodes.push(next);
      previous = next;
    }
    return { edge: index, nodes, reversed };
  });
  return { layering, realCount, layerOf, layers, upper, lower, chains };
}
