/**
 * The webview's layouts, cached by a hash of the graph's structure (plus the direction and the
 * node sizes' font), so status updates (which do not change structure) never re-layout. Small
 * graphs are laid out by elkjs (in the injected engine: a Web Worker in the webview); large ones
 * by our own layered layout on this thread (`layeredLayout.ts`), which needs milliseconds where
 * elkjs needs a second and more.
 */
import { DEFAULT_REQUEST, elkLayout, graphHash, layoutKey, type GraphLayout, type LayoutEngine, type LayoutRequest } from './layout';
import { layeredLayout } from './layeredLayout';
import type { PipelineGraph } from '../../contracts/src/graph';

/**
 * Graphs from this size on are laid out by `layeredLayout`: from here elkjs in a worker took
 * more than the 300 ms a final drawing may take (test/bench/webviewBench.ts).
 */
export const LAYERED_MIN_NODES = 150;

/** Which layout a graph gets. */
export function layoutKind(graph: Pick<PipelineGraph, 'nodes'>): 'elkjs' | 'layered' {
  return graph.nodes.length >= LAYERED_MIN_NODES ? 'layered' : 'elkjs';
}

export class LayoutCache {
  private readonly cache = new Map<string, Promise<GraphLayout>>();

  constructor(
    private readonly engine: LayoutEngine,
    /** Layouts kept (one panel shows one pipeline; a few versions cover undo/redo). */
    private readonly capacity = 8,
  ) {}

  /** The layout of this graph's structure, computed at most once per key (pass its hash if you have it). */
  layout(graph: Pick<PipelineGraph, 'nodes' | 'edges'>, hash = graphHash(graph), request: LayoutRequest = DEFAULT_REQUEST): Promise<GraphLayout> {
    const key = layoutKey(hash, request);
    const cached = this.cache.get(key);
    if (cached) {
      // Refresh recency.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const computed = this.compute(key, hash, graph, request);
    this.cache.set(key, computed);
    computed.catch(() => this.cache.delete(key));
    while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    return computed;
  }

  /** True when the layout of the structure with this `graphHash` is cached or being computed for `request`. */
  has(hash: string, request: LayoutRequest = DEFAULT_REQUEST): boolean {
    return this.cache.has(layoutKey(hash, request));
  }

  get size(): number {
    return this.cache.size;
  }

  private async compute(key: string, hash: string, graph: Pick<PipelineGraph, 'nodes' | 'edges'>, request: LayoutRequest): Promise<GraphLayout> {
    return layoutKind(graph) === 'layered' ? layeredLayout(graph, hash, request) : elkLayout(this.engine, graph, request, key);
  }
}
