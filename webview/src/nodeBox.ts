/**
 * What a node box holds and where, from the font its text is drawn in: the status glyph, the
 * title (the invocation id) and the detail line (attempt, duration, heartbeat age). Nodes are as
 * wide as their title (between a minimum and a maximum); text that still does not fit is cut with
 * an ellipsis (the tooltip has it in full), so no text ever leaves its box. Pure.
 */

export interface NodeGeometry {
  fontPx: number;
  height: number;
  /** Left padding: x of the glyph and of the detail line. */
  padX: number;
  /** Right padding, with room for the problem badge in the top right corner. */
  padRight: number;
  titleX: number;
  /** Baselines. */
  titleY: number;
  detailY: number;
  /** Problem badge: centre and radius. */
  badge: { dx: number; cy: number; r: number };
  minWidth: number;
  maxWidth: number;
}

/** The layout of a node drawn at `fontPx`, whose widest status glyph is `glyphWidth` wide. */
export function nodeGeometry(fontPx: number, glyphWidth: number): NodeGeometry {
  const padX = Math.round(fontPx * 0.9);
  const r = Math.max(4, Math.round(fontPx * 0.4));
  return {
    fontPx,
    height: Math.round(fontPx * 4.5),
    padX,
    padRight: padX + 2 * r,
    titleX: padX + Math.ceil(glyphWidth) + Math.round(fontPx * 0.4),
    titleY: Math.round(fontPx * 1.75),
    detailY: Math.round(fontPx * 3.4),
    badge: { dx: r + 4, cy: r + 4, r },
    minWidth: Math.round(fontPx * 14),
    maxWidth: Math.round(fontPx * 26),
  };
}

/** Width of the node whose title is `titleWidth` wide. */
export function nodeBoxWidth(geometry: NodeGeometry, titleWidth: number): number {
  return Math.min(geometry.maxWidth, Math.max(geometry.minWidth, Math.ceil(geometry.titleX + titleWidth + geometry.padRight)));
}

/** Room for the title in a node of this width. */
export function titleRoom(geometry: NodeGeometry, width: number): number {
  return width - geometry.titleX - geometry.padRight;
}

/** Room for the detail line in a node of this width. */
export function detailRoom(geometry: NodeGeometry, width: number): number {
  return width - 2 * geometry.padX;
}

export const ELLIPSIS = '…';

/**
 * `text` if it is at most `room` wide (per `measure`), else its longest prefix that fits with an
 * ellipsis after it ('' when not even the ellipsis fits).
 */
export function fitText(text: string, room: number, measure: (text: string) => number): string {
  if (measure(text) <= room) return text;
  if (measure(ELLIPSIS) > room) return '';
  // Code points, so a cut never splits a surrogate pair (the glyphs are astral in some fonts).
  const chars = [...text];
  let low = 0;
  let high = chars.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure(chars.slice(0, mid).join('').trimEnd() + ELLIPSIS) <= room) low = mid;
    else high = mid - 1;
  }
  return chars.slice(0, low).join('').trimEnd() + ELLIPSIS;
}

/**
 * The detail line that fits `room`: all its parts if they fit, else without the lowest-ranked
 * parts, one at a time; what is left is cut with an ellipsis if even the top part alone is too wide.
 */
export function fitParts(parts: { text: string; rank: number }[], separator: string, room: number, measure: (text: string) => number): string {
  let kept = parts;
  for (;;) {
    const text = kept.map((part) => part.text).join(separator);
    if (kept.length <= 1 || measure(text) <= room) return fitText(text, room, measure);
    const lowest = Math.min(...kept.map((part) => part.rank));
    const drop = kept.findIndex((part) => part.rank === lowest);
    kept = kept.filter((_, index) => index !== drop);
  }
}
