/**
 * DAG webview entry: receives graphs and run states from the extension, lays graphs out with
 * elkjs in a Web Worker (cached by structure hash, so status updates never re-layout) and draws
 * them as SVG with pan, zoom, fit and keyboard navigation.
 *
 * A large graph opening in an empty panel is first drawn with a fast draft layout on this thread
 * (`draftLayout.ts`, milliseconds), then redrawn when elkjs's layout arrives (seconds at 1,000
 * nodes). Edits of a shown graph keep the old drawing until elkjs answers, so nothing jumps twice.
 */
import './dag.css';
import type { RunStatus } from '../../runtime/src/model/status';
import { draftLayout } from './draftLayout';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './heartbeat';
import { graphHash, LayoutCache, type GraphLayout } from './layout';
import { startLayoutEngine, type StartedEngine } from './layoutEngine';
import { MessageChannel, type FromWebview, type HeartbeatThresholds, type NodeAction, type NodeRunState, type PipelineGraph, type ToWebview } from './protocol';
import { applyEdgeFlows, applyRunState, drawGraph, ensureTooltip, type Drawing } from './render';
import { centerOn, fitViewport, neighbourInDirection, panBy, zoomAt, type Viewport } from './viewport';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

/** Graphs from this size on get a draft layout first when the panel had nothing to show. */
const DRAFT_MIN_NODES = 150;
/** Below this zoom labels are too small to read (under ~5 px): they are not drawn at all. */
const LABEL_MIN_SCALE = 0.35;

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
const menu = document.getElementById('menu') as HTMLElement;

let graph: PipelineGraph | undefined;
let layout: GraphLayout | undefined;
let layoutKind: 'draft' | 'final' | undefined;
let drawing: Drawing | undefined;
let states: Record<string, NodeRunState> = {};
let runStatus: RunStatus | undefined;
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
      thresholds = body.heartbeat;
      clockOffset = body.now - Date.now();
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

async function showGraph(next: PipelineGraph): Promise<void> {
  const mine = ++generation;
  // Fit when there was nothing to see before; later edits keep the user's pan and zoom.
  const wasEmpty = graph === undefined || graph.nodes.length === 0;
  if (wasEmpty) userMoved = false;
  const hash = graphHash(next);
  try {
    if (!layouts.has(hash) && wasEmpty && next.nodes.length >= DRAFT_MIN_NODES) {
      present(next, draftLayout(next, hash), 'draft', true);
      // Two cores are common: let the draft reach the screen before elkjs competes for the CPU.
      await afterNextPaint();
      if (mine !== generation) return;
    }
    const computed = await layouts.layout(next, hash);
    if (mine !== generation) return;
    failure = undefined;
    // Diagnostics and ranges may change without the structure: redraw cheaply (no layout).
    present(next, computed, 'final', (wasEmpty || layoutKind === 'draft') && !userMoved);
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
  // Fit before drawing: measuring the view then costs nothing, and the new content is laid out once.
  if (fitView) fit();
  drawing = drawGraph(layer, motion, next, computed);
  paintedSelection = undefined;
  if (selected !== undefined && !drawing.nodes.has(selected)) selected = undefined;
  repaint();
  svg.dataset.layout = kind;
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

function repaint(): void {
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
}

function viewSize(): { width: number; height: number } {
  const box = svg.getBoundingClientRect();
  return { width: box.width, height: box.height };
}

function fit(): void {
  if (!layout) return;
  userMoved = false;
  viewport = fitViewport(layout, viewSize());
  applyViewport();
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
  hideMenu();
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
  channel.post({ kind: 'openNode', nodeId: id });
});
svg.addEventListener('contextmenu', (event) => {
  const id = nodeIdOf(event.target);
  if (id === undefined) return;
  event.preventDefault();
  select(id);
  showMenu(id, event.clientX, event.clientY);
});

// Keyboard: arrows move between nodes, Enter opens code, +/- zoom, 0 fits, Shift+F10 menu.
svg.addEventListener('keydown', (event) => {
  const size = viewSize();
  const directions: Record<string, 'left' | 'right' | 'up' | 'down'> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
  if (event.key in directions && layout) {
    event.preventDefault();
    const current = selected === undefined ? undefined : layout.nodes.get(selected);
    if (!current) select(layout.nodes.keys().next().value);
    else select(neighbourInDirection(current, layout.nodes.values(), directions[event.key]) ?? selected);
  } else if (event.key === 'Enter' && selected !== undefined) {
    channel.post({ kind: 'openNode', nodeId: selected });
  } else if (event.key === '+' || event.key === '=') {
    moveTo(zoomAt(viewport, 1.2, size.width / 2, size.height / 2));
  } else if (event.key === '-') {
    moveTo(zoomAt(viewport, 1 / 1.2, size.width / 2, size.height / 2));
  } else if (event.key === '0') {
    fit();
  } else if ((event.key === 'F10' && event.shiftKey) || event.key === 'ContextMenu') {
    const placed = selected === undefined ? undefined : layout?.nodes.get(selected);
    if (placed && selected !== undefined) {
      event.preventDefault();
      showMenu(selected, placed.x * viewport.scale + viewport.x + 20, placed.y * viewport.scale + viewport.y + 20);
    }
  } else if (event.key === 'Escape') {
    hideMenu();
  }
});

const MENU: { action: NodeAction; label: string }[] = [
  { action: 'runFromHere', label: 'Run from here' },
  { action: 'retryStep', label: 'Retry step' },
  { action: 'openLogs', label: 'Logs' },
  { action: 'openArtifacts', label: 'Artifacts' },
];

function showMenu(nodeId: string, x: number, y: number): void {
  menu.replaceChildren(
    ...MENU.map((item) => {
      const button = document.createElement('button');
      button.textContent = item.label;
      button.addEventListener('click', () => {
        hideMenu();
        channel.post({ kind: 'nodeAction', nodeId, action: item.action });
      });
      return button;
    }),
  );
  menu.style.left = `${x}px`;
  menu.style.top = `${y}px`;
  menu.style.display = 'block';
  (menu.firstElementChild as HTMLElement | null)?.focus();
}

function hideMenu(): void {
  menu.style.display = 'none';
}
menu.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    hideMenu();
    svg.focus();
  }
});

document.getElementById('fit')?.addEventListener('click', fit);
document.getElementById('zoomIn')?.addEventListener('click', () => {
  const size = viewSize();
  moveTo(zoomAt(viewport, 1.2, size.width / 2, size.height / 2));
});
document.getElementById('zoomOut')?.addEventListener('click', () => {
  const size = viewSize();
  moveTo(zoomAt(viewport, 1 / 1.2, size.width / 2, size.height / 2));
});
window.addEventListener('resize', () => layout && fit());

// Heartbeat ages and running durations advance between events.
setInterval(() => {
  if (Object.values(states).some((state) => state.status === 'running')) repaint();
}, 1000);

channel.post({ kind: 'ready' });
