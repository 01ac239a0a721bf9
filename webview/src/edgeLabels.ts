/**
 * What flows on each drawn edge: the names of the producer's outputs it carries, when the
 * producer has named outputs (`train`, `test`; the single `output` goes unnamed), and where the
 * label sits (half way along the edge's polyline). Pure.
 */
import type { PipelineGraph } from '../../contracts/src/graph';

/** Labels by drawn edge id (`from->to`, see layout.ts), outputs in the order the graph lists them. */
export function edgeLabels(graph: Pick<PipelineGraph, 'edges'>): Map<string, string> {
  const names = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.kind !== 'data' || edge.fromOutput === undefined || edge.fromOutput === 'output') continue;
    const id = `${edge.from}->${edge.to}`;
    const list = names.get(id) ?? [];
    if (!list.includes(edge.fromOutput)) list.push(edge.fromOutput);
    names.set(id, list);
  }
  return new Map([...names].map(([id, list]) => [id, list.join(', ')]));
}

/** The point half way along a polyline (by length). */
export function midpoint(points: readonly { x: number; y: number }[]): { x: number; y: number } {
  if (points.length === 0) return { x: 0, y: 0 };
  const lengths = points.slice(1).map((point, i) => Math.hypot(point.x - points[i].x, point.y - points[i].y));
  let left = lengths.reduce((sum, length) => sum + length, 0) / 2;
  for (let i = 0; i < lengths.length; i++) {
    if (left <= lengths[i] && lengths[i] > 0) {
      const t = left / lengths[i];
      return { x: points[i].x + (points[i + 1].x - points[i].x) * t, y: points[i].y + (points[i + 1].y - points[i].y) * t };
    }
    left -= lengths[i];
  }
  return points[points.length - 1];
}
