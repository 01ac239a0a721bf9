/**
 * SVG drawing of a laid-out graph. `drawGraph` builds the DOM once per layout, in one detached
 * fragment inserted at once (one style and layout pass however large the graph), with every node
 * in its not-run look; `applyRunState` and `applyEdgeFlows` then touch only the nodes and edges
 * whose look changed, so a status event repaints one node, not the graph, and never re-lays out.
 *
 * Out of view, a node or edge is not drawn (`cullNodes`). In a graph of {@link DETACH_CULLED_FROM}
 * nodes or more it is also taken out of the document (kept, and painted on, detached): Chrome
 * styles and lays out the text of a `display: none` node all the same (measured at 1,000 nodes:
 * 55-80 ms of the first paint, against 3 ms with only the nodes in view in the document).
 *
 * Animations (running nodes' pulse, flowing edges' dashes) are drawn in a separate, small SVG
 * layer above the graph (`motion`): an animated element inside the graph's SVG would make Chrome
 * repaint the whole graph every frame (about 10-20 ms at 1,000 nodes), which would also delay
 * every status repaint; the graph's own SVG sits in its own compositing layer and stays still.
 */
import type { RunStatus } from '../../runtime/src/model/status';
import { edgeFlow, runIsLive, type EdgeFlow } from './edgeFlow';
import type { GraphLayout, PlacedNode } from './layout';
import { detailRoom, fitParts, fitText, titleRoom, type NodeGeometry } from './nodeBox';
import { clipPolyline, type Point } from './polylineClip';
import { DETAIL_SEPARATOR, nodeDetail } from './nodeLabels';
import { edgeLabels, midpoint } from './edgeLabels';
import type { GraphDiagnostic, PipelineGraph } from '../../contracts/src/graph';
import type { HeartbeatThresholds, NodeRunState } from '../../contracts/src/webviewMessages';
import { heartbeatColor, statusStyle } from './statusStyle';
import { groupDetail, groupStatus } from './groupStatus';

const SVG = 'http://www.w3.org/2000/svg';

/** How node text is laid out and measured (the webview measures with a canvas in the node font). */
export interface NodeText {
  geometry: NodeGeometry;
  measureTitle(text: string): number;
  measureDetail(text: string): number;
}

export interface NodeElements {
  /** Where the node is drawn (for its motion overlay). */
  box: { x: number; y: number; width: number; height: number };
  group: SVGGElement;
  rect: SVGRectElement;
  glyph: SVGTextElement;
  title: SVGTextElement;
  detail: SVGTextElement;
  /** Hover text (id, step, problems); its `<title>` is only created on hover (see `ensureTooltip`). */
  tooltip: string;
  /** The status and detail line in full (the drawn one may be cut to fit), for the tooltip. */
  fullDetail: string;
  /** A failure's whole message and stack, for the tooltip. */
  errorLines: readonly string[];
  /** What was last painted (status, texts, colour), to skip nodes whose look did not change. */
  painted: string;
  /** The pulsing outline in the motion layer while the node runs. */
  pulse?: SVGRectElement;
  /** Out of view: not drawn (see `cullNodes`). */
  culled: boolean;
}

/**
 * From this many nodes, what is out of view is out of the document too. Smaller graphs keep
 * every element in it, hidden by a class: what they save is a few milliseconds, and panning
 * then never moves elements in and out.
 */
export const DETACH_CULLED_FROM = 500;

export interface EdgeElement {
  from: string;
  to: string;
  path: SVGPathElement;
  /** Its polyline and the polyline's bounding box (graph coordinates). */
  points: Point[];
  box: { x: number; y: number; width: number; height: number };
  /** Out of view: its moving dashes are not drawn (see `cullNodes`). */
  culled: boolean;
  flow: EdgeFlow;
  /** The moving dashes in the motion layer while the edge is `flowing`. */
  dashes?: SVGPathElement;
  /** What flows on it (named outputs), drawn half way along it. */
  label?: SVGTextElement;
}

export interface Drawing {
  nodes: Map<string, NodeElements>;
  text: NodeText;
  /** What `cullNodes` last kept (graph coordinates); everything until it first runs. */
  visible?: { x: number; y: number; width: number; height: number };
  edges: EdgeElement[];
  /** The animation layer (a `<g>` in the SVG stacked above the graph's). */
  motion: SVGGElement;
  /** Collapsed groups drawn as one node: their members, by the node's id. */
  groups: ReadonlyMap<string, readonly string[]>;
  /** The nodes a search or filter picked (undefined: none is active), as last painted. */
  picked?: ReadonlySet<string>;
  /** Where culled elements go back to when they come into view, when they leave the document (see {@link DETACH_CULLED_FROM}). */
  detached?: { nodes: SVGGElement; edges: SVGGElement; labels: SVGGElement };
}

/** Everything a node shows for one run state; `key` identifies the look, to skip repaints. */
interface NodeLook {
  status: string;
  stroke: string;
  running: boolean;
  glyph: string;
  /** Status label and detail, for the tooltip. */
  fullDetail: string;
  /** The detail line's parts (the status label when there are none). */
  detail: { text: string; rank: number }[];
  detailColor: string;
  key: string;
}

function nodeLook(state: NodeRunState | undefined, thresholds: HeartbeatThresholds, now: number): NodeLook {
  const style = statusStyle(state?.status);
  const detail = nodeDetail(state, thresholds, now);
  const look = {
    status: state?.status ?? 'idle',
    // The not-run stroke comes from the stylesheet (one rule instead of an inline style per node).
    stroke: state === undefined ? '' : style.stroke,
    running: style.animated,
    glyph: style.glyph,
    fullDetail: detail.text ? `${style.label} · ${detail.text}` : style.label,
    detail: detail.parts.length > 0 ? detail.parts : [{ text: style.label, rank: 0 }],
    detailColor: detail.heartbeat ? heartbeatColor(detail.heartbeat) : '',
  };
  return { ...look, key: `${look.status}\u0001${detail.text}\u0001${look.detailColor}` };
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number> = {}, parent?: Node): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const key in attributes) element.setAttribute(key, String(attributes[key]));
  parent?.appendChild(element);
  return element;
}

/** The look of a collapsed group: its most urgent member status, its size and members per status. */
function groupLook(members: readonly string[], states: Record<string, NodeRunState>): NodeLook {
  const status = groupStatus(members, states);
  const style = statusStyle(status);
  const detail = groupDetail(members, states);
  const text = detail.map((part) => part.text).join(DETAIL_SEPARATOR);
  return {
    status: status ?? 'idle',
    stroke: status === undefined ? '' : style.stroke,
    running: style.animated,
    glyph: style.glyph,
    fullDetail: `${style.label} · ${text}`,
    detail,
    detailColor: '',
    key: `${status ?? 'idle'}\u0001${text}`,
  };
}

function diagnosticsByNode(diagnostics: GraphDiagnostic[]): Map<string, GraphDiagnostic[]> {
  const byNode = new Map<string, GraphDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.nodeId === undefined) continue;
    byNode.set(diagnostic.nodeId, [...(byNode.get(diagnostic.nodeId) ?? []), diagnostic]);
  }
  return byNode;
}

type Rect = { x: number; y: number; width: number; height: number };

function boundsOf(points: { x: number; y: number }[]): Rect {
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

function meets(box: Rect, visible: Rect): boolean {
  return box.x <= visible.x + visible.width && box.y <= visible.y + visible.height && box.x + box.width >= visible.x && box.y + box.height >= visible.y;
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
export function drawGraph(layer: SVGGElement, motion: SVGGElement, graph: PipelineGraph, layout: GraphLayout, text: NodeText, visible?: Rect, groups: ReadonlyMap<string, readonly string[]> = new Map()): Drawing {
  const g = text.geometry;
  // Drawn culled from the start (see `cullNodes`): never laid out or styled while out of view.
  const out = (box: Rect) => visible !== undefined && !meets(box, visible);
  const edgeProblems = new Set(graph.diagnostics.filter((d) => d.edge).map((d) => `${d.edge?.from}->${d.edge?.to}`));
  const drawnEdges = layout.edges.filter((edge) => edge.points.length >= 2);
  let markup = '<g class="edges">';
  for (const edge of drawnEdges) {
    const from = escapeMarkup(edge.from);
    const to = escapeMarkup(edge.to);
    markup += `<path class="edge edge-${edge.kind}${edgeProblems.has(edge.id) ? ' edge-problem' : ''}${out(boundsOf(edge.points)) ? ' culled' : ''}" d="${pathData(edge.points)}" marker-end="url(#arrow)" data-from="${from}" data-to="${to}"></path>`;
  }
  // Above the nodes (they sit between them), so no node covers what an edge carries.
  const labels = edgeLabels(graph);
  let labelMarkup = '<g class="edge-labels">';
  for (const edge of drawnEdges) {
    const label = labels.get(edge.id);
    if (label === undefined) continue;
    const at = midpoint(edge.points);
    labelMarkup += `<text class="edge-label${out(boundsOf(edge.points)) ? ' culled' : ''}" x="${Math.round(at.x)}" y="${Math.round(at.y)}" data-from="${escapeMarkup(edge.from)}" data-to="${escapeMarkup(edge.to)}">${escapeMarkup(label)}</text>`;
  }
  labelMarkup += '</g>';
  markup += '</g><g class="nodes">';
  const problems = diagnosticsByNode(graph.diagnostics);
  const drawnNodes: { id: string; placed: PlacedNode; look: NodeLook; tooltip: string; detail: string }[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const placed = layout.nodes.get(node.id);
    if (!placed || seen.has(node.id)) continue;
    seen.add(node.id);
    const nodeDiagnostics = problems.get(node.id) ?? [];
    const members = groups.get(node.id);
    const look = members ? groupLook(members, {}) : nodeLook(undefined, NO_THRESHOLDS, 0);
    const id = escapeMarkup(node.id);
    const detail = fitParts(look.detail, DETAIL_SEPARATOR, detailRoom(g, placed.width), text.measureDetail);
    const name = members ? `${node.id}: ${members.length} steps, collapsed (click to expand)` : node.id === node.step ? node.id : `${node.id} (${node.step})`;
    const tooltip = [name, ...nodeDiagnostics.map((d) => `${d.severity}: ${d.message}`)].join('\n');
    markup +=
      `<g class="node${members ? ' node-group' : ''}${nodeDiagnostics.length > 0 ? ' node-problem' : ''}${out(placed) ? ' culled' : ''}" transform="translate(${placed.x},${placed.y})" data-id="${id}" data-status="${look.status}" role="button" aria-label="${id}">` +
      // A collapsed group: a second box behind it, as of a stack.
      (members ? `<rect x="4" y="4" width="${placed.width}" height="${placed.height}" rx="6" class="node-stack"></rect>` : '') +
      `<rect width="${placed.width}" height="${placed.height}" rx="6" class="node-box"></rect>` +
      `<text x="${g.padX}" y="${g.titleY}" class="node-glyph">${escapeMarkup(look.glyph)}</text>` +
      `<text x="${g.titleX}" y="${g.titleY}" class="node-title">${escapeMarkup(fitText(node.id, titleRoom(g, placed.width), text.measureTitle))}</text>` +
      `<text x="${g.padX}" y="${g.detailY}" class="node-detail">${escapeMarkup(detail)}</text>` +
      (nodeDiagnostics.length > 0 ? `<circle cx="${placed.width - g.badge.dx}" cy="${g.badge.cy}" r="${g.badge.r}" class="node-badge"></circle>` : '') +
      '</g>';
    drawnNodes.push({ id: node.id, placed, look, tooltip, detail });
  }
  markup += `</g>${labelMarkup}`;
  // Parsed in an SVG context (a detached <g>), so the elements are SVG elements.
  const container = document.createElementNS(SVG, 'g');
  container.innerHTML = markup;
  const edgeLayer = container.firstElementChild as SVGGElement;
  const nodeLayer = edgeLayer.nextElementSibling as SVGGElement;
  const labelLayer = nodeLayer.nextElementSibling as SVGGElement;
  const edges: EdgeElement[] = [];
  let path = edgeLayer.firstElementChild;
  let label = labelLayer.firstElementChild;
  for (const edge of drawnEdges) {
    const box = boundsOf(edge.points);
    const drawn: EdgeElement = { from: edge.from, to: edge.to, path: path as SVGPathElement, points: edge.points, box, culled: out(box), flow: 'idle' };
    if (labels.has(edge.id)) {
      drawn.label = label as SVGTextElement;
      label = (label as Element).nextElementSibling;
    }
    edges.push(drawn);
    path = (path as Element).nextElementSibling;
  }
  const nodes = new Map<string, NodeElements>();
  let group = nodeLayer.firstElementChild as SVGGElement;
  for (const { id, placed, look, tooltip } of drawnNodes) {
    const rect = (groups.has(id) ? group.children[1] : group.firstElementChild) as SVGRectElement;
    const glyph = rect.nextElementSibling as SVGTextElement;
    const title = glyph.nextElementSibling as SVGTextElement;
    const detail = title.nextElementSibling as SVGTextElement;
    nodes.set(id, { box: placed, group, rect, glyph, title, detail, tooltip, fullDetail: look.fullDetail, errorLines: [], painted: look.key, culled: out(placed) });
    group = group.nextElementSibling as SVGGElement;
  }
  const drawing: Drawing = { nodes, edges, motion, text, groups, ...(visible ? { visible } : {}) };
  if (nodes.size >= DETACH_CULLED_FROM) {
    // Out of the document before it is inserted: what is out of view is never styled.
    drawing.detached = { nodes: nodeLayer, edges: edgeLayer, labels: labelLayer };
    // Out of the document, they shed the class that hid them in it, so they show once put back.
    const takeOut = (element: Element) => {
      element.remove();
      element.classList.remove('culled');
    };
    for (const node of nodes.values()) if (node.culled) takeOut(node.group);
    for (const edge of edges) {
      if (!edge.culled) continue;
      takeOut(edge.path);
      if (edge.label) takeOut(edge.label);
    }
  }
  layer.replaceChildren(edgeLayer, nodeLayer, labelLayer);
  motion.replaceChildren();
  return drawing;
}

/**
 * Gives the node or edge under the pointer its `<title>` (the native tooltip) when it is hovered:
 * thousands of `<title>` elements up front would cost style work on every first paint. A node's
 * tooltip has its id, step, status and detail in full (the drawn ones may be cut) and problems.
 */
export function ensureTooltip(drawing: Drawing, target: EventTarget | null): void {
  const owner = (target as Element | null)?.closest?.('g.node, path.edge');
  if (!owner) return;
  let text: string | undefined;
  if (owner.tagName === 'path') text = `${owner.getAttribute('data-from')} → ${owner.getAttribute('data-to')}${edgeLabelOf(drawing, owner)}`;
  else {
    const node = drawing.nodes.get(owner.getAttribute('data-id') ?? '');
    if (node) text = nodeTooltip(node);
  }
  if (text === undefined) return;
  const existing = owner.firstElementChild?.tagName === 'title' ? owner.firstElementChild : undefined;
  if (existing) {
    if (existing.textContent !== text) existing.textContent = text;
    return;
  }
  const title = document.createElementNS(SVG, 'title');
  title.textContent = text;
  owner.prepend(title);
}

function nodeTooltip(node: NodeElements): string {
  const [name, ...problems] = node.tooltip.split('\n');
  return [name, node.fullDetail, ...(node.errorLines.length > 0 ? ['', ...node.errorLines, ''] : []), ...problems].join('\n').trimEnd();
}

/** `: train` for an edge that carries named outputs. */
function edgeLabelOf(drawing: Drawing, path: Element): string {
  const edge = drawing.edges.find((candidate) => candidate.path === path);
  return edge?.label ? `: ${edge.label.textContent ?? ''}` : '';
}

/**
 * Draws only the nodes and edges, and animates only the edges, that meet `visible` (graph coordinates): at
 * a readable zoom most of a large graph is out of view, and Chrome would otherwise paint all of
 * it on every status change, and animate moving dashes along edges thousands of pixels long (at
 * 1,000 nodes the motion layer alone made a status repaint ~3x slower). Touches only what crossed
 * the edge of the view.
 */
export function cullNodes(drawing: Drawing, visible: { x: number; y: number; width: number; height: number }): void {
  drawing.visible = visible;
  const detached = drawing.detached;
  /** Hides or shows an element by its class (a small graph's; a large one's leave the document, below). */
  const show = detached ? undefined : (element: Element, culled: boolean) => element.classList.toggle('culled', culled);
  let changed = false;
  for (const node of drawing.nodes.values()) {
    const culled = !meets(node.box, visible);
    if (culled === node.culled) continue;
    changed = true;
    node.culled = culled;
    show?.(node.group, culled);
    node.pulse?.classList.toggle('culled', culled);
  }
  for (const edge of drawing.edges) {
    const culled = !meets(edge.box, visible);
    if (culled !== edge.culled) {
      changed = true;
      edge.culled = culled;
      if (show) {
        show(edge.path, culled);
        if (edge.label) show(edge.label, culled);
      }
      edge.dashes?.classList.toggle('culled', culled);
    }
    if (edge.dashes && !culled) drawDashes(edge.dashes, edge, visible);
  }
  if (!detached || !changed) return;
  attachInOrder(detached.nodes, [...drawing.nodes.values()].map((node) => ({ element: node.group, shown: !node.culled })));
  attachInOrder(detached.edges, drawing.edges.map((edge) => ({ element: edge.path, shown: !edge.culled })));
  attachInOrder(detached.labels, drawing.edges.flatMap((edge) => (edge.label ? [{ element: edge.label, shown: !edge.culled }] : [])));
}

/**
 * Puts into `parent` the elements to be shown, each at its place in `order` (the drawing's, so the
 * document's order never depends on how the view moved), and takes out the others; touches only
 * what changed.
 */
function attachInOrder(parent: Element, order: readonly { element: Element; shown: boolean }[]): void {
  let next: Element | null = null;
  for (let i = order.length - 1; i >= 0; i--) {
    const { element, shown } = order[i];
    if (!shown) {
      if (element.parentNode === parent) element.remove();
      continue;
    }
    if (element.parentNode !== parent || element.nextElementSibling !== next) parent.insertBefore(element, next);
    next = element;
  }
}

/** The period of the moving dashes (dag.css: `stroke-dasharray: 6 4`, moving 10 px per cycle of 0.8 s). */
const DASH_PERIOD = 10;
const DASH_CYCLE_S = 0.8;

/**
 * Moving dashes along the part of `edge` inside `visible` only, in the phase they would have on
 * the whole edge (a negative animation delay), so panning never makes them jump.
 */
function drawDashes(dashes: SVGPathElement, edge: EdgeElement, visible: { x: number; y: number; width: number; height: number } | undefined): void {
  const clipped = visible ? clipPolyline(edge.points, visible) : undefined;
  const d = pathData(clipped?.points ?? edge.points);
  if (dashes.getAttribute('d') !== d) dashes.setAttribute('d', d);
  const delay = `${(-((clipped?.start ?? 0) % DASH_PERIOD) / DASH_PERIOD) * DASH_CYCLE_S}s`;
  if (dashes.style.animationDelay !== delay) dashes.style.animationDelay = delay;
}

const NO_THRESHOLDS: HeartbeatThresholds = { intervalMs: 1, timeoutMs: 1 };

/** Paints statuses, attempts, durations and heartbeat ages onto drawn nodes whose look changed. */
export function applyRunState(drawing: Drawing, states: Record<string, NodeRunState>, thresholds: HeartbeatThresholds, now: number): void {
  for (const [id, node] of drawing.nodes) {
    const members = drawing.groups.get(id);
    const look = members ? groupLook(members, states) : nodeLook(states[id], thresholds, now);
    if (look.key === node.painted) continue;
    node.painted = look.key;
    node.fullDetail = look.fullDetail;
    node.errorLines = members ? [] : (states[id]?.error?.lines ?? []);
    node.rect.style.stroke = look.stroke;
    node.glyph.style.fill = look.stroke;
    node.group.classList.toggle('running', look.running);
    node.group.setAttribute('data-status', look.status);
    node.group.setAttribute('aria-label', `${id}: ${look.fullDetail}`);
    if (node.glyph.textContent !== look.glyph) node.glyph.textContent = look.glyph;
    const detail = fitParts(look.detail, DETAIL_SEPARATOR, detailRoom(drawing.text.geometry, node.box.width), drawing.text.measureDetail);
    if (node.detail.textContent !== detail) node.detail.textContent = detail;
    node.detail.style.fill = look.detailColor;
    if (look.running && !node.pulse) {
      node.pulse = el('rect', { x: node.box.x - 4, y: node.box.y - 4, width: node.box.width + 8, height: node.box.height + 8, rx: 9, class: node.culled ? 'pulse culled' : 'pulse' }, drawing.motion);
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
      edge.dashes = el('path', { class: edge.culled ? 'dashes culled' : 'dashes', 'data-from': edge.from, 'data-to': edge.to }, drawing.motion);
      drawDashes(edge.dashes, edge, drawing.visible);
    } else if (flow !== 'flowing' && edge.dashes) {
      edge.dashes.remove();
      edge.dashes = undefined;
    }
  }
}

/**
 * Dims the nodes (and the edges touching them) that a search or status filter did not pick, and
 * marks the picked ones; `picked` undefined: nothing is dimmed. Touches only what changed.
 */
export function applyPicked(drawing: Drawing, picked: ReadonlySet<string> | undefined): void {
  const before = drawing.picked;
  if (before === picked) return;
  drawing.picked = picked;
  const dimmed = (id: string) => picked !== undefined && !picked.has(id);
  for (const [id, node] of drawing.nodes) {
    const dim = dimmed(id);
    if (node.group.classList.contains('dimmed') !== dim) node.group.classList.toggle('dimmed', dim);
    const match = picked !== undefined && picked.has(id);
    if (node.group.classList.contains('match') !== match) node.group.classList.toggle('match', match);
  }
  for (const edge of drawing.edges) {
    const dim = dimmed(edge.from) || dimmed(edge.to);
    if (edge.path.classList.contains('dimmed') !== dim) edge.path.classList.toggle('dimmed', dim);
    edge.label?.classList.toggle('dimmed', dim);
  }
}
