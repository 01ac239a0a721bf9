/** The minimap's arithmetic: its scale, where the view's rectangle is on it, and where a click on it pans to. Pure. */
import type { Viewport } from './viewport';

export interface MinimapFrame {
  /** Size of the minimap (px). */
  width: number;
  height: number;
  /** Minimap px per graph unit, and the offset of the graph's origin on it. */
  scale: number;
  x: number;
  y: number;
}

/** The frame that shows `content` whole inside `max` (keeping its proportions), with `padding` around. */
export function minimapFrame(content: { width: number; height: number }, max: { width: number; height: number }, padding = 4): MinimapFrame {
  const w = Math.max(1, content.width);
  const h = Math.max(1, content.height);
  const scale = Math.min((max.width - 2 * padding) / w, (max.height - 2 * padding) / h);
  const width = Math.round(w * scale + 2 * padding);
  const height = Math.round(h * scale + 2 * padding);
  return { width, height, scale, x: padding, y: padding };
}

/** The part of the graph the view shows, on the minimap (clipped to it). */
export function viewRectOnMinimap(frame: MinimapFrame, viewport: Viewport, view: { width: number; height: number }): { x: number; y: number; width: number; height: number } {
  const left = (-viewport.x / viewport.scale) * frame.scale + frame.x;
  const top = (-viewport.y / viewport.scale) * frame.scale + frame.y;
  const right = left + (view.width / viewport.scale) * frame.scale;
  const bottom = top + (view.height / viewport.scale) * frame.scale;
  const x = Math.max(0, Math.min(frame.width, left));
  const y = Math.max(0, Math.min(frame.height, top));
  return { x, y, width: Math.max(0, Math.min(frame.width, right) - x), height: Math.max(0, Math.min(frame.height, bottom) - y) };
}

/** The viewport, at its scale, that centres the graph point under (`mx`, `my`) on the minimap in the view. */
export function panToMinimapPoint(frame: MinimapFrame, viewport: Viewport, view: { width: number; height: number }, mx: number, my: number): Viewport {
  const gx = (mx - frame.x) / frame.scale;
  const gy = (my - frame.y) / frame.scale;
  return { scale: viewport.scale, x: view.width / 2 - gx * viewport.scale, y: view.height / 2 - gy * viewport.scale };
}
