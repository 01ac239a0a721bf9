/** Pan and zoom arithmetic for the graph view. Pure: the DOM code applies the result. */
export interface Viewport {
  x: number;
  y: number;
  scale: number;
}

export const MIN_SCALE = 0.1;
export const MAX_SCALE = 4;

function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/** The viewport that shows the whole content centred, never zooming in past 1. */
export function fitViewport(content: { width: number; height: number }, view: { width: number; height: number }, padding = 24): Viewport {
  if (content.width <= 0 || content.height <= 0 || view.width <= 0 || view.height <= 0) return { x: padding, y: padding, scale: 1 };
  const scale = clampScale(Math.min(1, (view.width - 2 * padding) / content.width, (view.height - 2 * padding) / content.height));
  return { x: (view.width - content.width * scale) / 2, y: (view.height - content.height * scale) / 2, scale };
}

/**
 * The view a graph opens with: all of it, centred, when that takes no zooming out below
 * `minScale` (the scale at which node text is as large as the editor's); else `minScale`, showing
 * where the graph starts: its first layer (`start`, the box of its first steps) at the top (top
 * down) or left (left to right) edge, centred across the flow as far as the graph allows. The
 * rest is reached by panning. Along an axis where the graph fits, it is centred.
 */
export function initialViewport(
  content: { width: number; height: number },
  view: { width: number; height: number },
  minScale: number,
  start?: { x: number; y: number; width: number; height: number },
  direction: 'RIGHT' | 'DOWN' = 'RIGHT',
  padding = 24,
): Viewport {
  const fitted = fitViewport(content, view, padding);
  if (fitted.scale >= minScale || content.width <= 0 || content.height <= 0) return fitted;
  const scale = clampScale(minScale);
  const fits = (contentSize: number, viewSize: number) => contentSize * scale <= viewSize - 2 * padding;
  const along = (contentSize: number, viewSize: number) => (fits(contentSize, viewSize) ? (viewSize - contentSize * scale) / 2 : padding);
  const across = (contentSize: number, viewSize: number, from: number, size: number) => {
    if (fits(contentSize, viewSize) || start === undefined) return along(contentSize, viewSize);
    const centred = viewSize / 2 - (from + size / 2) * scale;
    return Math.min(padding, Math.max(viewSize - padding - contentSize * scale, centred));
  };
  return direction === 'DOWN'
    ? { x: across(content.width, view.width, start?.x ?? 0, start?.width ?? 0), y: along(content.height, view.height), scale }
    : { x: along(content.width, view.width), y: across(content.height, view.height, start?.y ?? 0, start?.height ?? 0), scale };
}

/** Zooms by `factor` keeping the screen point (`px`, `py`) fixed. */
export function zoomAt(viewport: Viewport, factor: number, px: number, py: number): Viewport {
  const scale = clampScale(viewport.scale * factor);
  const ratio = scale / viewport.scale;
  return { x: px - (px - viewport.x) * ratio, y: py - (py - viewport.y) * ratio, scale };
}

export function panBy(viewport: Viewport, dx: number, dy: number): Viewport {
  return { ...viewport, x: viewport.x + dx, y: viewport.y + dy };
}

/** Whether any part of a content rectangle is on screen at `viewport`. */
export function isInView(viewport: Viewport, rect: { x: number; y: number; width: number; height: number }, view: { width: number; height: number }): boolean {
  const left = viewport.x + rect.x * viewport.scale;
  const top = viewport.y + rect.y * viewport.scale;
  return left < view.width && top < view.height && left + rect.width * viewport.scale > 0 && top + rect.height * viewport.scale > 0;
}

/** The viewport that brings a content rectangle into the middle of the view at the current scale. */
export function centerOn(viewport: Viewport, rect: { x: number; y: number; width: number; height: number }, view: { width: number; height: number }): Viewport {
  return { ...viewport, x: view.width / 2 - (rect.x + rect.width / 2) * viewport.scale, y: view.height / 2 - (rect.y + rect.height / 2) * viewport.scale };
}

/**
 * Keyboard navigation: the nearest node in the arrow's direction (within a 45° cone), by
 * centre distance. Returns undefined when nothing lies that way.
 */
export function neighbourInDirection(
  current: { x: number; y: number; width: number; height: number },
  candidates: Iterable<{ id: string; x: number; y: number; width: number; height: number }>,
  direction: 'left' | 'right' | 'up' | 'down',
): string | undefined {
  const cx = current.x + current.width / 2;
  const cy = current.y + current.height / 2;
  let best: { id: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const dx = candidate.x + candidate.width / 2 - cx;
    const dy = candidate.y + candidate.height / 2 - cy;
    if (dx === 0 && dy === 0) continue;
    const along = direction === 'right' ? dx : direction === 'left' ? -dx : direction === 'down' ? dy : -dy;
    const across = direction === 'right' || direction === 'left' ? Math.abs(dy) : Math.abs(dx);
    if (along <= 0 || across > along) continue;
    const distance = along + 2 * across;
    if (!best || distance < best.distance) best = { id: candidate.id, distance };
  }
  return best?.id;
}

/**
 * The viewport that shows `rect` (graph coordinates) whole in the middle of the view, zoomed in
 * no further than `maxScale` (a lone node opens at the readable zoom, not blown up).
 */
export function focusRect(rect: { x: number; y: number; width: number; height: number }, view: { width: number; height: number }, maxScale = 1, padding = 24): Viewport {
  const fitX = rect.width > 0 ? (view.width - 2 * padding) / rect.width : maxScale;
  const fitY = rect.height > 0 ? (view.height - 2 * padding) / rect.height : maxScale;
  const scale = clampScale(Math.min(maxScale, fitX, fitY));
  return centerOn({ x: 0, y: 0, scale }, rect, view);
}

/** The box around some placed nodes (undefined for none). */
export function boxAround(boxes: Iterable<{ x: number; y: number; width: number; height: number }>): { x: number; y: number; width: number; height: number } | undefined {
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const box of boxes) {
    left = Math.min(left, box.x);
    top = Math.min(top, box.y);
    right = Math.max(right, box.x + box.width);
    bottom = Math.max(bottom, box.y + box.height);
  }
  return left === Infinity ? undefined : { x: left, y: top, width: right - left, height: bottom - top };
}
