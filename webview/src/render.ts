/**
 * SVG drawing of a laid-out graph. `drawGraph` builds the DOM once per layout; `applyRunState`
 * only touches the attributes of existing nodes, so a status event repaints without re-layout.
 */
import type { GraphLayout } from './layout';
import { nodeDetail } from './nodeLabels';
import type { GraphDiagnostic, HeartbeatThresholds, NodeRunState, PipelineGraph } from './protocol';
import { heartbeatColor, statusStyle } from './statusStyle';

const SVG = 'http://www.w3.org/2000/svg';

export interface NodeElements {
  group: SVGGElement;
  rect: SVGRectElement;
  title: SVGTextElement;
  detail: SVGTextElement;
  tooltip: SVGTitleElement;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number> = {}, parent?: Element): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
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

/** Replaces the content of `layer` with the graph; returns the node elements by id. */
export function drawGraph(layer: SVGGElement, graph: PipelineGraph, layout: GraphLayout): Map<string, NodeElements> {
  layer.replaceChildren();
  const edgeLayer = el('g', { class: 'edges' }, layer);
  const nodeLayer = el('g', { class: 'nodes' }, layer);
  const edgeProblems = new Set(graph.diagnostics.filter((d) => d.edge).map((d) => `${d.edge?.from}->${d.edge?.to}`));
  for (const edge of layout.edges) {
    if (edge.points.length < 2) continue;
    const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
    const path = el('path', { d, class: `edge edge-${edge.kind}${edgeProblems.has(edge.id) ? ' edge-problem' : ''}`, 'marker-end': 'url(#arrow)', 'data-from': edge.from, 'data-to': edge.to }, edgeLayer);
    el('title', {}, path).textContent = `${edge.from} → ${edge.to}`;
  }
  const problems = diagnosticsByNode(graph.diagnostics);
  const elements = new Map<string, NodeElements>();
  for (const node of graph.nodes) {
    const placed = layout.nodes.get(node.id);
    if (!placed) continue;
    const nodeDiagnostics = problems.get(node.id) ?? [];
    const group = el('g', { class: `node${nodeDiagnostics.length > 0 ? ' node-problem' : ''}`, transform: `translate(${placed.x},${placed.y})`, 'data-id': node.id, role: 'button', 'aria-label': node.id }, nodeLayer);
    const tooltip = el('title', {}, group);
    tooltip.textContent = [node.id === node.step ? node.id : `${node.id} (${node.step})`, ...nodeDiagnostics.map((d) => `${d.severity}: ${d.message}`)].join('\n');
    const rect = el('rect', { width: placed.width, height: placed.height, rx: 6, class: 'node-box' }, group);
    const title = el('text', { x: 12, y: 23, class: 'node-title' }, group);
    const detail = el('text', { x: 12, y: 43, class: 'node-detail' }, group);
    if (nodeDiagnostics.length > 0) {
      el('circle', { cx: placed.width - 10, cy: 10, r: 6, class: 'node-badge' }, group);
    }
    elements.set(node.id, { group, rect, title, detail, tooltip });
  }
  return elements;
}

/** Paints statuses, attempts, durations and heartbeat ages onto already drawn nodes. */
export function applyRunState(elements: Map<string, NodeElements>, states: Record<string, NodeRunState>, thresholds: HeartbeatThresholds, now: number): void {
  for (const [id, nodeElements] of elements) {
    const state = states[id];
    const style = statusStyle(state?.status);
    nodeElements.rect.style.stroke = style.stroke;
    nodeElements.group.classList.toggle('running', style.animated);
    nodeElements.group.setAttribute('data-status', state?.status ?? 'idle');
    nodeElements.title.textContent = `${style.glyph} ${id}`;
    const detail = nodeDetail(state, thresholds, now);
    nodeElements.detail.textContent = detail.text || style.label;
    nodeElements.detail.style.fill = detail.heartbeat ? heartbeatColor(detail.heartbeat) : '';
  }
}
