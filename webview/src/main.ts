/**
 * DAG webview entry: receives graphs and run states from the extension, lays graphs out (small
 * ones with elkjs in a Web Worker, large ones with our own layered layout on this thread, in
 * milliseconds; cached by structure hash, so status updates never re-layout: `layoutCache.ts`) and
 * draws them as SVG with pan, zoom, fit and keyboard navigation.
 *
 * It opens readable: node text is drawn at the editor's font size, the graph opens at a zoom of
 * at least 1 (panning to the rest when it does not fit), laid out top down when that shows more of
 * it than left to right (the default side-by-side panel is narrow and tall).
 *
 * Large graphs read at a glance: a search by id or step name, a status filter (what is not picked
 * fades), zoom to the failed or running steps, an overview map, composed pipelines and fan-outs
 * collapsed into one node with a count, and, zoomed out, the labels that fit at the readable size.
 *
 * Edits of a shown graph keep the old drawing until the new layout arrives, so nothing jumps twice.
 */
import './dag.css';
import type { RunStatus } from '../../runtime/src/model/status';
import { chooseDirection } from './direction';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../contracts/src/heartbeat';
import { graphHash, SPACING, type GraphLayout, type LayoutDirection, type LayoutRequest } from './layout';
import { LayoutCache } from './layoutCache';
import { startLayoutEngine, type StartedEngine } from './layoutEngine';
import { layerGraph, type Layering } from './layering';
import { fillLegend } from './legend';
import { NodeMenu, type MenuEntry } from './nodeMenu';
import { updatePanelState, type DagPanelState } from '../../contracts/src/panelState';
import type { PipelineGraph } from '../../contracts/src/graph';
import { MessageChannel } from '../../contracts/src/messageChannel';
import type { DagDrift, FromWebview, HeartbeatThresholds, NodeAction, NodeRunState, PlanView, ToWebview } from '../../contracts/src/webviewMessages';
import { applyEdgeFlows, applyPicked, applyRunState, cullNodes, drawGraph, ensureTooltip, type Drawing } from './render';
import { collapseGraph, type CollapsedGraph } from './collapseGraph';
import { findGroups, type NodeGroup } from './nodeGroups';
import { groupStatus } from './groupStatus';
import { isActive, matchingShown, nodeMatches, statusCounts, type NodeQuery, type StatusChoice } from './nodeFilter';
import { placeFarLabels, type LabelCandidate } from './farLabels';
import { FarLabelLayer } from './farLabelLayer';
import { Minimap } from './minimap';
import { runHeadline, type ShownRun } from './runHeadline';
import { runBanner } from './runBanner';
import { showDrift } from './driftMarks';
import { showPlan } from './planBadges';
import { fillDetails } from './nodeDetails';
import { nodeDetail } from './nodeLabels';
import { allStatusStyles, paletteVariables, statusStyle, themeKind } from './statusStyle';
import { measureNodeText, type NodeMetrics } from './textMetrics';
import { TimelineView } from './timelineView';
import { boxAround, centerOn, fitViewport, focusRect, initialViewport, isInView, neighbourInDirection, panBy, zoomAt, type Viewport } from './viewport';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

/**
 * Node text drawn smaller than this on screen is not drawn: the zoomed-out view shows instead
 * the labels that fit without overlapping, at the editor's font size (farLabels.ts).
 */
const MIN_TEXT_PX = 9;
/** Graphs from this size on show their overview map when they do not fit at the readable zoom (the Map button shows it for any). */
const MINIMAP_MIN_NODES = 40;
/** On-screen size of node text that zooming to a set of nodes keeps at least (else it goes to them one by one). */
const READABLE_TEXT_PX = 12;
/** The zoom a graph opens at, at least: node text is drawn at the editor's font size (dag.css). */
const READABLE_SCALE = 1;

const vscode = acquireVsCodeApi();
// Read while this script runs: `currentScript` is only set during its evaluation.
const ownScript = document.currentScript as HTMLScriptElement | null;
const workerUrl = ownScript?.dataset.layoutWorker ?? new URL('layoutWorker.js', ownScript?.src ?? location.href).toString();
const svg = document.getElementById('canvas') as unknown as SVGSVGElement;
const layer = document.getElementById('layer') as unknown as SVGGElement;
// Animations live in their own SVG above the graph (see render.ts); it never takes pointer events.
const motionSvg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
motionSvg.id = 'motion';
motionSvg.setAttribute('aria-hidden', 'true');
const motion = document.createElementNS('http://www.w3.org/2000/svg', 'g');
motionSvg.appendChild(motion);
svg.after(motionSvg);
const statusLine = document.getElementById('status') as HTMLElement;
const runLine = document.getElementById('run') as HTMLElement;
const legend = document.getElementById('legend') as HTMLDetailsElement;
const banner = document.getElementById('banner') as HTMLElement;
const details = document.getElementById('details') as HTMLElement;
const searchBox = document.getElementById('search') as HTMLInputElement;
const matchesLine = document.getElementById('matches') as HTMLElement;
const statusFilter = document.getElementById('statusFilter') as HTMLSelectElement;
const zoomFailedButton = document.getElementById('zoomFailed') as HTMLButtonElement;
const zoomRunningButton = document.getElementById('zoomRunning') as HTMLButtonElement;
const groupsButton = document.getElementById('groups') as HTMLButtonElement;
const minimapButton = document.getElementById('minimapToggle') as HTMLButtonElement;
const farLabels = new FarLabelLayer(document.getElementById('farLabels') as unknown as SVGSVGElement);
const minimap = new Minimap(document.getElementById('minimap') as HTMLCanvasElement, (next) => moveTo(next));

// Status colours per theme kind (statusStyle.ts), again whenever VS Code switches the theme.
function applyPalette(): void {
  for (const [name, value] of Object.entries(paletteVariables(themeKind(document.body.classList)))) document.body.style.setProperty(name, value);
  minimap.themeChanged();
}
applyPalette();
new MutationObserver(applyPalette).observe(document.body, { attributes: true, attributeFilter: ['class'] });

let metrics: NodeMetrics = measureNodeText(svg);
// The editor's font size comes with the theme's variables: node sizes follow it.
new MutationObserver(() => {
  const next = measureNodeText(svg);
  if (next.sizing.key === metrics.sizing.key) return;
  metrics = next;
  if (shown) void showGraph(shown, !userMoved);
}).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

fillLegend(document.getElementById('legendBody') as HTMLElement);

/** The graph as the extension sent it. */
let source: PipelineGraph | undefined;
/** Its groups (nodeGroups.ts), the keys of those collapsed, and the graph drawn with them collapsed. */
let foundGroups: { of: PipelineGraph; groups: NodeGroup[] } | undefined;
const savedState = vscode.getState() as Partial<DagPanelState> | undefined;
const collapsed = new Set<string>(Array.isArray(savedState?.collapsed) ? savedState.collapsed : []);
let shown: CollapsedGraph | undefined;
/** The graph drawn (`shown.graph` once drawn). */
let graph: PipelineGraph | undefined;
/** The search and the status filter, the drawn nodes they pick (graph order), the match last gone to. */
let query: NodeQuery = { text: '' };
let picks: string[] | undefined;
let pickedSet: Set<string> | undefined;
let pickIndex = -1;
/** The user's choice of showing the overview map (undefined: shown when the graph does not fit at the readable zoom). */
let minimapChoice: boolean | undefined = typeof savedState?.minimapOpen === 'boolean' ? savedState.minimapOpen : undefined;
let layout: GraphLayout | undefined;
let drawing: Drawing | undefined;
/** What changed in the code since the shown run (driftMarks.ts). */
let drift: DagDrift | undefined;
const driftBanner = document.getElementById('drift') as HTMLElement;
/** The plan before a run (planBadges.ts), and whether the user shows it (the toolbar's Plan button). */
let plan: PlanView | undefined;
let planChosen = true;
const planLineElement = document.getElementById('plan') as HTMLElement;
const planButton = document.getElementById('planToggle') as HTMLButtonElement;
planButton.addEventListener('click', () => {
  planChosen = !planChosen;
  planButton.setAttribute('aria-pressed', String(planChosen));
  repaint();
});
let states: Record<string, NodeRunState> = {};
let runStatus: RunStatus | undefined;
let runError: string | undefined;
/** The node whose details show (undefined: the details panel is closed). */
let detailsOf: string | undefined;
let paintedDetails = '';
let paintedBanner = '';
let shownRun: ShownRun | undefined;
let direction: LayoutDirection = 'RIGHT';
let thresholds: HeartbeatThresholds = { intervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS, timeoutMs: 3 * DEFAULT_HEARTBEAT_INTERVAL_MS };
/** Extension clock minus ours, so heartbeat ages use the extension's notion of now. */
let clockOffset = 0;
let viewport: Viewport = { x: 0, y: 0, scale: 1 };
/** Set when the user pans or zooms, so a layout arriving later does not undo it. */
let userMoved = false;
let selected: string | undefined;
let paintedSelection: string | undefined;
let generation = 0;
let engine: StartedEngine | undefined;
let failure: string | undefined;

const channel = new MessageChannel<FromWebview, ToWebview>(vscode, (body) => {
  switch (body.kind) {
    case 'graph':
      source = body.graph;
      void showGraph(collapsedView());
      return undefined;
    case 'runState':
      states = body.nodes;
      runStatus = body.runStatus;
      runError = body.runError;
      thresholds = body.heartbeat;
      drift = body.drift;
      clockOffset = body.now - Date.now();
      if (body.runId !== shownRun?.runId) {
        saveState({ runId: body.runId });
        zoomedTo.clear();
        timeline.update(undefined, body.heartbeat, clockOffset);
      }
      shownRun = { runId: body.runId, runName: body.runName, retryOf: body.retryOf, status: body.runStatus };
      showRunLine();
      if (query.status !== undefined) updatePicks();
      showStatusTools();
      repaint();
      return undefined;
    case 'timeline':
      if (body.timeline.runId === shownRun?.runId || shownRun === undefined) timeline.update(body.timeline, thresholds, body.now - Date.now());
      return undefined;
    case 'plan':
      plan = body.plan;
      repaint();
      return undefined;
    case 'ack':
      return undefined;
  }
});
// The run's timeline under the graph (timelineView.ts): its toggle among the tools, `t` on the graph.
const timeline = new TimelineView({
  tools: document.getElementById('tools') as HTMLElement,
  after: document.getElementById('stage') as HTMLElement,
  onShownChange: (shown) => {
    channel.post({ kind: 'timelineShown', shown });
    saveState({ timelineOpen: shown });
    // The graph's area changed: a view the user has not moved opens again in it.
    viewSize();
    if (layout && !userMoved) openView();
  },
  onSelect: (id) => select(id),
});
window.addEventListener('message', (event: MessageEvent) => channel.receive(event.data));

// Started at once, so the worker boots while the extension asks the language server for the graph.
const engineStarted = startLayoutEngine(workerUrl, ownScript?.nonce ?? '').then((started) => {
  engine = started;
  svg.dataset.layoutEngine = started.mode;
  if (started.reason !== undefined) channel.post({ kind: 'error', message: `layout worker unavailable, laying out on the main thread: ${started.reason}` });
  updateStatus();
  return started;
});
// A failure to start at all is reported by the first layout that needs the engine.
engineStarted.catch(() => undefined);
const layouts = new LayoutCache({
  layout: async (input) => {
    const started = await engineStarted;
    // On the main thread elkjs blocks rendering: let what is already drawn reach the screen first.
    if (started.mode === 'main-thread') await afterNextPaint();
    return started.engine.layout(input);
  },
});

/** Resolves once what is drawn now has been painted (at once in a hidden panel, which paints nothing). */
function afterNextPaint(): Promise<void> {
  if (document.visibilityState === 'hidden') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function now(): number {
  return Date.now() + clockOffset;
}

/** Saves what a reloaded window needs to reopen this panel (see panelState.ts). */
function saveState(change: Partial<DagPanelState>): void {
  vscode.setState(updatePanelState(vscode.getState(), change));
}

/** Touches the page only when the line changes: run states arrive many times a second. */
function showRunLine(): void {
  const text = runHeadline(shownRun);
  if (runLine.textContent === text) return;
  runLine.textContent = text;
  runLine.title = shownRun?.runId ? `${text}\nrun id ${shownRun.runId}` : text;
}
showRunLine();

/** Layers of a graph, computed once per graph message (the direction and the opening view use them). */
const layerings = new WeakMap<PipelineGraph, Layering>();
function layeringOf(next: PipelineGraph): Layering {
  let layering = layerings.get(next);
  if (!layering) {
    layering = layerGraph(next);
    layerings.set(next, layering);
  }
  return layering;
}

/** The direction that shows more of `next` at the readable zoom in this panel. */
function preferredDirection(next: PipelineGraph): LayoutDirection {
  const layering = layeringOf(next);
  return chooseDirection(layering, layering.ids.map((id) => metrics.sizing.width(id)), metrics.sizing.height, viewSize(), SPACING);
}

/**
 * Lays out and draws `next`. `opening`: as if the panel were empty (choose the direction, open at
 * the readable view); otherwise edits keep the direction and the user's pan and zoom.
 */
async function showGraph(view: CollapsedGraph, opening = false, focus?: readonly string[]): Promise<void> {
  const next = view.graph;
  const mine = ++generation;
  const wasEmpty = graph === undefined || graph.nodes.length === 0;
  if (wasEmpty || opening) {
    userMoved = false;
    direction = preferredDirection(next);
  }
  saveState({ uri: next.uri, pipeline: next.pipeline });
  const hash = graphHash(next);
  const request: LayoutRequest = { direction, sizing: metrics.sizing };
  try {
    const computed = await layouts.layout(next, hash, request);
    if (mine !== generation) return;
    failure = undefined;
    // Diagnostics and ranges may change without the structure: redraw cheaply (no layout).
    present(view, computed, (wasEmpty || opening) && !userMoved);
    // A group just collapsed or expanded: what it became stays where the eye is.
    const around = focus && boxAround(focus.map((id) => computed.nodes.get(id)).filter((node) => node !== undefined));
    if (around) moveTo(centerOn(viewport, around, viewSize()));
  } catch (error) {
    if (mine !== generation) return;
    failure = `layout failed: ${(error as Error).message}`;
    updateStatus();
    channel.post({ kind: 'error', message: failure });
  }
}

function present(view: CollapsedGraph, computed: GraphLayout, fitView: boolean): void {
  const next = view.graph;
  shown = view;
  graph = next;
  layout = computed;
  // Placed before drawing: measuring the view then costs nothing, and the new content is laid out once.
  if (fitView) openView();
  else viewSize();
  drawing = drawGraph(layer, motion, next, computed, metrics.text, visibleRect(), view.groupMembers);
  // How many nodes are drawn, in the document or not (out of view, a large graph's are not).
  svg.dataset.nodes = String(drawing.nodes.size);
  paintedSelection = undefined;
  if (selected !== undefined) selected = view.shownOf.get(selected) ?? (drawing.nodes.has(selected) ? selected : undefined);
  updatePicks();
  showStatusTools();
  // Finding the groups can wait until the graph is on the screen.
  void afterNextPaint().then(showGroupsButton);
  minimap.setSource(minimapSource(computed));
  if (minimapChoice === undefined) minimap.show(next.nodes.length >= MINIMAP_MIN_NODES && fitViewport(computed, measuredView).scale < READABLE_SCALE);
  minimapButton.setAttribute('aria-pressed', String(minimap.shown));
  repaint();
  svg.dataset.layout = 'final';
  svg.dataset.direction = computed.direction;
  updateStatus();
}

function updateStatus(): void {
  const parts: string[] = [];
  if (source && graph) {
    const folded = shown?.groupMembers.size ?? 0;
    parts.push(`${source.pipeline}: ${source.nodes.length} steps${folded > 0 ? ` (${folded} group${folded === 1 ? '' : 's'} collapsed)` : ''}${source.diagnostics.length > 0 ? `, ${source.diagnostics.length} problem(s)` : ''}`);
  }
  else parts.push('Waiting for the language server…');
  if (engine?.mode === 'main-thread') parts.push(`layout on the main thread: ${engine.reason}`);
  if (failure !== undefined) parts.push(failure);
  statusLine.textContent = parts.join(' · ');
}

/** The banner of a run that did not complete (runBanner.ts); touched only when it changes. */
function showBanner(): void {
  const told = runBanner(shownRun && { ...shownRun, runError }, states, source?.nodes.map((node) => node.id) ?? []);
  const key = JSON.stringify(told ?? null);
  if (key === paintedBanner) return;
  paintedBanner = key;
  banner.hidden = told === undefined;
  if (!told) return banner.replaceChildren();
  const glyph = document.createElement('span');
  glyph.className = 'banner-glyph';
  glyph.textContent = statusStyle('failed').glyph;
  glyph.setAttribute('aria-hidden', 'true');
  const text = document.createElement('span');
  text.className = 'banner-text';
  text.textContent = told.text;
  text.title = told.title;
  const buttons: HTMLButtonElement[] = [];
  const add = (label: string, action: () => void, primary = false) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.dataset.action = label;
    if (primary) button.className = 'primary';
    button.addEventListener('click', action);
    buttons.push(button);
  };
  const step = told.step;
  if (step !== undefined) {
    add('Details', () => {
      select(step);
      openDetails(step);
    });
    add('Logs', () => channel.post({ kind: 'nodeAction', nodeId: step, action: 'openLogs' }));
  }
  if (told.retry) add('Retry', () => channel.post({ kind: 'retryRun' }), true);
  banner.replaceChildren(glyph, text, ...buttons);
}

function openDetails(id: string): void {
  detailsOf = id;
  paintedDetails = '';
  showDetails();
  revealBesideDetails(id);
}

/** Pans `id` into the part of the graph the details panel leaves free, when the panel covers it. */
function revealBesideDetails(id: string): void {
  const placed = layout?.nodes.get(id);
  if (!placed || details.hidden) return;
  const stage = svg.getBoundingClientRect();
  const panel = details.getBoundingClientRect();
  const free = panel.top > stage.top + 1 ? { width: stage.width, height: panel.top - stage.top } : { width: panel.left - stage.left, height: stage.height };
  const left = placed.x * viewport.scale + viewport.x;
  const top = placed.y * viewport.scale + viewport.y;
  if (left >= 0 && top >= 0 && left + placed.width * viewport.scale <= free.width && top + placed.height * viewport.scale <= free.height) return;
  moveTo(centerOn(viewport, placed, free));
}

function closeDetails(): void {
  detailsOf = undefined;
  paintedDetails = '';
  details.hidden = true;
  details.replaceChildren();
}

/** The details panel of `detailsOf` (nodeDetails.ts), rebuilt only when what it shows changed. */
function showDetails(): void {
  if (detailsOf === undefined) return;
  const node = source?.nodes.find((candidate) => candidate.id === detailsOf);
  if (!node) return closeDetails();
  const state = states[node.id];
  const style = statusStyle(state?.status);
  const detail = nodeDetail(state, thresholds, now());
  // The running time and heartbeat age tick every second: the panel says them without the error's headline.
  const status = [style.label, ...detail.parts.filter((part) => part.text !== state?.error?.headline).map((part) => part.text)].join(' · ');
  const canRetry = shownRun?.runId !== undefined && shownRun.runId !== null && runStatus !== 'running';
  const key = JSON.stringify([node.id, status, state, canRetry]);
  if (key === paintedDetails) return;
  paintedDetails = key;
  details.hidden = false;
  fillDetails(details, { id: node.id, step: node.step, status, glyph: style.glyph, state, canRetry }, {
    openFrame: (frame) => channel.post({ kind: 'openFrame', file: frame.file, line: frame.line, column: frame.column }),
    openOutput: (nodeId, output) => channel.post({ kind: 'openOutput', nodeId, output }),
    openLogs: (nodeId) => channel.post({ kind: 'nodeAction', nodeId, action: 'openLogs' }),
    retryStep: (nodeId) => channel.post({ kind: 'nodeAction', nodeId, action: 'retryStep' }),
    openCode: (nodeId) => channel.post({ kind: 'openNode', nodeId }),
    close: () => {
      closeDetails();
      svg.focus();
    },
  });
}
details.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  event.preventDefault();
  closeDetails();
  svg.focus();
});

function repaint(): void {
  showBanner();
  showDetails();
  showDrift(driftBanner, drawing, drift);
  // The plan is of a next run: while one runs, its statuses say more.
  showPlan(planLineElement, drawing, source, plan, planChosen && runStatus !== 'running');
  if (!drawing) return;
  applyRunState(drawing, states, thresholds, now());
  applyEdgeFlows(drawing, drawnStates(), runStatus);
  applyPicked(drawing, pickedSet);
  minimap.statusChanged();
  scheduleFarLabels();
  if (paintedSelection !== selected) {
    if (paintedSelection !== undefined) drawing.nodes.get(paintedSelection)?.group.classList.remove('selected');
    if (selected !== undefined) drawing.nodes.get(selected)?.group.classList.add('selected');
    paintedSelection = selected;
  }
}

/** A viewport change the user asked for (a later layout will not refit over it). */
function moveTo(next: Viewport): void {
  viewport = next;
  userMoved = true;
  applyViewport();
}

function applyViewport(): void {
  const transform = `translate(${viewport.x},${viewport.y}) scale(${viewport.scale})`;
  layer.setAttribute('transform', transform);
  motion.setAttribute('transform', transform);
  svg.classList.toggle('far', isFar());
  cull();
  minimap.update();
  scheduleFarLabels();
}

/**
 * Hides the nodes out of view (with half a view of margin, so a short pan shows no gap). Uses the
 * view size measured last: measuring right after drawing would lay the whole graph out at once.
 */
function cull(): void {
  if (drawing) cullNodes(drawing, visibleRect());
}

/** What is drawn: the view and half a view around it, in graph coordinates. */
function visibleRect(): { x: number; y: number; width: number; height: number } {
  const width = measuredView.width / viewport.scale;
  const height = measuredView.height / viewport.scale;
  return { x: -viewport.x / viewport.scale - width / 2, y: -viewport.y / viewport.scale - height / 2, width: 2 * width, height: 2 * height };
}

/** The view's size as last measured (see `viewSize`). */
let measuredView = { width: 0, height: 0 };

function viewSize(): { width: number; height: number } {
  const box = svg.getBoundingClientRect();
  measuredView = { width: box.width, height: box.height };
  return measuredView;
}

/** The whole graph, however small that makes it (the Fit button and 0). */
function fit(): void {
  if (!layout) return;
  userMoved = false;
  viewport = fitViewport(layout, viewSize());
  applyViewport();
}

/** The view a graph opens with: readable, at its first steps, panning to what does not fit. */
function openView(): void {
  if (!layout) return;
  userMoved = false;
  viewport = initialViewport(layout, viewSize(), READABLE_SCALE, firstLayerBox(), layout.direction);
  applyViewport();
}

/** The box around the drawn graph's first layer (its steps with no inputs, as laid out). */
function firstLayerBox(): { x: number; y: number; width: number; height: number } | undefined {
  if (!graph || !layout) return undefined;
  const layering = layeringOf(graph);
  const placed = (layering.layers[0] ?? []).map((node) => layout?.nodes.get(layering.ids[node])).filter((node) => node !== undefined);
  if (placed.length === 0) return undefined;
  const left = Math.min(...placed.map((node) => node.x));
  const top = Math.min(...placed.map((node) => node.y));
  const right = Math.max(...placed.map((node) => node.x + node.width));
  const bottom = Math.max(...placed.map((node) => node.y + node.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function select(id: string | undefined): void {
  selected = id === undefined ? undefined : (shown?.shownOf.get(id) ?? id);
  repaint();
  const placed = selected === undefined ? undefined : layout?.nodes.get(selected);
  if (placed) {
    const size = viewSize();
    const sx = placed.x * viewport.scale + viewport.x;
    const sy = placed.y * viewport.scale + viewport.y;
    if (sx < 0 || sy < 0 || sx + placed.width * viewport.scale > size.width || sy + placed.height * viewport.scale > size.height) {
      moveTo(centerOn(viewport, placed, size));
    }
  }
}

function nodeIdOf(target: EventTarget | null): string | undefined {
  const group = (target as Element | null)?.closest?.('g.node');
  return group?.getAttribute('data-id') ?? undefined;
}

// Pan with the mouse, zoom with the wheel around the pointer.
let drag: { x: number; y: number } | undefined;
svg.addEventListener('pointerdown', (event) => {
  menu.close();
  if (event.button !== 0 || nodeIdOf(event.target)) return;
  drag = { x: event.clientX, y: event.clientY };
  svg.setPointerCapture(event.pointerId);
});
svg.addEventListener('pointermove', (event) => {
  if (!drag) return;
  const from = drag;
  drag = { x: event.clientX, y: event.clientY };
  moveTo(panBy(viewport, event.clientX - from.x, event.clientY - from.y));
});
svg.addEventListener('pointerup', () => (drag = undefined));
svg.addEventListener('pointerover', (event) => drawing && ensureTooltip(drawing, event.target));
svg.addEventListener(
  'wheel',
  (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    moveTo(zoomAt(viewport, Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top));
  },
  { passive: false },
);
svg.addEventListener('click', (event) => {
  const id = nodeIdOf(event.target);
  if (id === undefined) return;
  if (expandGroup(id)) return;
  select(id);
  openDetails(id);
  channel.post({ kind: 'openNode', nodeId: id });
});
svg.addEventListener('contextmenu', (event) => {
  event.preventDefault();
  const id = nodeIdOf(event.target);
  // The keyboard's menu key (and Shift+F10) fire this on the canvas itself: the selected node's menu.
  if (id === undefined) openMenuOfSelected();
  else {
    select(id);
    openMenu(id, { x: event.clientX, y: event.clientY });
  }
});

// Keyboard: arrows move between nodes, Enter opens code and the details, Escape closes them, +/- zoom, 0 fits, Shift+F10 menu.
svg.addEventListener('keydown', (event) => {
  const size = viewSize();
  const directions: Record<string, 'left' | 'right' | 'up' | 'down'> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
  if (event.key in directions && layout) {
    event.preventDefault();
    const current = selected === undefined ? undefined : layout.nodes.get(selected);
    if (!current) select(layout.nodes.keys().next().value);
    else select(neighbourInDirection(current, layout.nodes.values(), directions[event.key]) ?? selected);
    if (detailsOf !== undefined && selected !== undefined) openDetails(selected);
  } else if (event.key === 'Enter' && selected !== undefined) {
    if (expandGroup(selected)) return;
    openDetails(selected);
    channel.post({ kind: 'openNode', nodeId: selected });
  } else if (event.key === 'Escape' && detailsOf !== undefined) {
    closeDetails();
  } else if (event.key === '+' || event.key === '=') {
    moveTo(zoomAt(viewport, 1.2, size.width / 2, size.height / 2));
  } else if (event.key === '-') {
    moveTo(zoomAt(viewport, 1 / 1.2, size.width / 2, size.height / 2));
  } else if (event.key === '0') {
    fit();
  } else if (event.key === 't' && !event.ctrlKey && !event.metaKey && !event.altKey) {
    timeline.toggle();
  } else if (event.key === '/' || (event.key === 'f' && (event.ctrlKey || event.metaKey))) {
    event.preventDefault();
    searchBox.focus();
    searchBox.select();
  } else if ((event.key === 'F10' && event.shiftKey) || event.key === 'ContextMenu') {
    event.preventDefault();
    openMenuOfSelected();
  }
});

type MenuAction = NodeAction | 'openCode' | 'expand' | `collapse:${string}`;

const menu = new NodeMenu<MenuAction>(
  document.getElementById('menu') as HTMLElement,
  (nodeId, action) => {
    if (action === 'expand') expandGroup(nodeId);
    else if (action.startsWith('collapse:')) collapseGroup(action.slice('collapse:'.length), nodeId);
    else if (action === 'openCode') channel.post({ kind: 'openNode', nodeId });
    else channel.post({ kind: 'nodeAction', nodeId, action: action as NodeAction });
  },
  () => svg.focus(),
);

function menuEntries(nodeId: string): MenuEntry<MenuAction>[] {
  if (shown?.groupMembers.has(nodeId)) return [{ action: 'expand', label: `Expand ${nodeId} (${shown.groupMembers.get(nodeId)?.length ?? 0} steps)`, enabled: true, group: 0 }];
  const containing = currentGroups().filter((group) => group.members.includes(nodeId));
  const collapsing = containing.map((group): MenuEntry<MenuAction> => ({ action: `collapse:${group.key}`, label: `Collapse ${group.id} (${group.members.length} steps)`, enabled: true, group: 3 }));
  const ran = shownRun?.runId !== undefined && shownRun.runId !== null;
  const started = ran && (states[nodeId]?.attempt ?? 0) > 0;
  return [
    { action: 'openCode', label: 'Go to Code', enabled: true, group: 0 },
    { action: 'runFromHere', label: 'Run from Here', enabled: true, group: 1 },
    { action: 'retryStep', label: 'Retry Step', enabled: ran && runStatus !== 'running', group: 1 },
    { action: 'debugStep', label: 'Debug Step', enabled: ran, group: 1 },
    { action: 'openLogs', label: 'Open Logs', enabled: started, group: 2 },
    { action: 'openArtifacts', label: 'Open Artifact…', enabled: ran, group: 2 },
    ...collapsing,
  ];
}

function openMenu(nodeId: string, anchor: { x: number; y: number }): void {
  menu.open(nodeId, `Actions of ${nodeId}`, menuEntries(nodeId), anchor);
}

/** The selected node's menu (the first node's when none is), beside the node. */
function openMenuOfSelected(): void {
  if (!layout) return;
  if (selected === undefined || !layout.nodes.has(selected)) select(layout.nodes.keys().next().value);
  const placed = selected === undefined ? undefined : layout.nodes.get(selected);
  if (!placed || selected === undefined) return;
  const box = svg.getBoundingClientRect();
  const x = box.left + (placed.x + Math.min(placed.width, 40)) * viewport.scale + viewport.x;
  const y = box.top + (placed.y + placed.height) * viewport.scale + viewport.y;
  openMenu(selected, { x: Math.min(Math.max(x, box.left), box.right), y: Math.min(Math.max(y, box.top), box.bottom) });
}

document.getElementById('fit')?.addEventListener('click', fit);
document.getElementById('zoomIn')?.addEventListener('click', () => {
  const size = viewSize();
  moveTo(zoomAt(viewport, 1.2, size.width / 2, size.height / 2));
});
document.getElementById('zoomOut')?.addEventListener('click', () => {
  const size = viewSize();
  moveTo(zoomAt(viewport, 1 / 1.2, size.width / 2, size.height / 2));
});
// A resized panel that the user has not panned or zoomed opens again: readable, in the direction
// that suits its new shape (decided once the resizing pauses: it may re-layout).
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  viewSize();
  if (!layout || userMoved) {
    cull();
    minimap.update();
    scheduleFarLabels();
    return;
  }
  openView();
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (shown && !userMoved && preferredDirection(shown.graph) !== direction) void showGraph(shown, true);
  }, 200);
});

/** The groups of the graph shown (found when first needed: nothing is collapsed when a panel first opens). */
function currentGroups(): NodeGroup[] {
  if (!source) return [];
  if (foundGroups?.of !== source) foundGroups = { of: source, groups: findGroups(source) };
  return foundGroups.groups;
}

/** The graph to draw: the extension's, with the collapsed groups as one node each. */
function collapsedView(): CollapsedGraph {
  return collapseGraph(source as PipelineGraph, collapsed.size > 0 ? currentGroups() : [], collapsed);
}

/** Run states of the drawn nodes: a collapsed group has its most urgent member's (edges flow by them). */
function drawnStates(): Record<string, NodeRunState> {
  if (!shown || shown.groupMembers.size === 0) return states;
  const all = { ...states };
  for (const [id, members] of shown.groupMembers) {
    const status = groupStatus(members, states);
    if (status !== undefined) all[id] = { status, attempt: 1 };
  }
  return all;
}

/** Collapses the group `key` (from the menu of `from`, one of its members) and keeps it in view. */
function collapseGroup(key: string, from?: string): void {
  if (!source || !currentGroups().some((group) => group.key === key)) return;
  collapsed.add(key);
  regroup(from);
}

/** Expands the collapsed group drawn as `id`; false when `id` is not one. */
function expandGroup(id: string): boolean {
  const group = shown?.groupOf.get(id);
  if (!group) return false;
  collapsed.delete(group.key);
  regroup(undefined, group.members);
  return true;
}

function regroup(from?: string, reveal?: readonly string[]): void {
  saveState({ collapsed: [...collapsed] });
  const view = collapsedView();
  const focus = reveal ?? (from === undefined ? undefined : [view.shownOf.get(from) ?? from]);
  if (from !== undefined) selected = view.shownOf.get(from) ?? from;
  else if (reveal !== undefined) selected = reveal[0];
  void showGraph(view, false, focus);
}

function showGroupsButton(): void {
  const groups = currentGroups();
  const folded = (shown?.groupMembers.size ?? 0) > 0;
  groupsButton.disabled = groups.length === 0;
  groupsButton.textContent = folded ? 'Expand all' : 'Collapse all';
  groupsButton.title = folded ? 'Expand every collapsed group' : `Collapse each composed pipeline and fan-out into one node (${groups.length} group${groups.length === 1 ? '' : 's'})`;
  groupsButton.setAttribute('aria-pressed', String(folded));
}
groupsButton.addEventListener('click', () => {
  if (!source) return;
  if ((shown?.groupMembers.size ?? 0) > 0) collapsed.clear();
  else for (const group of currentGroups()) collapsed.add(group.key);
  selected = undefined;
  saveState({ collapsed: [...collapsed] });
  // Seen whole before, seen whole after (the layout changes size); else the readable opening view.
  const wasFitted = viewport.scale < READABLE_SCALE;
  void showGraph(collapsedView(), true).then(() => wasFitted && fit());
});

/** Recomputes what the search and the status filter pick, and says how many. */
function updatePicks(): void {
  if (!source || !shown || !isActive(query)) {
    picks = undefined;
    pickedSet = undefined;
    matchesLine.textContent = '';
  } else {
    picks = matchingShown(source.nodes, shown.shownOf, query, states);
    pickedSet = new Set(picks);
    const steps = source.nodes.filter((node) => nodeMatches(node, query, states)).length;
    matchesLine.textContent = picks.length === 0 ? 'no match' : pickIndex >= 0 && pickIndex < picks.length ? `${pickIndex + 1}/${picks.length}` : String(picks.length);
    matchesLine.title = `${steps} step${steps === 1 ? '' : 's'} found, in ${picks.length} node${picks.length === 1 ? '' : 's'} of the graph (a collapsed group counts once)`;
  }
  if (drawing) applyPicked(drawing, pickedSet);
  minimap.update();
  scheduleFarLabels();
}

/** Selects the next (or previous) picked node and brings it into the middle of the view, readable. */
function goToPick(step: 1 | -1): void {
  if (!picks || picks.length === 0 || !layout) return;
  pickIndex = (pickIndex + step + picks.length) % picks.length;
  const id = picks[pickIndex];
  updatePicks();
  selected = id;
  repaint();
  const placed = layout.nodes.get(id);
  if (placed) moveTo(focusRect(placed, viewSize(), Math.max(READABLE_SCALE, viewport.scale)));
}

searchBox.addEventListener('input', () => {
  query = { ...query, text: searchBox.value };
  pickIndex = -1;
  updatePicks();
});
searchBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    goToPick(event.shiftKey ? -1 : 1);
  } else if (event.key === 'Escape') {
    event.preventDefault();
    if (searchBox.value !== '') {
      searchBox.value = '';
      query = { ...query, text: '' };
      pickIndex = -1;
      updatePicks();
    } else svg.focus();
  }
});
statusFilter.addEventListener('change', () => {
  query = { ...query, status: statusFilter.value === '' ? undefined : (statusFilter.value as StatusChoice) };
  pickIndex = -1;
  updatePicks();
  // A filter whose steps are all out of view would leave only faded nodes on screen: go to the first.
  if (picks && picks.length > 0 && !anyInView(picks)) goToPick(1);
});

/** Whether any of the drawn nodes `ids` is on screen. */
function anyInView(ids: readonly string[]): boolean {
  const view = viewSize();
  return ids.some((id) => {
    const placed = layout?.nodes.get(id);
    return placed !== undefined && isInView(viewport, placed, view);
  });
}

let paintedStatusTools = '';
/** The status filter's choices (with how many steps are in each) and the zoom buttons, from the run shown. */
function showStatusTools(): void {
  if (!source) return;
  const counts = statusCounts(source.nodes, states);
  const failed = (counts.get('failed') ?? 0) + (counts.get('crashed') ?? 0);
  const running = counts.get('running') ?? 0;
  const choices = allStatusStyles().filter(({ status }) => (counts.get(status) ?? 0) > 0 || status === query.status);
  const key = JSON.stringify([choices.map(({ status }) => [status, counts.get(status) ?? 0]), query.status ?? '', failed, running]);
  if (key === paintedStatusTools) return;
  paintedStatusTools = key;
  const all = document.createElement('option');
  all.value = '';
  all.textContent = `All (${source.nodes.length})`;
  statusFilter.replaceChildren(
    all,
    ...choices.map(({ status, style }) => {
      const option = document.createElement('option');
      option.value = status;
      option.textContent = `${style.glyph} ${style.label} (${counts.get(status) ?? 0})`;
      return option;
    }),
  );
  statusFilter.value = query.status ?? '';
  zoomFailedButton.disabled = failed === 0;
  zoomFailedButton.title = failed === 0 ? 'No step failed' : `Zoom to the ${failed} failed step${failed === 1 ? '' : 's'}`;
  zoomRunningButton.disabled = running === 0;
  zoomRunningButton.title = running === 0 ? 'No step is running' : `Zoom to the ${running} running step${running === 1 ? '' : 's'}`;
}

/** Which of the nodes in a status the zoom buttons went to last, by the statuses' key. */
const zoomedTo = new Map<string, number>();

/**
 * Shows every drawn node holding a step in one of `statuses` when they all fit with readable
 * text, else the next of them in turn (each press goes on); selects the one it shows.
 */
function zoomToStatus(statuses: readonly string[]): void {
  if (!source || !shown || !layout) return;
  const ids = [...new Set(source.nodes.filter((node) => statuses.includes(states[node.id]?.status ?? '')).map((node) => shown?.shownOf.get(node.id) ?? node.id))].filter((id) => layout?.nodes.has(id));
  const box = boxAround(ids.map((id) => layout?.nodes.get(id)).filter((node) => node !== undefined));
  if (!box) return;
  const view = viewSize();
  const all = focusRect(box, view, READABLE_SCALE);
  const key = statuses.join();
  if (all.scale * metrics.text.geometry.fontPx >= READABLE_TEXT_PX && !zoomedTo.has(key)) {
    zoomedTo.set(key, 0);
    selected = ids[0];
    repaint();
    moveTo(all);
    return;
  }
  const next = ((zoomedTo.get(key) ?? -1) + 1) % ids.length;
  zoomedTo.set(key, next);
  selected = ids[next];
  repaint();
  moveTo(focusRect(layout.nodes.get(ids[next]) ?? box, view, READABLE_SCALE));
}
zoomFailedButton.addEventListener('click', () => zoomToStatus(['failed', 'crashed']));
zoomRunningButton.addEventListener('click', () => zoomToStatus(['running']));

minimapButton.addEventListener('click', () => {
  minimapChoice = !minimap.shown;
  minimap.show(minimapChoice);
  minimapButton.setAttribute('aria-pressed', String(minimapChoice));
  saveState({ minimapOpen: minimapChoice });
});

function minimapSource(placed: GraphLayout): Parameters<Minimap['setSource']>[0] {
  return {
    nodes: placed.nodes,
    width: placed.width,
    height: placed.height,
    look: (id) => ({ status: drawing?.nodes.get(id)?.group.getAttribute('data-status') ?? 'idle', dimmed: pickedSet !== undefined && !pickedSet.has(id) }),
    viewport: () => viewport,
    view: () => measuredView,
  };
}

/** Zoomed out so far that node text would be too small to read. */
function isFar(): boolean {
  return metrics.text.geometry.fontPx * viewport.scale < MIN_TEXT_PX;
}

let farLabelsScheduled = false;
function scheduleFarLabels(): void {
  if (farLabelsScheduled) return;
  farLabelsScheduled = true;
  requestAnimationFrame(() => {
    farLabelsScheduled = false;
    drawFarLabels();
  });
}

/** Zoomed out: the labels that fit, most important first (farLabels.ts); else none. */
function drawFarLabels(): void {
  if (!drawing || !layout || !shown || !isFar()) return farLabels.clear();
  const candidates: LabelCandidate[] = [];
  const kinds = new Map<string, string>();
  for (const [id, node] of drawing.nodes) {
    const status = node.group.getAttribute('data-status') ?? 'idle';
    const group = shown.groupMembers.has(id);
    const kind = status === 'failed' || status === 'crashed' ? 'failed' : status === 'running' ? 'running' : group ? 'group' : '';
    kinds.set(id, kind);
    const priority = id === selected ? 0 : pickedSet?.has(id) ? 1 : kind === 'failed' ? 2 : kind === 'running' ? 3 : group ? 4 : pickedSet ? 7 : 6;
    candidates.push({ id, text: group ? id : id.slice(id.lastIndexOf('/') + 1), box: node.box, priority });
  }
  // Composed pipelines drawn open: their name over their steps.
  for (const group of currentGroups()) {
    if (group.kind !== 'pipeline' || shown.groupOf.has(group.id)) continue;
    // Its steps as drawn (a fan-out inside it may be collapsed); none when an enclosing group is.
    const drawn = [...new Set(group.members.map((id) => shown?.shownOf.get(id) ?? id))];
    if (drawn.length === 1 && !group.members.includes(drawn[0])) continue;
    const box = boxAround(drawn.map((id) => layout?.nodes.get(id)).filter((node) => node !== undefined));
    if (!box) continue;
    const id = `pipeline:${group.id}`;
    kinds.set(id, 'group');
    candidates.push({ id, text: `${group.id.slice(0, -2)} (${group.members.length})`, box, priority: 4 });
  }
  const placed = placeFarLabels(candidates, viewport, measuredView, metrics.text.measureTitle, Math.ceil(metrics.text.geometry.fontPx * 1.3));
  farLabels.draw(placed, (id) => kinds.get(id) ?? '');
}

// The tools' row may wrap (a search's count appears) and the banner come and go: the graph's
// area changes size without the window's. What is drawn and the map follow.
new ResizeObserver(() => {
  viewSize();
  cull();
  minimap.update();
  scheduleFarLabels();
}).observe(svg);

const savedLegend = savedState?.legendOpen;
legend.open = savedLegend === true;
legend.addEventListener('toggle', () => saveState({ legendOpen: legend.open }));

// Heartbeat ages and running durations advance between events.
setInterval(() => {
  if (Object.values(states).some((state) => state.status === 'running')) repaint();
}, 1000);

channel.post({ kind: 'ready' });
// A timeline open before a reload opens again, once the extension knows the page is ready (it
// starts a (re)loaded page's timeline hidden, then sends timelines again once told it shows).
if (savedState?.timelineOpen === true) timeline.toggle(true);
