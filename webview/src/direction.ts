/**
 * Which way a graph is laid out: left to right, or top down when that shows more of it at a
 * readable size (a narrow, tall panel such as the default side-by-side one, or a deep graph).
 * Decided from the longest-path layers before elkjs runs. Pure.
 */
import type { LayoutDirection } from './layout';
import type { Layering } from './layering';

export interface Spacing {
  /** Between layers. */
  layerGap: number;
  /** Between nodes of one layer. */
  nodeGap: number;
}

/** Rough extent of the layered layout of `layering` in `direction`. */
export function estimatedExtent(layering: Pick<Layering, 'layers'>, widths: ArrayLike<number>, nodeHeight: number, direction: LayoutDirection, spacing: Spacing): { width: number; height: number } {
  let along = 0;
  let across = 0;
  for (const members of layering.layers) {
    if (members.length === 0) continue;
    let widest = 0;
    let sumWidths = 0;
    for (const node of members) {
      widest = Math.max(widest, widths[node]);
      sumWidths += widths[node];
    }
    const gaps = (members.length - 1) * spacing.nodeGap;
    if (direction === 'RIGHT') {
      along += widest + spacing.layerGap;
      across = Math.max(across, members.length * nodeHeight + gaps);
    } else {
      along += nodeHeight + spacing.layerGap;
      across = Math.max(across, sumWidths + gaps);
    }
  }
  along = Math.max(0, along - spacing.layerGap);
  return direction === 'RIGHT' ? { width: along, height: across } : { width: across, height: along };
}

/** The scale that shows all of `content` in `view` (capped at 1: no zooming in). */
function fittingScale(content: { width: number; height: number }, view: { width: number; height: number }, padding: number): number {
  if (content.width <= 0 || content.height <= 0) return 1;
  return Math.min(1, (view.width - 2 * padding) / content.width, (view.height - 2 * padding) / content.height);
}

/**
 * `DOWN` when the top-down layout fits the view at a clearly larger scale than the left-to-right
 * one (so less of it has to be panned to at the readable minimum), else `RIGHT`.
 */
export function chooseDirection(
  layering: Pick<Layering, 'layers'>,
  widths: ArrayLike<number>,
  nodeHeight: number,
  view: { width: number; height: number },
  spacing: Spacing,
  padding = 24,
): LayoutDirection {
  if (view.width <= 0 || view.height <= 0) return 'RIGHT';
  const right = fittingScale(estimatedExtent(layering, widths, nodeHeight, 'RIGHT', spacing), view, padding);
  const down = fittingScale(estimatedExtent(layering, widths, nodeHeight, 'DOWN', spacing), view, padding);
  return down > right * 1.05 ? 'DOWN' : 'RIGHT';
}
