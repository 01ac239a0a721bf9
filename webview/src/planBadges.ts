/**
 * The plan on the page: a badge above each node ("will reuse", "will run: code changed", ...) and
 * a line above the graph with the counts or the plan's error. Shown while no run is in progress
 * (a running run's statuses say more), and hidden with the toolbar's Plan button. The badges
 * themselves come from `planMarks.ts`.
 */
import type { PlanView } from '../../contracts/src/webviewMessages';
import type { PipelineGraph } from '../../contracts/src/graph';
import { fitText } from './nodeBox';
import { planBadges, planLine } from './planMarks';
import type { Drawing } from './render';

const SVG = 'http://www.w3.org/2000/svg';
const TONES = ['plan-reuse', 'plan-run', 'plan-edited', 'plan-maybe'] as const;

let painted: { drawing: Drawing | undefined; key: string } = { drawing: undefined, key: '' };

/**
 * Shows `plan` for `graph` (the whole graph, before groups are collapsed) in `line` and on the
 * nodes of `drawing`; `shown` false hides both. Touches the page only when what it shows changed.
 */
export function showPlan(line: HTMLElement, drawing: Drawing | undefined, graph: PipelineGraph | undefined, plan: PlanView | undefined, shown: boolean): void {
  const key = JSON.stringify([shown, plan ?? null, graph?.nodes.map((node) => [node.id, node.step]) ?? null, graph?.edges ?? null]);
  if (painted.drawing === drawing && painted.key === key) return;
  painted = { drawing, key };
  const badges = shown && graph ? planBadges(graph, plan) : new Map();
  const text = shown ? planLine(plan, badges) : undefined;
  line.hidden = text === undefined;
  line.textContent = text ?? '';
  line.title = text ?? '';
  line.classList.toggle('plan-failed', plan?.state === 'failed');
  if (!drawing) return;
  for (const [id, node] of drawing.nodes) {
    const badge = badges.get(id);
    let element = node.group.querySelector<SVGTextElement>(':scope > text.plan-badge');
    if (!badge) {
      element?.remove();
      continue;
    }
    if (!element) {
      element = document.createElementNS(SVG, 'text') as SVGTextElement;
      element.classList.add('plan-badge');
      element.setAttribute('x', '2');
      element.setAttribute('y', '-4');
      element.appendChild(document.createElementNS(SVG, 'title'));
      node.group.appendChild(element);
    }
    for (const tone of TONES) element.classList.toggle(tone, tone === `plan-${badge.tone}`);
    element.dataset.tone = badge.tone;
    if (element.lastChild?.nodeType === Node.TEXT_NODE) element.lastChild.remove();
    // In the detail line's font, cut to the node's width (the tooltip has it whole).
    element.appendChild(document.createTextNode(fitText(badge.text, node.box.width, drawing.text.measureDetail)));
    (element.firstChild as SVGTitleElement).textContent = badge.title;
  }
}
