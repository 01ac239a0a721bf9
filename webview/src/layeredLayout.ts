/**
 * Our own layered layout (Sugiyama's method, as elkjs's and dot's): layers that keep edges short
 * (`layering.ts`), long edges cut at each layer they cross (`layoutGraph.ts`), the order within
 * layers that removes crossings (`layoutOrdering.ts`), positions along the layers that straighten
 * edges (`layoutPlacement.ts`), then polyline edges through their dummies' places, so an edge
 * never runs over a node. Pure and near linear: 1,000 nodes take tens of milliseconds where elkjs
 * takes a second, so it is the final layout of large graphs (`layout.ts`).
 */
import { DEFAULT_REQUEST, graphHash, layoutKey, SPACING, type GraphLayout, type LayoutRequest, type PlacedEdge, type PlacedNode } from './layout';
import { layeredGraph, type EdgeChain } from './layoutGraph';
import { minimizeCrossings } from './layoutOrdering';
import { placeAlongLayers } from './layoutPlacement';
import type { PipelineGraph } from '../../contracts/src/graph';

/** Gaps along a layer between an edge passing through and a node, and between two such edges (elkjs's defaults). */
const EDGE_NODE_GAP = 12;
const EDGE_EDGE_GAP = 10;
/** How far a self-loop stands out of its node. */
const LOOP = 16;

interface Point {
  x: number;
  y: number;
}

/**
 * Coordinates are computed along a layer (`a`: y left to right, x top down) and across the
 * layers (`c`), where each node takes its own size (its height left to right, its width top down).
 */
export function layeredLayout(graph: Pick<PipelineGraph, 'nodes' | 'edges'>, hash = graphHash(graph), request: LayoutRequest = DEFAULT_REQUEST): GraphLayout {
  const layered = layeredGraph(graph);
  const { layering, realCount, layers, layerOf, chains } = layered;
  const { direction, sizing } = request;
  const down = direction === 'DOWN';
  const widths = layering.ids.map((id) => sizing.width(id));
  const along = (node: number) => (node >= realCount ? 0 : down ? widths[node] : sizing.height);
  const across = (node: number) => (node >= realCount ? 0 : down ? sizing.height : widths[node]);
  const gap = (first: number, second: number) => (first < realCount && second < realCount ? SPACING.nodeGap : first >= realCount && second >= realCount ? EDGE_EDGE_GAP : EDGE_NODE_GAP);

  minimizeCrossings(layered);
  const a = placeAlongLayers({ ...layered, size: along, gap });

  // Across layers: each layer as thick as its thickest node, nodes centred in it.
  const layerStart: number[] = [];
  const thickness: number[] = [];
  let c = 0;
  for (const members of layers) {
    let thickest = 0;
    for (const node of members) thickest = Math.max(thickest, across(node));
    layerStart.push(c);
    thickness.push(thickest);
    c += thickest + SPACING.layerGap;
  }
  const start = (node: number) => layerStart[layerOf[node]] + (thickness[layerOf[node]] - across(node)) / 2;
  const point = (alongAt: number, acrossAt: number): Point => (down ? { x: alongAt, y: acrossAt } : { x: acrossAt, y: alongAt });

  const nodes = new Map<string, PlacedNode>();
  let extent = 0;
  for (let node = 0; node < a.length; node++) extent = Math.max(extent, a[node] + along(node));
  for (let node = 0; node < realCount; node++) {
    const id = layering.ids[node];
    const at = point(a[node], start(node));
    nodes.set(id, { id, x: at.x, y: at.y, width: widths[node], height: sizing.height });
  }

  const route = (chain: EdgeChain): Point[] => {
    const tail = chain.nodes[0];
    const middle = (node: number) => a[node] + along(node) / 2;
    if (chain.nodes.length === 1) {
      // A self-loop: out of the node's side facing the layer before, and back in.
      const centre = start(tail) + across(tail) / 2;
      const side = a[tail];
      return [point(side, centre + LOOP), point(side - LOOP, centre + LOOP), point(side - LOOP, centre - LOOP), point(side, centre - LOOP)];
    }
    const points: Point[] = [];
    const tailLayer = layerOf[tail];
    points.push(point(middle(tail), start(tail) + across(tail)));
    points.push(point(middle(tail), layerStart[tailLayer] + thickness[tailLayer]));
    for (const node of chain.nodes.slice(1, -1)) {
      const l = layerOf[node];
      points.push(point(a[node], layerStart[l]), point(a[node], layerStart[l] + thickness[l]));
    }
    const head = chain.nodes[chain.nodes.length - 1];
    points.push(point(middle(head), layerStart[layerOf[head]]));
    points.push(point(middle(head), start(head)));
    const simple = withoutStraightJoints(points);
    return chain.reversed ? simple.reverse() : simple;
  };
  const edges = layering.edges.map((edge, index): PlacedEdge => ({ ...edge, points: route(chains[index]) }));
  const crossExtent = Math.max(0, c - SPACING.layerGap);
  return { hash: layoutKey(hash, request), direction, width: down ? extent : crossExtent, height: down ? crossExtent : extent, nodes, edges };
}

/** The polyline without repeated points and without points in the middle of a straight run. */
function withoutStraightJoints(points: Point[]): Point[] {
  const kept: Point[] = [];
  for (const p of points) {
    const last = kept[kept.length - 1];
    if (last && Math.abs(last.x - p.x) < 1e-6 && Math.abs(last.y - p.y) < 1e-6) continue;
    const before = kept[kept.length - 2];
    if (before && last && Math.abs((last.x - before.x) * (p.y - before.y) - (last.y - before.y) * (p.x - before.x)) < 1e-6) kept.pop();
    kept.push(p);
  }
  return kept;
}
