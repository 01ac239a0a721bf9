/**
 * Drift: what the static graph (the code now) has that a run's stored DAG did not, and which
 * steps' code changed since (by code hash, from the plan of the saved code), so the DAG panel can
 * say that the graph on screen is not the graph that ran. Pure (no vscode).
 */
import type { DagEdge, DagNode } from '../../runtime/src/model/dag';
import type { DagDrift } from './webviewMessages';

/** An edge as compared: its kind, ends, and for data edges the output and input it joins. */
function edgeKey(edge: DagEdge): string {
  return edge.kind === 'data' ? `data ${edge.from}.${edge.fromOutput ?? ''} -> ${edge.to}.${edge.toInput ?? ''}` : `order ${edge.from} -> ${edge.to}`;
}

function incoming(edges: DagEdge[]): Map<string, Set<string>> {
  const byTarget = new Map<string, Set<string>>();
  for (const edge of edges) {
    const keys = byTarget.get(edge.to) ?? new Set<string>();
    keys.add(edgeKey(edge));
    byTarget.set(edge.to, keys);
  }
  return byTarget;
}

function sameSet(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  const left = a ?? new Set<string>();
  const right = b ?? new Set<string>();
  return left.size === right.size && [...left].every((key) => right.has(key));
}

/** What drift compares of a graph: its invocations (id, step name and, for a run's DAG, code hash) and its edges. */
export interface ComparedGraph {
  nodes: readonly (Pick<DagNode, 'id' | 'step'> & Partial<Pick<DagNode, 'codeHash'>>)[];
  edges: DagEdge[];
}

/**
 * The drift of `graph` (the static graph: the code now) from `ran` (a run's stored DAG),
 * invocations in the graph's order. `codeNow`: each invocation's code hash in the saved code (from
 * its plan), when known; an invocation in both whose hash differs from the run's has new code.
 */
export function dagDrift(graph: ComparedGraph, ran: ComparedGraph, runName: string, codeNow?: ReadonlyMap<string, string>): DagDrift {
  const ranNodes = new Map(ran.nodes.map((node) => [node.id, node]));
  const nowIds = new Set(graph.nodes.map((node) => node.id));
  const ranIncoming = incoming(ran.edges);
  const nowIncoming = incoming(graph.edges);
  const added: string[] = [];
  const rewired: string[] = [];
  for (const node of graph.nodes) {
    const before = ranNodes.get(node.id);
    if (!before) added.push(node.id);
    else if (before.step !== node.step || !sameSet(ranIncoming.get(node.id), nowIncoming.get(node.id))) rewired.push(node.id);
  }
  const removed = ran.nodes.filter((node) => !nowIds.has(node.id)).map((node) => node.id);
  if (!codeNow) return { runName, added, removed, rewired };
  const codeChanged = graph.nodes.filter((node) => {
    const ranHash = ranNodes.get(node.id)?.codeHash;
    const nowHash = codeNow.get(node.id);
    return ranHash !== undefined && nowHash !== undefined && ranHash !== nowHash;
  });
  return { runName, added, removed, rewired, codeChanged: codeChanged.map((node) => node.id) };
}

/** Whether anything drifted. */
export function hasDrift(drift: DagDrift): boolean {
  return drift.added.length + drift.removed.length + drift.rewired.length + (drift.codeChanged?.length ?? 0) > 0;
}

/** The banner line: `Changed since run train-3: 1 added (report), 1 removed (plot), 2 rewired (fit, score), 1 code changed (clean)`. */
export function driftLine(drift: DagDrift, shown = 3): string | undefined {
  if (!hasDrift(drift)) return undefined;
  const part = (count: string[], word: string) => (count.length === 0 ? [] : [`${count.length} ${word} (${count.slice(0, shown).join(', ')}${count.length > shown ? ', …' : ''})`]);
  return `Changed since run ${drift.runName}: ${[...part(drift.added, 'added'), ...part(drift.removed, 'removed'), ...part(drift.rewired, 'rewired'), ...part(drift.codeChanged ?? [], 'code changed')].join(', ')}`;
}
