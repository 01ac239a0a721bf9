/**
 * Level of detail for a zoomed-out graph: instead of node text shrunk to nothing, the labels of
 * as many nodes as fit without overlapping, drawn at the readable font size over the graph, the
 * most important first (the selected node, search matches, failed and running steps, groups, then
 * graph order). Pure: the page draws what this returns.
 */
import type { Viewport } from './viewport';

export interface LabelCandidate {
  id: string;
  text: string;
  /** The node's box in graph coordinates. */
  box: { x: number; y: number; width: number; height: number };
  /** Lower goes first. */
  priority: number;
}

export interface PlacedLabel {
  id: string;
  text: string;
  /** Centre of the label on screen (view coordinates). */
  x: number;
  y: number;
  width: number;
}

/** Gap kept between labels on screen (px). */
const GAP = 4;

/**
 * Labels for `candidates` in `view` (its size) at `viewport`, each `measure(text)` wide and
 * `height` high, centred on its node; none overlaps another or leaves the view; at most `limit`.
 */
export function placeFarLabels(
  candidates: readonly LabelCandidate[],
  viewport: Viewport,
  view: { width: number; height: number },
  measure: (text: string) => number,
  height: number,
  limit = 200,
): PlacedLabel[] {
  const cell = Math.max(8, height * 2);
  const grid = new Map<number, { left: number; top: number; right: number; bottom: number }[]>();
  const cellsOf = (left: number, top: number, right: number, bottom: number): number[] => {
    const keys: number[] = [];
    for (let cx = Math.floor(left / cell); cx <= Math.floor(right / cell); cx++) for (let cy = Math.floor(top / cell); cy <= Math.floor(bottom / cell); cy++) keys.push(cx * 65536 + cy);
    return keys;
  };
  const placed: PlacedLabel[] = [];
  const order = candidates.map((candidate, index) => ({ candidate, index })).sort((a, b) => a.candidate.priority - b.candidate.priority || a.index - b.index);
  for (const { candidate } of order) {
    if (placed.length >= limit) break;
    const x = (candidate.box.x + candidate.box.width / 2) * viewport.scale + viewport.x;
    const y = (candidate.box.y + candidate.box.height / 2) * viewport.scale + viewport.y;
    const width = measure(candidate.text);
    const left = x - width / 2 - GAP / 2;
    const right = x + width / 2 + GAP / 2;
    const top = y - height / 2 - GAP / 2;
    const bottom = y + height / 2 + GAP / 2;
    if (left < 0 || top < 0 || right > view.width || bottom > view.height) continue;
    const keys = cellsOf(left, top, right, bottom);
    const overlaps = keys.some((key) => grid.get(key)?.some((other) => left < other.right && right > other.left && top < other.bottom && bottom > other.top));
    if (overlaps) continue;
    const box = { left, top, right, bottom };
    for (const key of keys) {
      const list = grid.get(key);
      if (list) list.push(box);
      else grid.set(key, [box]);
    }
    placed.push({ id: candidate.id, text: candidate.text, x, y, width });
  }
  return placed;
}
