/**
 * SVG drawing of a laid-out graph. `drawGraph` builds the DOM once per layout, in one detached
 * fragment inserted at once (one style and layout pass however large the graph), with every node
 * in its not-run look; `applyRunState` and `applyEdgeFlows` then touch only the nodes and edges
 * whose look changed, so a status event repaints one node, not the graph, and never re-lays out.
 *
 * Animations (running nodes' pulse, flowing edges' dashes) are drawn in a separate, small SVG
 * layer above the graph (`motion`): an animated element inside the graph's SVG would make Chrome
 * repaint the whole graph every frame (about 10-20 ms at 1,000 nodes), which would also delay
 * every status repaint; the graph's own SVG sits in its own compositing layer and stays still.
 */
import type { RunStatus } from '../../runtime/src/model/status';
import { edgeFlow, runIsLive, type EdgeFlow } from './edgeFlow';
import type { GraphLayout, PlacedNode } from './layout';
import { nodeDetail } from './nodeLabels';
import type { GraphDiagnostic, HeartbeatThresholds, NodeRunState, PipelineGraph } from './protocol';
import { heartbeatColor, statusStyle } from './statusStyle';

const SVG = 'http://www.w3.org/2000/svg';

export interface NodeElements {
  /** Where the node is drawn (for its motion overlay). */
  box: { x: number; y: number; width: number; height: number };
  group: SVGGElement;
  rect: SVGRectElement;
  title: SVGTextElement;
  detail: SVGTextElement;
  /** Hover text (id, step, problems); its `<title>` is only created on hover (see `ensureTooltip`). */
  tooltip: string;
  /** What was last painted (status, texts, colour), to skip nodes whose look did not change. */
  painted: string;
  /** The pulsing outline in the motion layer while the node runs. */
  pulse?: SVGRectElement;
}

export interface EdgeElement {
  from: string;
  to: string;
  path: SVGPathElement;
  flow: EdgeFlow;
  /** The moving dashes in the motion layer while the edge is `flowing`. */
  dashes?: SVGPathElement;
}

export interface Drawing {
  nodes: Map<string, NodeElements>;
  edges: EdgeElement[];
  /** The animation layer (a `<g>` in the SVG stacked above the graph's). */
  motion: SVGGElement;
}

/** Everything a node shows for one run state; `key` identifies the look, to skip repaints. */
interface NodeLook {
  status: string;
  stroke: string;
  running: boolean;
  title: string;
  detail: string;
  detailColor: string;
  key: string;
}

function nodeLook(id: string, state: NodeRunState | undefined, thresholds: HeartbeatThresholds, now: number): NodeLook {
  const style = statusStyle(state?.status);
  const detail = nodeDetail(state, thresholds, now);
  const look = {
    status: state?.status ?? 'idle',
    // The not-run stroke comes from the stylesheet (one rule instead of an inline style per node).
    stroke: state === undefined ? '' : style.stroke,
    running: style.animated,
    title: `${style.glyph} ${id}`,
    detail: detail.text || style.label,
    detailColor: detail.heartbeat ? heartbeatColor(detail.heartbeat) : '',
  };
  return { ...look, key: `${look.status}\u0001${look.title}\u0001${look.detail}\u0001${look.detailColor}` };
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number> = {}, parent?: Node): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const key in attributes) element.setAttribute(key, String(attributes[key]));
  parent?.appendChild(element);
  return element;
}

function diagnosticsByNode(diagnostics: GraphDiagnostic[]): Map<string, GraphDiagnostic[]> {
  const byNode = new Map<string, GraphDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.nodeId === undefined) continue;
    byNode.set(diagnostic.nodeId, [...(byNode.get(diagnostic.nodeId) ?? []), diagnostic]);
  }
  return byNode;
}

function pathData(points: { x: number; y: number }[]): string {
  let d = '';
  for (let i = 0; i < points.length; i++) d += `${i === 0 ? 'M' : ' L'}${Math.round(points[i].x * 10) / 10},${Math.round(points[i].y * 10) / 10}`;
  return d;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside markup and double-quoted attribute values. */
function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * Replaces the content of `layer` (and clears `motion`) with the graph, not run; returns its
 * elements. Built as one escaped markup string parsed at once: at 1,000 nodes that is several
 * times faster than ~20,000 createElementNS/setAttribute calls.
 */
export function drawGraph(layer: SVGGElement, motion: SVGGElement, graph: PipelineGraph, layout: GraphLayout): Drawing {
  const edgeProblems = new Set(graph.diagnostics.filter((d) => d.edge).map((d) => `${d.edge?.from}->${d.edge?.to}`));
  const drawnEdges = layout.edges.filter((edge) => edge.points.length >= 2);
  let markup = '<g class="edges">';
  for (const edge of drawnEdges) {
    const from = escapeMarkup(edge.from);
    const to = escapeMarkup(edge.to);
    markup += `<path class="edge edge-${edge.kind}${edgeProblems.has(edge.id) ? ' edge-problem' : ''}" d="${pathData(edge.points)}" marker-end="url(#arrow)" data-from="${from}" data-to="${to}"></path>`;
  }
  markup += '</g><g class="nodes">';
  const problems = diagnosticsByNode(graph.diagnostics);
  const drawnNodes: { id: string; placed: PlacedNode; look: NodeLook; tooltip: string }[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const placed = layout.nodes.get(node.id);
    if (!placed || seen.has(node.id)) continue;
    seen.add(node.id);
    const nodeDiagnostics = problems.get(node.id) ?? [];
    const look = nodeLook(node.id, undefined, NO_THRESHOLDS, 0);
    const id = escapeMarkup(node.id);
    const tooltip = [node.id === node.step ? node.id : `${node.id} (${node.step})`, ...nodeDiagnostics.map((d) => `${d.severity}: ${d.message}`)].join('\n');
    markup +=
      `<g class="node${nodeDiagnostics.length > 0 ? ' node-problem' : ''}" transform="translate(${placed.x},${placed.y})" data-id="${id}" data-status="${look.status}" role="button" aria-label="${id}">` +
      `<rect width="${placed.width}" height="${placed.height}" rx="6" class="node-box"></rect>` +
      `<text x="12" y="23" class="node-title">${escapeMarkup(look.title)}</text><text x="12" y="43" class="node-detail">${escapeMarkup(look.detail)}</text>` +
      (nodeDiagnostics.length > 0 ? `<circle cx="${placed.width - 10}" cy="10" r="6" class="node-badge"></circle>` : '') +
      '</g>';
    drawnNodes.push({ id: node.id, placed, look, tooltip });
  }
  markup += '</g>';
  // Parsed in an SVG context (a detached <g>), so the elements are SVG elements.
  const container = document.createElementNS(SVG, 'g');
  container.innerHTML = markup;
  const edgeLayer = container.firstElementChild as SVGGElement;
  const nodeLayer = edgeLayer.nextElementSibling as SVGGElement;
  const edges: EdgeElement[] = [];
  let path = edgeLayer.firstElementChild;
  for (const edge of drawnEdges) {
    edges.push({ from: edge.from, to: edge.to, path: path as SVGPathElement, flow: 'idle' });
    path = (path as Element).nextElementSibling;
  }
  const nodes = new Map<string, NodeElements>();
  let group = nodeLayer.firstElementChild as SVGGElement;
  for (const { id, placed, look, tooltip } of drawnNodes) {
    const rect = group.firstElementChild as SVGRectElement;
    const title = rect.nextElementSibling as SVGTextElement;
    const detail = title.nextElementSibling as SVGTextElement;
    nodes.set(id, { box: placed, group, rect, title, detail, tooltip, painted: look.key });
    group = group.nextElementSibling as SVGGElement;
  }
  layer.replaceChildren(edgeLayer, nodeLayer);
  motion.replaceChildren();
  return { nodes, edges, motion };
}

/**
 * Gives the node or edge under the pointer its `<title>` (the native tooltip) the first time it is
 * hovered: thousands of `<title>` elements up front would cost style work on every first paint.
 */
export function ensureTooltip(drawing: Drawing, target: EventTarget | null): void {
  const owner = (target as Element | null)?.closest?.('g.node, path.edge');
  if (!owner || owner.firstElementChild?.tagName === 'title') return;
  const text = owner.tagName === 'path' ? `${owner.getAttribute('data-from')} → ${owner.getAttribute('data-to')}` : drawing.nodes.get(owner.getAttribute('data-id') ?? '')?.tooltip;
  if (text === undefined) return;
  const title = document.createElementNS(SVG, 'title');
  title.textContent = text;
  owner.prepend(title);
}

const NO_THRESHOLDS: HeartbeatThresholds = { intervalMs: 1, timeoutMs: 1 };

/** Paints statuses, attempts, durations and heartbeat ages onto drawn nodes whose look changed. */
export function applyRunState(drawing: Drawing, states: Record<string, NodeRunState>, thresholds: HeartbeatThresholds, now: number): void {
  for (const [id, node] of drawing.nodes) {
    const look = nodeLook(id, states[id], thresholds, now);
    if (look.key === node.painted) continue;
    node.painted = look.key;
    node.rect.style.stroke = look.stroke;
    node.group.classList.toggle('running', look.running);
    node.group.setAttribute('data-status', look.status);
    if (node.title.textContent !== look.title) node.title.textContent = look.title;
    if (node.detail.textContent !== look.detail) node.detail.textContent = look.detail;
    node.detail.style.fill = look.detailColor;
    if (look.running && !node.pulse) {
      node.pulse = el('rect', { x: node.box.x - 4, y: node.box.y - 4, width: node.box.width + 8, height: node.box.height + 8, rx: 9, class: 'pulse' }, drawing.motion);
    } else if (!look.running && node.pulse) {
      node.pulse.remove();
      node.pulse = undefined;
    }
  }
}

/** Marks each edge `flowing` (moving dashes), `done` (solid) or neither; touches only changes. */
export function applyEdgeFlows(drawing: Drawing, states: Record<string, NodeRunState>, runStatus: RunStatus | undefined): void {
  const live = runIsLive(states, runStatus);
  for (const edge of drawing.edges) {
    const flow = edgeFlow(states[edge.from]?.status, states[edge.to]?.status, live);
    if (flow === edge.flow) continue;
    edge.path.classList.toggle('flowing', flow === 'flowing');
    edge.path.classList.toggle('done', flow === 'done');
    edge.flow = flow;
    if (flow === 'flowing' && !edge.dashes) {
      edge.dashes = el('path', { d: edge.path.getAttribute('d') ?? '', class: 'dashes', 'data-from': edge.from, 'data-to': edge.to }, drawing.motion);
    } else if (flow !== 'flowing' && edge.dashes) {
      edge.dashes.remove();
      edge.dashes = undefined;
    }
  }
}
