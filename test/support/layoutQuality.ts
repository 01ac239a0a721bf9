/**
 * Measures of how well a drawn graph reads, taken from the drawing itself (nodes' boxes and
 * edges' polylines), so any two layouts of one graph compare alike (elkjs's and ours): edge
 * crossings, and edges that run over a node they do not join.
 */
import type { GraphLayout, PlacedNode } from '../../webview/src/layout';

interface Segment {
  edge: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function segmentsOf(layout: GraphLayout): Segment[] {
  const segments: Segment[] = [];
  layout.edges.forEach((edge, index) => {
    for (let i = 1; i < edge.points.length; i++) {
      const a = edge.points[i - 1];
      const b = edge.points[i];
      segments.push({ edge: index, x1: a.x, y1: a.y, x2: b.x, y2: b.y });
    }
  });
  return segments;
}

const side = (ax: number, ay: number, bx: number, by: number, px: number, py: number) => (bx - ax) * (py - ay) - (by - ay) * (px - ax);

/** True when the two segments cross at a point inside both (touching at an end does not count). */
function cross(s: Segment, t: Segment): boolean {
  const d1 = side(s.x1, s.y1, s.x2, s.y2, t.x1, t.y1);
  const d2 = side(s.x1, s.y1, s.x2, s.y2, t.x2, t.y2);
  const d3 = side(t.x1, t.y1, t.x2, t.y2, s.x1, s.y1);
  const d4 = side(t.x1, t.y1, t.x2, t.y2, s.x2, s.y2);
  const eps = 1e-6;
  return ((d1 > eps && d2 < -eps) || (d1 < -eps && d2 > eps)) && ((d3 > eps && d4 < -eps) || (d3 < -eps && d4 > eps));
}

/** Points where two different edges cross. */
export function edgeCrossings(layout: GraphLayout): number {
  const segments = segmentsOf(layout)
    .map((s) => ({ ...s, minX: Math.min(s.x1, s.x2), maxX: Math.max(s.x1, s.x2), minY: Math.min(s.y1, s.y2), maxY: Math.max(s.y1, s.y2) }))
    .sort((a, b) => a.minX - b.minX);
  let crossings = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    for (let j = i + 1; j < segments.length && segments[j].minX <= s.maxX; j++) {
      const t = segments[j];
      if (t.edge === s.edge || t.maxY < s.minY || t.minY > s.maxY) continue;
      if (cross(s, t)) crossings += 1;
    }
  }
  return crossings;
}

/** True when the segment passes through the inside of the box (shrunk by `margin`). Liang–Barsky clipping. */
function throughBox(s: Segment, box: PlacedNode, margin: number): boolean {
  const left = box.x + margin;
  const right = box.x + box.width - margin;
  const top = box.y + margin;
  const bottom = box.y + box.height - margin;
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [
    [-dx, s.x1 - left],
    [dx, right - s.x1],
    [-dy, s.y1 - top],
    [dy, bottom - s.y1],
  ]) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

/** Edges with a segment through a node they neither leave nor reach, as `edge id over node id`. */
export function edgesOverNodes(layout: GraphLayout, margin = 1): string[] {
  const nodes = [...layout.nodes.values()];
  const found: string[] = [];
  for (const s of segmentsOf(layout)) {
    const edge = layout.edges[s.edge];
    for (const node of nodes) {
      if (node.id === edge.from || node.id === edge.to) continue;
      if (Math.max(s.x1, s.x2) < node.x || Math.min(s.x1, s.x2) > node.x + node.width || Math.max(s.y1, s.y2) < node.y || Math.min(s.y1, s.y2) > node.y + node.height) continue;
      if (throughBox(s, node, margin)) found.push(`${edge.id} over ${node.id}`);
    }
  }
  return found;
}

/** Pairs of nodes whose boxes overlap. */
export function overlappingNodes(layout: GraphLayout): string[] {
  const nodes = [...layout.nodes.values()].sort((a, b) => a.x - b.x);
  const found: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length && nodes[j].x < nodes[i].x + nodes[i].width; j++) {
      const [a, b] = [nodes[i], nodes[j]];
      if (a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${a.id} and ${b.id}`);
    }
  }
  return found;
}
