/**
 * The run's timeline beside its DAG: a **Timeline** toggle among the tools (a button: Tab reaches
 * it, Enter or Space toggles it, as does `t` on the graph), and under the graph a section drawing
 * `timelineLayout.ts`'s layout as SVG. Colours and strokes come from classes in dag.css (the
 * panel's CSP allows no inline style attributes); geometry is SVG attributes. A click on a bar or a
 * row's label selects that step in the graph; Enter on the focused timeline selects the critical
 * path's last step.
 */
import type { RunTimeline } from '../../runtime/src/model/runTimeline';
import type { HeartbeatThresholds } from '../../contracts/src/webviewMessages';
import { formatDuration } from '../../contracts/src/heartbeat';
import { layoutTimeline, type TimelineLayout } from './timelineLayout';
import './timeline.css';

const SVG = 'http://www.w3.org/2000/svg';
const LABEL_WIDTH = 170;
const ROW_HEIGHT = 22;
const HEADER_HEIGHT = 20;
/** Longest label drawn; the whole id is in the row's tooltip. */
const LABEL_CHARS = 22;

export interface TimelineViewOptions {
  /** Where the toggle button goes. */
  tools: HTMLElement;
  /** The section is placed right after this element (the graph's stage). */
  after: HTMLElement;
  /** The extension sends timelines only while one is shown. */
  onShownChange(shown: boolean): void;
  /** A bar or label was clicked: select that step in the graph. */
  onSelect(id: string): void;
}

export class TimelineView {
  private readonly button: HTMLButtonElement;
  private readonly section: HTMLElement;
  private readonly head: HTMLElement;
  private readonly svg: SVGSVGElement;
  private timeline: RunTimeline | undefined;
  private heartbeat: HeartbeatThresholds | undefined;
  private clockOffset = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** The layout last drawn (tests and the keyboard read it). */
  drawn: TimelineLayout | undefined;

  constructor(private readonly options: TimelineViewOptions) {
    this.button = document.createElement('button');
    this.button.id = 'timelineToggle';
    this.button.textContent = 'Timeline';
    this.button.title = 'Show the run as a timeline under the graph: a bar per attempt, retry delays, heartbeat gaps, the critical path (t)';
    this.button.setAttribute('aria-pressed', 'false');
    this.button.setAttribute('aria-controls', 'timeline');
    this.button.addEventListener('click', () => this.toggle());
    options.tools.appendChild(this.button);

    this.section = document.createElement('section');
    this.section.id = 'timeline';
    this.section.hidden = true;
    this.section.setAttribute('aria-label', 'Timeline of the run');
    this.head = document.createElement('div');
    this.head.className = 'tl-head';
    this.head.setAttribute('aria-live', 'polite');
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.id = 'timelineChart';
    this.svg.setAttribute('tabindex', '0');
    this.svg.setAttribute('role', 'img');
    this.svg.addEventListener('click', (event) => {
      const id = (event.target as Element | null)?.closest?.('[data-id]')?.getAttribute('data-id');
      if (id) options.onSelect(id);
    });
    this.svg.addEventListener('keydown', (event) => {
      const last = this.drawn?.criticalPath.at(-1);
      if (event.key === 'Enter' && last !== undefined) options.onSelect(last);
    });
    this.section.append(this.head, this.svg);
    options.after.after(this.section);
    new ResizeObserver(() => this.render()).observe(this.section);
  }

  get shown(): boolean {
    return !this.section.hidden;
  }

  toggle(show = !this.shown): void {
    if (show === this.shown) return;
    this.section.hidden = !show;
    this.button.setAttribute('aria-pressed', String(show));
    this.options.onShownChange(show);
    this.render();
    this.tick();
  }

  /** A new timeline (or none: the run shown has none yet). */
  update(timeline: RunTimeline | undefined, heartbeat: HeartbeatThresholds, clockOffset: number): void {
    this.timeline = timeline;
    this.heartbeat = heartbeat;
    this.clockOffset = clockOffset;
    this.render();
    this.tick();
  }

  /** While a run runs and its timeline shows, bars grow each second. */
  private tick(): void {
    const live = this.shown && this.timeline?.status === 'running';
    if (live && this.ticker === undefined) this.ticker = setInterval(() => this.render(), 1000);
    if (!live && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private render(): void {
    if (!this.shown) return;
    const timeline = this.timeline;
    this.svg.replaceChildren();
    if (!timeline || timeline.invocations.length === 0) {
      this.drawn = undefined;
      this.head.textContent = timeline ? 'This run has no steps.' : 'No timeline of a run yet (it comes from the orchestrator once a run is shown).';
      this.svg.setAttribute('width', '0');
      this.svg.setAttribute('height', '0');
      return;
    }
    const width = Math.max(LABEL_WIDTH + 120, this.section.clientWidth - 16);
    const layout = layoutTimeline(timeline, { axisWidth: width - LABEL_WIDTH - 12, labelWidth: LABEL_WIDTH, rowHeight: ROW_HEIGHT, headerHeight: HEADER_HEIGHT, heartbeatIntervalMs: this.heartbeat?.intervalMs ?? 5000 }, Date.now() + this.clockOffset);
    this.drawn = layout;
    this.head.textContent = headline(timeline, layout);
    this.svg.setAttribute('width', String(layout.width));
    this.svg.setAttribute('height', String(layout.height + 4));
    this.svg.setAttribute('aria-label', `${timeline.runName}: ${this.head.textContent}`);
    this.svg.appendChild(hatchPattern());
    const fragment = document.createDocumentFragment();
    for (const tick of layout.ticks) {
      fragment.appendChild(element('line', { class: 'tl-tick', x1: tick.x, x2: tick.x, y1: HEADER_HEIGHT - 4, y2: layout.height }));
      fragment.appendChild(element('text', { class: 'tl-tick-label', x: tick.x + 2, y: HEADER_HEIGHT - 7 }, tick.label));
    }
    for (const row of layout.rows) {
      const label = element('text', { class: `tl-label${row.critical ? ' critical' : ''}`, x: 4, y: row.y + ROW_HEIGHT / 2 + 4, 'data-id': row.id }, row.id.length > LABEL_CHARS ? `${row.id.slice(0, LABEL_CHARS - 1)}…` : row.id);
      label.appendChild(element('title', {}, `${row.id}: ${row.status}${row.critical ? ' · on the critical path' : ''}`));
      fragment.appendChild(label);
    }
    for (const delay of layout.delays) {
      const line = element('line', { class: 'tl-delay', x1: delay.x, x2: delay.x + delay.width, y1: delay.y, y2: delay.y, 'data-id': delay.id });
      line.appendChild(element('title', {}, delay.title));
      fragment.appendChild(line);
    }
    for (const bar of layout.bars) {
      const rect = element('rect', { class: `tl-bar ${bar.kind}${bar.critical ? ' critical' : ''}`, x: bar.x, y: bar.y, width: bar.width, height: bar.height, rx: 2, 'data-id': bar.id, 'data-attempt': bar.attempt });
      rect.appendChild(element('title', {}, bar.title));
      fragment.appendChild(rect);
    }
    for (const gap of layout.gaps) {
      const rect = element('rect', { class: `tl-gap ${gap.kind}`, x: gap.x, y: gap.y, width: gap.width, height: gap.height, 'data-id': gap.id, 'data-attempt': gap.attempt });
      rect.appendChild(element('title', {}, gap.title));
      fragment.appendChild(rect);
    }
    this.svg.appendChild(fragment);
  }
}

/** `Critical path: load → fit → report (12.3 s of 14.0 s) · 2 retries · 1 heartbeat gap`. */
function headline(timeline: RunTimeline, layout: TimelineLayout): string {
  const byId = new Map(timeline.invocations.map((invocation) => [invocation.id, invocation]));
  const path = layout.criticalPath.map((id) => byId.get(id)).filter((found) => found !== undefined);
  const first = path[0]?.attempts[0]?.startedAt ?? path[0]?.startedAt ?? layout.origin;
  const lastInvocation = path.at(-1);
  const last = lastInvocation?.attempts.at(-1)?.endedAt ?? lastInvocation?.endedAt ?? layout.end;
  const parts = [`Critical path: ${layout.criticalPath.join(' → ') || '—'} (${formatDuration(Math.max(0, last - first))} of ${formatDuration(layout.end - layout.origin)})`];
  const lost = layout.bars.filter((bar) => bar.kind === 'lost').length;
  if (lost > 0) parts.push(`${lost} lost attempt${lost === 1 ? '' : 's'}`);
  const relinquished = layout.bars.filter((bar) => bar.kind === 'relinquished').length;
  if (relinquished > 0) parts.push(`${relinquished} handed back`);
  if (layout.delays.length > 0) parts.push(`${layout.delays.length} retr${layout.delays.length === 1 ? 'y' : 'ies'}`);
  const gaps = layout.gaps.length;
  if (gaps > 0) parts.push(`${gaps} heartbeat gap${gaps === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

function element(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const created = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) created.setAttribute(key, String(value));
  if (text !== undefined) created.textContent = text;
  return created;
}

/** The hatching that heartbeat gaps are filled with (dag.css: `fill: url(#tl-hatch)`). */
function hatchPattern(): SVGElement {
  const defs = element('defs', {});
  const pattern = element('pattern', { id: 'tl-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  pattern.appendChild(element('line', { class: 'tl-hatch-line', x1: 0, y1: 0, x2: 0, y2: 6 }));
  defs.appendChild(pattern);
  return defs;
}
