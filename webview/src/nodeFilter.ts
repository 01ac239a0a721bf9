/**
 * Which drawn nodes a search (by invocation id or step name) and a status filter pick, and how
 * many steps are in each status (the filter's choices). A collapsed group is picked when one of
 * its members is. Pure.
 */
import type { GraphNode } from '../../contracts/src/graph';
import type { NodeRunState } from '../../contracts/src/webviewMessages';
import type { StepStatus } from '../../runtime/src/model/status';

/** A status to filter by: a step status, or `idle` (not run in the run shown). */
export type StatusChoice = StepStatus | 'idle';

export interface NodeQuery {
  /** Part of an invocation id or step name, any case; '' matches everything. */
  text: string;
  /** undefined: any status. */
  status?: StatusChoice;
}

export function isActive(query: NodeQuery): boolean {
  return query.text.trim() !== '' || query.status !== undefined;
}

function statusOf(id: string, states: Record<string, NodeRunState>): StatusChoice {
  return states[id]?.status ?? 'idle';
}

/** Whether step `node` fits `query`. */
export function nodeMatches(node: Pick<GraphNode, 'id' | 'step'>, query: NodeQuery, states: Record<string, NodeRunState>): boolean {
  const text = query.text.trim().toLowerCase();
  if (text !== '' && !node.id.toLowerCase().includes(text) && !node.step.toLowerCase().includes(text)) return false;
  return query.status === undefined || statusOf(node.id, states) === query.status;
}

/**
 * The drawn nodes that fit `query`, in graph order, each once: a step's own node, or the
 * collapsed group that holds it (`shownOf`).
 */
export function matchingShown(nodes: readonly Pick<GraphNode, 'id' | 'step'>[], shownOf: ReadonlyMap<string, string>, query: NodeQuery, states: Record<string, NodeRunState>): string[] {
  const picked = new Set<string>();
  for (const node of nodes) if (nodeMatches(node, query, states)) picked.add(shownOf.get(node.id) ?? node.id);
  return [...picked];
}

/** How many steps are in each status (not run: `idle`). */
export function statusCounts(nodes: readonly Pick<GraphNode, 'id'>[], states: Record<string, NodeRunState>): Map<StatusChoice, number> {
  const counts = new Map<StatusChoice, number>();
  for (const node of nodes) {
    const status = statusOf(node.id, states);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return counts;
}
