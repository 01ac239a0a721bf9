/**
 * What a layout of a pipeline graph is (placed nodes, polyline edges), the hash of the structure
 * layouts are cached by (`layoutCache.ts`), and the elkjs layout (layered, left to right or top
 * down). The engine is injected: the webview passes elkjs running in a Web Worker
 * (`layoutEngine.ts`), tests pass elkjs directly and can count calls.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { PipelineGraph } from '../../contracts/src/graph';

/** What we need from elkjs. */
export interface LayoutEngine {
  layout(graph: ElkNode): Promise<ElkNode>;
}

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  id: string;
  from: string;
  to: string;
  kind: 'data' | 'order';
  /** Polyline from source to target. */
  points: { x: number; y: number }[];
}

export type LayoutDirection = 'RIGHT' | 'DOWN';

/** How big nodes are: measured from the webview's font, or estimated where there is no DOM. */
export interface NodeSizing {
  /** Names the sizing (its font) in layout cache keys. */
  key: string;
  height: number;
  width(id: string): number;
}

/** What a layout depends on besides the graph's structure. */
export interface LayoutRequest {
  direction: LayoutDirection;
  sizing: NodeSizing;
}

export interface GraphLayout {
  /** The layout cache key (structure hash, direction, sizing). */
  hash: string;
  direction: LayoutDirection;
  width: number;
  height: number;
  nodes: Map<string, PlacedNode>;
  edges: PlacedEdge[];
}

export const NODE_HEIGHT = 58;
const MIN_NODE_WIDTH = 150;
const CHAR_WIDTH = 7.5;

/** Width that fits the node's label, estimated (no DOM measuring, so layout runs anywhere). */
export function nodeWidth(label: string): number {
  return Math.max(MIN_NODE_WIDTH, Math.ceil(label.length * CHAR_WIDTH) + 56);
}

export const ESTIMATED_SIZING: NodeSizing = { key: 'estimated', height: NODE_HEIGHT, width: nodeWidth };

export const DEFAULT_REQUEST: LayoutRequest = { direction: 'RIGHT', sizing: ESTIMATED_SIZING };

/** Gaps between layers and between nodes of a layer (elkjs's options and the layered layout's). */
export const SPACING = { layerGap: 60, nodeGap: 24 } as const;

/** The cache key of the layout of the structure with this `graphHash`, for this request. */
export function layoutKey(hash: string, request: LayoutRequest): string {
  return `${hash}/${request.direction}/${request.sizing.key}`;
}

/**
 * A hash of what determines the layout: node ids, labels and edges, in a canonical order.
 * Statuses, diagnostics and ranges are deliberately left out. (53-bit, two 32-bit FNV-style
 * lanes: collisions only cost a wrong layout until the next edit, never wrong data.)
 */
export function graphHash(graph: Pick<PipelineGraph, 'nodes' | 'edges'>): string {
  const nodes = graph.nodes.map((node) => `${node.id}\u0001${node.step}`).sort();
  const edges = graph.edges.map((edge) => `${edge.from}\u0001${edge.to}\u0001${edge.kind}`).sort();
  const text = `${nodes.join('\u0002')}\u0003${edges.join('\u0002')}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Unique edges between existing nodes (data and order edges between the same pair collapse). */
export function layoutEdges(graph: Pick<PipelineGraph, 'nodes' | 'edges'>): Omit<PlacedEdge, 'points'>[] {
  const ids = new Set(graph.nodes.map((node) => node.id));
  const seen = new Map<string, Omit<PlacedEdge, 'points'>>();
  for (const edge of graph.edges) {
    if (!ids.has(edge.from) || !ids.has(edge.to)) continue;
    const id = `${edge.from}->${edge.to}`;
    const existing = seen.get(id);
    if (!existing) seen.set(id, { id, from: edge.from, to: edge.to, kind: edge.kind });
    else if (edge.kind === 'data') existing.kind = 'data';
  }
  return [...seen.values()];
}

/**
 * elkjs options. Polyline routing because the renderer draws straight segments (spline routing
 * returns Bézier control points, and costs more). Thoroughness 3 instead of the default 7: on the
 * generated 60- to 1,000-node pipelines of the benchmark (test/bench/webviewGraph.ts) it gave the
 * same edge-crossing counts as 7 within 1%, and was faster in most runs at 1,000 nodes (by up to
 * 30%); 1 was faster still but had up to 15% more crossings.
 */
export const LAYOUT_OPTIONS: Readonly<Record<string, string>> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.spacing.nodeNodeBetweenLayers': String(SPACING.layerGap),
  'elk.spacing.nodeNode': String(SPACING.nodeGap),
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.thoroughness': '3',
};

/** The elkjs layout of `graph` for `request`, as a `GraphLayout` under the cache key `key`. */
export async function elkLayout(engine: LayoutEngine, graph: Pick<PipelineGraph, 'nodes' | 'edges'>, request: LayoutRequest, key: string): Promise<GraphLayout> {
  const edges = layoutEdges(graph);
  const { sizing, direction } = request;
  const input: ElkNode = {
    id: 'root',
    layoutOptions: { ...LAYOUT_OPTIONS, 'elk.direction': direction },
    children: graph.nodes.map((node) => ({ id: node.id, width: sizing.width(node.id), height: sizing.height })),
    edges: edges.map((edge): ElkExtendedEdge => ({ id: edge.id, sources: [edge.from], targets: [edge.to] })),
  };
  const result = await engine.layout(input);
  const nodes = new Map<string, PlacedNode>();
  for (const child of result.children ?? []) {
    nodes.set(child.id, { id: child.id, x: child.x ?? 0, y: child.y ?? 0, width: child.width ?? sizing.width(child.id), height: child.height ?? sizing.height });
  }
  const routed = new Map(((result.edges ?? []) as ElkExtendedEdge[]).map((edge) => [edge.id, edge]));
  const placedEdges = edges.map((edge): PlacedEdge => {
    const section = routed.get(edge.id)?.sections?.[0];
    const points = section
      ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]
      : straightLine(nodes.get(edge.from), nodes.get(edge.to), direction);
    return { ...edge, points };
  });
  return { hash: key, direction, width: result.width ?? 0, height: result.height ?? 0, nodes, edges: placedEdges };
}

/**
 * A straight edge from the middle of the source's right side to the middle of the target's left
 * side (top down: from the middle of its bottom to the middle of the target's top).
 */
export function straightLine(from: PlacedNode | undefined, to: PlacedNode | undefined, direction: LayoutDirection = 'RIGHT'): { x: number; y: number }[] {
  if (!from || !to) return [];
  if (direction === 'DOWN') {
    return [
      { x: from.x + from.width / 2, y: from.y + from.height },
      { x: to.x + to.width / 2, y: to.y },
    ];
  }
  return [
    { x: from.x + from.width, y: from.y + from.height / 2 },
    { x: to.x, y: to.y + to.height / 2 },
  ];
}
