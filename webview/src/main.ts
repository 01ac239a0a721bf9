/**
 * DAG webview entry: receives graphs and run states from the extension, lays graphs out with
 * elkjs (cached by structure hash) and draws them as SVG with pan, zoom, fit and keyboard
 * navigation.
 *
 * elkjs runs on the main thread (its bundled build uses an in-process fake worker): a real Worker
 * needs a same-origin script URL, which VS Code webviews do not give without a blob: worker-src
 * and a fetch of our own bundle. Layout only runs when the structure changes, so this is cheap
 * enough; moving it to a worker is a FIXME for the 1,000-node benchmark.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import './dag.css';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './heartbeat';
import { LayoutCache, type GraphLayout } from './layout';
import { MessageChannel, type FromWebview, type HeartbeatThresholds, type NodeAction, type NodeRunState, type PipelineGraph, type ToWebview } from './protocol';
import { applyRunState, drawGraph, type NodeElements } from './render';
import { centerOn, fitViewport, neighbourInDirection, panBy, zoomAt, type Viewport } from './viewport';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const layouts = new LayoutCache(new ELK());
const svg = document.getElementById('canvas') as unknown as SVGSVGElement;
const layer = document.getElementById('layer') as unknown as SVGGElement;
const statusLine = document.getElementById('status') as HTMLElement;
const menu = document.getElementById('menu') as HTMLElement;

let graph: PipelineGraph | undefined;
let layout: GraphLayout | undefined;
let elements = new Map<string, NodeElements>();
let states: Record<string, NodeRunState> = {};
let thresholds: HeartbeatThresholds = { intervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS, timeoutMs: 3 * DEFAULT_HEARTBEAT_INTERVAL_MS };
/** Extension clock minus ours, so heartbeat ages use the extension's notion of now. */
let clockOffset = 0;
let viewport: Viewport = { x: 0, y: 0, scale: 1 };
let selected: string | undefined;
let generation = 0;

const channel = new MessageChannel<FromWebview, ToWebview>(vscode, (body) => {
  switch (body.kind) {
    case 'graph':
      void showGraph(body.graph);
      return undefined;
    case 'runState':
      states = body.nodes;
      thresholds = body.heartbeat;
      clockOffset = body.now - Date.now();
      repaint();
      return undefined;
    case 'ack':
      return undefined;
  }
});
window.addEventListener('message', (event: MessageEvent) => channel.receive(event.data));

function now(): number {
  return Date.now() + clockOffset;
}

async function showGraph(next: PipelineGraph): Promise<void> {
  const mine = ++generation;
  // Fit when there was nothing to see before; later edits keep the user's pan and zoom.
  const wasEmpty = graph === undefined || graph.nodes.length === 0;
  try {
    const computed = await layouts.layout(next);
    if (mine !== generation) return;
    graph = next;
    layout = computed;
    // Diagnostics and ranges may change without the structure: redraw cheaply (no layout).
    elements = drawGraph(layer, next, computed);
    if (selected !== undefined && !elements.has(selected)) selected = undefined;
    repaint();
    if (wasEmpty) fit();
    statusLine.textContent = `${next.pipeline}: ${next.nodes.length} steps${next.diagnostics.length > 0 ? `, ${next.diagnostics.length} problem(s)` : ''}`;
  } catch (error) {
    channel.post({ kind: 'error', message: `layout failed: ${(error as Error).message}` });
  }
}

function repaint(): void {
  applyRunState(elements, states, thresholds, now());
  for (const [id, nodeElements] of elements) nodeElements.group.classList.toggle('selected', id === selected);
  // Edges out of running steps' producers animate: data is flowing into a running step.
  for (const path of layer.querySelectorAll<SVGPathElement>('path.edge')) {
    path.classList.toggle('flowing', states[path.dataset.to ?? '']?.status === 'running');
  }
}

function applyViewport(): void {
  layer.setAttribute('transform', `translate(${viewport.x},${viewport.y}) scale(${viewport.scale})`);
}

function viewSize(): { width: number; height: number } {
  const box = svg.getBoundingClientRect();
  return { width: box.width, height: box.height };
}

function fit(): void {
  if (!layout) return;
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
      viewport = centerOn(viewport, placed, size);
      applyViewport();
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
  viewport = panBy(viewport, event.clientX - drag.x, event.clientY - drag.y);
  drag = { x: event.clientX, y: event.clientY };
  applyViewport();
});
svg.addEventListener('pointerup', () => (drag = undefined));
svg.addEventListener(
  'wheel',
  (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    viewport = zoomAt(viewport, Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
    applyViewport();
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
    viewport = zoomAt(viewport, 1.2, size.width / 2, size.height / 2);
    applyViewport();
  } else if (event.key === '-') {
    viewport = zoomAt(viewport, 1 / 1.2, size.width / 2, size.height / 2);
    applyViewport();
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
  viewport = zoomAt(viewport, 1.2, size.width / 2, size.height / 2);
  applyViewport();
});
document.getElementById('zoomOut')?.addEventListener('click', () => {
  const size = viewSize();
  viewport = zoomAt(viewport, 1 / 1.2, size.width / 2, size.height / 2);
  applyViewport();
});
window.addEventListener('resize', () => layout && fit());

// Heartbeat ages and running durations advance between events.
setInterval(() => {
  if (Object.values(states).some((state) => state.status === 'running')) repaint();
}, 1000);

channel.post({ kind: 'ready' });
