/**
 * The part of a polyline inside a rectangle, for the moving dashes of a flowing edge: dashing
 * costs the browser in proportion to a path's whole length, visible or not, and at a readable
 * zoom an edge of a large graph can be thousands of pixels long. Pure.
 */
export interface Point {
  x: number;
  y: number;
}

export interface ClippedPolyline {
  points: Point[];
  /** Distance along the original polyline where the clipped part starts (keeps the dash phase). */
  start: number;
}

/** The parameters (0..1) where segment a→b is inside `rect`, or undefined when it misses it (Liang–Barsky). */
function clipSegment(a: Point, b: Point, rect: { x: number; y: number; width: number; height: number }): [number, number] | undefined {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let low = 0;
  let high = 1;
  const edges: [number, number][] = [
    [-dx, a.x - rect.x],
    [dx, rect.x + rect.width - a.x],
    [-dy, a.y - rect.y],
    [dy, rect.y + rect.height - a.y],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return undefined;
      continue;
    }
    const t = q / p;
    if (p < 0) low = Math.max(low, t);
    else high = Math.min(high, t);
    if (low > high) return undefined;
  }
  return [low, high];
}

const at = (a: Point, b: Point, t: number): Point => ({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });

/**
 * From where the polyline first enters `rect` to where it last leaves it (the vertices between
 * included), or undefined when it never meets it.
 */
export function clipPolyline(points: Point[], rect: { x: number; y: number; width: number; height: number }): ClippedPolyline | undefined {
  let first: { segment: number; t: number } | undefined;
  let last: { segment: number; t: number } | undefined;
  for (let i = 0; i + 1 < points.length; i++) {
    const inside = clipSegment(points[i], points[i + 1], rect);
    if (!inside) continue;
    first ??= { segment: i, t: inside[0] };
    last = { segment: i, t: inside[1] };
  }
  if (!first || !last) return undefined;
  let start = 0;
  for (let i = 0; i < first.segment; i++) start += Math.hypot(points[i + 1].x - points[i].x, points[i + 1].y - points[i].y);
  const a = points[first.segment];
  const b = points[first.segment + 1];
  start += Math.hypot(b.x - a.x, b.y - a.y) * first.t;
  const clipped = [at(a, b, first.t)];
  for (let i = first.segment + 1; i <= last.segment; i++) clipped.push(points[i]);
  clipped.push(at(points[last.segment], points[last.segment + 1], last.t));
  return { points: clipped, start };
}
