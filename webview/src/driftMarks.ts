/**
 * Drift on the page: a line above the graph saying what changed since the shown run, and a class
 * on each node added, rewired or with new code since then (`drift-added`, `drift-rewired`,
 * `drift-code`; removed steps are not drawn, the line names them). The drift itself is computed by the extension (`contracts/src/dagDrift.ts`).
 */
import { driftLine } from '../../contracts/src/dagDrift';
import type { DagDrift } from '../../contracts/src/webviewMessages';
import type { Drawing } from './render';

const CLASSES = ['drift-added', 'drift-rewired', 'drift-code'] as const;

let painted: { drawing: Drawing | undefined; key: string } = { drawing: undefined, key: '' };

/** Shows `drift` (undefined: none known) in `line` and on the nodes of `drawing`; touches the page only when it changes. */
export function showDrift(line: HTMLElement, drawing: Drawing | undefined, drift: DagDrift | undefined): void {
  const key = JSON.stringify(drift ?? null);
  if (painted.drawing === drawing && painted.key === key) return;
  painted = { drawing, key };
  const text = drift && driftLine(drift);
  line.hidden = text === undefined;
  line.textContent = text ?? '';
  line.title = text ?? '';
  if (!drawing) return;
  const marked = new Map<(typeof CLASSES)[number], Set<string>>([
    ['drift-added', new Set(drift?.added)],
    ['drift-rewired', new Set(drift?.rewired)],
    ['drift-code', new Set(drift?.codeChanged)],
  ]);
  for (const [id, node] of drawing.nodes) {
    for (const name of CLASSES) node.group.classList.toggle(name, marked.get(name)?.has(id) === true);
  }
}
