/**
 * Drift on the page: a line above the graph saying what changed since the shown run, and a class
 * on each node added or rewired since then (`drift-added`, `drift-rewired`; removed steps are not
 * drawn, the line names them). The drift itself is computed by the extension (`contracts/src/dagDrift.ts`).
 */
import { driftLine } from '../../contracts/src/dagDrift';
import type { DagDrift } from '../../contracts/src/webviewMessages';
import type { Drawing } from './render';

const CLASSES = ['drift-added', 'drift-rewired'] as const;

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
  const marked = new Map<string, (typeof CLASSES)[number]>();
  for (const id of drift?.added ?? []) marked.set(id, 'drift-added');
  for (const id of drift?.rewired ?? []) marked.set(id, 'drift-rewired');
  for (const [id, node] of drawing.nodes) {
    const mark = marked.get(id);
    for (const name of CLASSES) node.group.classList.toggle(name, name === mark);
  }
}
