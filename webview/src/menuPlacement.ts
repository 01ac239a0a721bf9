/** Where the node menu opens and how the keyboard moves through it. Pure. */

/**
 * The top-left corner of a menu of `size` opened at `anchor` (view coordinates), kept inside the
 * view: it opens to the left of / above the anchor when there is no room to the right / below,
 * and is pushed back inside when there is room on neither side.
 */
export function menuPosition(anchor: { x: number; y: number }, size: { width: number; height: number }, view: { width: number; height: number }, margin = 4): { x: number; y: number } {
  const place = (at: number, extent: number, room: number) => {
    let start = at + extent <= room - margin ? at : at - extent;
    start = Math.min(start, room - margin - extent);
    return Math.max(margin, start);
  };
  return { x: place(anchor.x, size.width, view.width), y: place(anchor.y, size.height, view.height) };
}

/**
 * The item a key moves the focus to (ArrowDown/ArrowUp wrap around, Home, End), skipping disabled
 * items; undefined for other keys, or when every item is disabled.
 */
export function menuFocusAfter(key: string, current: number, enabled: boolean[]): number | undefined {
  const count = enabled.length;
  if (!enabled.some(Boolean)) return undefined;
  const scan = (from: number, step: 1 | -1): number => {
    let index = from;
    for (let i = 0; i < count; i++) {
      index = (index + step + count) % count;
      if (enabled[index]) return index;
    }
    return current;
  };
  switch (key) {
    case 'ArrowDown':
      return scan(current, 1);
    case 'ArrowUp':
      return scan(current < 0 ? 0 : current, -1);
    case 'Home':
      return scan(-1, 1);
    case 'End':
      return scan(0, -1);
    default:
      return undefined;
  }
}
