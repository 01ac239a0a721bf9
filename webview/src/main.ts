/**
 * DAG webview entry: receives graphs and run states from the extension, lays graphs out with
 * elkjs in a Web Worker (cached by structure hash, so status updates never re-layout) and draws
 * them as SVG with pan, zoom, fit and keyboard navigation.
 *
 * It opens readable: node text is drawn at the editor's font size, the graph opens at a zoom of
 * at least 1 (panning to the rest when it does not fit), laid out top down when that shows more of
 * it than left to right (the default side-by-side panel is narrow and tall).
 *
 * A large graph opening in an empty panel is first drawn with a fast draft layout on this thread
 * (`draftLayout.ts`, milliseconds), then redrawn when elkjs's layout arrives (seconds at 1,000
 * nodes). Edits of a shown graph keep the old drawing until elkjs answers, so nothing jumps twice.
 */
import './dag.css';
import type { RunStatus } from '../../runtime/src/model/status';
import { chooseDirection } from './direction';
import { draftLayout } from './draftLayout';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../contracts/src/heartbeat';
import { graphHash, LayoutCache, SPACING, type GraphLayout, type LayoutDirection, type LayoutRequest } from './layout';
import { startLayoutEngine, type StartedEngine } from './layoutEngine';
import { layerGraph, type Layering } from './layering';
import { fillLegend } from './legend';
import { NodeMenu, type MenuEntry } from './nodeMenu';
import { updatePanelState, type DagPanelState } from '../../contracts/src/panelState';
import type { PipelineGraph } from '../../contracts/src/graph';
import { MessageChannel } from '../../contracts/src/messageChannel';
import type { DagDrift, FromWebview, HeartbeatThresholds, NodeAction, NodeRunState, ToWebview } from '../../contracts/src/webviewMessages';
import { applyEdgeFlows, applyRunState, cullNodes, drawGraph, ensureTooltip, type Drawing } from './render';
import { runHeadline, type ShownRun } from './runHeadline';
import { runBanner } from './runBanner';
import { showDrift } from './driftMarks';
import { fillDetails } from './nodeDetails';
import { nodeDetail } from './nodeLabels';
import { paletteVariables, statusStyle, themeKind } from './statusStyle';
import { measureNodeText, type NodeMetrics } from './textMetrics';
import { centerOn, fitViewport, initialViewport, neighbourInDirection, panBy, zoomAt, type Viewport } from './viewport';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

/** Graphs from this size on get a draft layout first when the panel had nothing to show. */
const DRAFT_MIN_NODES = 150;
/** Below this zoom labels are too small to read (under ~5 px): they are not drawn at all. */
const LABEL_MIN_SCALE = 0.35;
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

// Status colours per theme kind (statusStyle.ts), again whenever VS Code switches the theme.
function applyPalette(): void {
  for (const [name, value] of Object.entries(paletteVariables(themeKind(document.body.classList)))) document.body.style.setProperty(name, value);
}
applyPalette();
new MutationObserver(applyPalette).observe(document.body, { attributes: true, attributeFilter: ['class'] });

let metrics: NodeMetrics = measureNodeText(svg);
// The editor's font size comes with the theme's variables: node sizes follow it.
new MutationObserver(() => {
  const next = measureNodeText(svg);
  if (next.sizing.key === metrics.sizing.key) return;
  metrics = next;
  if (graph) void showGraph(graph, !userMoved);
}).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

fillLegend(document.getElementById('legendBody') as HTMLElement);

let graph: PipelineGraph | undefined;
let layout: GraphLayout | undefined;
let layoutKind: 'draft' | 'final' | undefined;
let drawing: Drawing | undefined;
/** What changed in the code since the shown run (driftMarks.ts). */
let drift: DagDrift | undefined;
const driftBanner = document.getElementById('drift') as HTMLElement;
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
      void showGraph(body.graph);
      return undefined;
    case 'runState':
      states = body.nodes;
      runStatus = body.runStatus;
      runError = body.runError;
      thresholds = body.heartbeat;
      drift = body.drift;
      clockOffset = body.now - Date.now();
      if (body.runId !== shownRun?.runId) saveState({ runId: body.runId });
      shownRun = { runId: body.runId, runName: body.runName, retryOf: body.retryOf, status: body.runStatus };
      showRunLine();
      repaint();
      return undefined;
    case 'ack':
      return undefined;
  }
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
async function showGraph(next: PipelineGraph, opening = false): Promise<void> {
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
    if (!layouts.has(hash, request) && wasEmpty && next.nodes.length >= DRAFT_MIN_NODES) {
      present(next, draftLayout(next, hash, request), 'draft', true);
      // Two cores are common: let the draft reach the screen before elkjs competes for the CPU.
      await afterNextPaint();
      if (mine !== generation) return;
    }
    const computed = await layouts.layout(next, hash, request);
    if (mine !== generation) return;
    failure = undefined;
    // Diagnostics and ranges may change without the structure: redraw cheaply (no layout).
    present(next, computed, 'final', (wasEmpty || opening || layoutKind === 'draft') && !userMoved);
  } catch (error) {
    if (mine !== generation) return;
    failure = `layout failed: ${(error as Error).message}`;
    updateStatus();
    channel.post({ kind: 'error', message: failure });
  }
}

function present(next: PipelineGraph, computed: GraphLayout, kind: 'draft' | 'final', fitView: boolean): void {
  graph = next;
  layout = computed;
  layoutKind = kind;
  // Placed before drawing: measuring the view then costs nothing, and the new content is laid out once.
  if (fitView) openView();
  else viewSize();
  drawing = drawGraph(layer, motion, next, computed, metrics.text, visibleRect());
  paintedSelection = undefined;
  if (selected !== undefined && !drawing.nodes.has(selected)) selected = undefined;
  repaint();
  svg.dataset.layout = kind;
  svg.dataset.direction = computed.direction;
  updateStatus();
}

function updateStatus(): void {
  const parts: string[] = [];
  if (graph) parts.push(`${graph.pipeline}: ${graph.nodes.length} steps${graph.diagnostics.length > 0 ? `, ${graph.diagnostics.length} problem(s)` : ''}`);
  else parts.push('Waiting for the language server…');
  if (layoutKind === 'draft' && failure === undefined) parts.push('laying out…');
  if (engine?.mode === 'main-thread') parts.push(`layout on the main thread: ${engine.reason}`);
  if (failure !== undefined) parts.push(failure);
  statusLine.textContent = parts.join(' · ');
}

/** The banner of a run that did not complete (runBanner.ts); touched only when it changes. */
function showBanner(): void {
  const shown = runBanner(shownRun && { ...shownRun, runError }, states, graph?.nodes.map((node) => node.id) ?? []);
  const key = JSON.stringify(shown ?? null);
  if (key === paintedBanner) return;
  paintedBanner = key;
  banner.hidden = shown === undefined;
  if (!shown) return banner.replaceChildren();
  const glyph = document.createElement('span');
  glyph.className = 'banner-glyph';
  glyph.textContent = statusStyle('failed').glyph;
  glyph.setAttribute('aria-hidden', 'true');
  const text = document.createElement('span');
  text.className = 'banner-text';
  text.textContent = shown.text;
  text.title = shown.text;
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
  const step = shown.step;
  if (step !== undefined) {
    add('Details', () => {
      select(step);
      openDetails(step);
    });
    add('Logs', () => channel.post({ kind: 'nodeAction', nodeId: step, action: 'openLogs' }));
  }
  if (shown.retry) add('Retry', () => channel.post({ kind: 'retryRun' }), true);
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
  const node = graph?.nodes.find((candidate) => candidate.id === detailsOf);
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
  if (!drawing) return;
  applyRunState(drawing, states, thresholds, now());
  applyEdgeFlows(drawing, states, runStatus);
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
  svg.classList.toggle('far', viewport.scale < LABEL_MIN_SCALE);
  cull();
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
  selected = id;
  repaint();
  const placed = id === undefined ? undefined : layout?.nodes.get(id);
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
  } else if ((event.key === 'F10' && event.shiftKey) || event.key === 'ContextMenu') {
    event.preventDefault();
    openMenuOfSelected();
  }
});

type MenuAction = NodeAction | 'openCode';

const menu = new NodeMenu<MenuAction>(
  document.getElementById('menu') as HTMLElement,
  (nodeId, action) => channel.post(action === 'openCode' ? { kind: 'openNode', nodeId } : { kind: 'nodeAction', nodeId, action }),
  () => svg.focus(),
);

function menuEntries(nodeId: string): MenuEntry<MenuAction>[] {
  const ran = shownRun?.runId !== undefined && shownRun.runId !== null;
  const started = ran && (states[nodeId]?.attempt ?? 0) > 0;
  return [
    { action: 'openCode', label: 'Go to Code', enabled: true, group: 0 },
    { action: 'runFromHere', label: 'Run Step', enabled: true, group: 1 },
    { action: 'retryStep', label: 'Retry Step', enabled: ran && runStatus !== 'running', group: 1 },
    { action: 'openLogs', label: 'Open Logs', enabled: started, group: 2 },
    { action: 'openArtifacts', label: 'Open Artifact…', enabled: ran, group: 2 },
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
    return;
  }
  openView();
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (graph && !userMoved && preferredDirection(graph) !== direction) void showGraph(graph, true);
  }, 200);
});

const savedLegend = (vscode.getState() as Partial<DagPanelState> | undefined)?.legendOpen;
legend.open = savedLegend === true;
legend.addEventListener('toggle', () => saveState({ legendOpen: legend.open }));

// Heartbeat ages and running durations advance between events.
setInterval(() => {
  if (Object.values(states).some((state) => state.status === 'running')) repaint();
}, 1000);

channel.post({ kind: 'ready' });
