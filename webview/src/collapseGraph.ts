/**
 * The graph as drawn with some groups collapsed: each collapsed group (the outermost, when they
 * nest) is one node, and every edge into or out of its members is rewired to it (edges inside
 * it go; parallel edges become one when laid out). Pure.
 */
import type { GraphNode, PipelineGraph } from '../../contracts/src/graph';
import type { NodeGroup } from './nodeGroups';

export interface CollapsedGraph {
  graph: PipelineGraph;
  /** The drawn node of every invocation id (itself, or the collapsed group holding it). */
  shownOf: Map<string, string>;
  /** Members of each drawn group node, by its id. */
  groupMembers: Map<string, string[]>;
  /** The group of each drawn group node, by its id. */
  groupOf: Map<string, NodeGroup>;
}

export function collapseGraph(graph: PipelineGraph, groups: readonly NodeGroup[], collapsed: ReadonlySet<string>): CollapsedGraph {
  const shownOf = new Map<string, string>();
  const groupMembers = new Map<string, string[]>();
  const groupOf = new Map<string, NodeGroup>();
  // Outermost first: a node already taken by an enclosing collapsed group stays in it.
  for (const group of [...groups].sort((a, b) => a.depth - b.depth)) {
    if (!collapsed.has(group.key)) continue;
    const free = group.members.filter((id) => !shownOf.has(id));
    if (free.length < group.members.length) continue;
    for (const id of free) shownOf.set(id, group.id);
    groupMembers.set(group.id, free);
    groupOf.set(group.id, group);
  }
  if (groupMembers.size === 0) {
    for (const node of graph.nodes) shownOf.set(node.id, node.id);
    return { graph, shownOf, groupMembers, groupOf };
  }
  const nodes: GraphNode[] = [];
  const placed = new Set<string>();
  for (const node of graph.nodes) {
    const shown = shownOf.get(node.id) ?? node.id;
    shownOf.set(node.id, shown);
    if (placed.has(shown)) continue;
    placed.add(shown);
    const group = groupOf.get(shown);
    nodes.push(group ? { id: group.id, step: group.id, namespace: group.namespace } : node);
  }
  const edges: PipelineGraph['edges'] = [];
  for (const edge of graph.edges) {
    const from = shownOf.get(edge.from) ?? edge.from;
    const to = shownOf.get(edge.to) ?? edge.to;
    if (from === to) continue;
    // What a group's edge carries is the group's business: its output names stay on the member's edges.
    const rewired = from !== edge.from || to !== edge.to;
    edges.push(rewired ? { from, to, kind: edge.kind } : edge);
  }
  const diagnostics = graph.diagnostics.map((diagnostic) => (diagnostic.nodeId === undefined ? diagnostic : { ...diagnostic, nodeId: shownOf.get(diagnostic.nodeId) ?? diagnostic.nodeId }));
  return { graph: { ...graph, nodes, edges, diagnostics }, shownOf, groupMembers, groupOf };
}
