/**
 * The plan before a run as badges: what each node of the drawn graph will do in a run started now
 * ("will reuse", "will run: code changed", ...), from the extension's plan of the saved code and
 * the steps edited since (marked, with everything downstream of them, as running). Pure.
 */
import type { DagEdge } from '../../runtime/src/model/dag';
import type { PlanReason } from '../../runtime/src/model/plan';
import type { PlannedStep, PlanView } from '../../contracts/src/webviewMessages';

/** How a badge looks: reused, runs, runs because of an edit not planned yet, or reused only if upstream outputs come out unchanged. */
export type BadgeTone = 'reuse' | 'run' | 'edited' | 'maybe';

export interface PlanBadge {
  text: string;
  tone: BadgeTone;
  /** The whole reason, for the tooltip. */
  title: string;
}

/** The words of each reason on a badge (after "will run: "). */
const REASON_WORDS: Record<PlanReason, string> = {
  'no entry yet': 'not cached yet',
  'cache off': 'cache off',
  'upstream will run': 'upstream runs',
  'code changed': 'code changed',
  'parameter changed': 'parameter changed',
  'input changed': 'input changed',
  'materializer changed': 'materializer changed',
  'custom cache key changed': 'cache key changed',
  'custom cache key failed': 'cache key fails',
  'working folder changed': 'folder changed',
  'cache expired': 'cache expired',
  'outputs missing': 'outputs missing',
  'runtime changed': 'runtime changed',
};

/** The badge of one prediction. */
export function badgeOf(step: PlannedStep): PlanBadge {
  if (step.action === 'reuse') return { text: 'will reuse', tone: 'reuse', title: `${step.id}: a run now reuses its cache entry` };
  const words = step.reason === undefined ? 'no reason given' : (REASON_WORDS[step.reason] ?? step.reason);
  const detail = step.detail ? ` (${step.detail})` : '';
  if (step.unlessUnchanged) {
    const upstream = Object.keys(step.unlessUnchanged).join(', ');
    return { text: 'may reuse', tone: 'maybe', title: `${step.id}: runs because ${upstream} will run; reused if their outputs come out unchanged` };
  }
  return { text: `will run: ${words}`, tone: 'run', title: `${step.id}: will run: ${step.reason ?? words}${detail}` };
}

/** A graph as the marking reads it. */
export interface MarkedGraph {
  nodes: readonly { id: string; step: string }[];
  edges: readonly Pick<DagEdge, 'from' | 'to'>[];
}

/** `starts` and every invocation downstream of them (data and order edges alike). */
export function downstreamOf(edges: MarkedGraph['edges'], starts: Iterable<string>): Set<string> {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const reached = new Set<string>(starts);
  const stack = [...reached];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    for (const to of next.get(id) ?? []) {
      if (reached.has(to)) continue;
      reached.add(to);
      stack.push(to);
    }
  }
  return reached;
}

/**
 * The badge of each node of `graph` under `plan` (none for a plan that failed, is off or not made
 * yet: never stale badges). A node whose step was edited since the plan's code runs ("code
 * changed", in the tone of edits; the tooltip and the line say whether it is saved), and so does
 * everything downstream of it ("upstream changed"); a node the plan does not have (added since)
 * runs too, and its downstream with it.
 */
export function planBadges(graph: MarkedGraph, plan: PlanView | undefined): Map<string, PlanBadge> {
  const badges = new Map<string, PlanBadge>();
  if (plan?.state !== 'planned') return badges;
  const predicted = new Map(plan.steps.map((step) => [step.id, step]));
  const edited = new Map(plan.edited.map((step) => [step.step, step.unsaved]));
  const why = (unsaved: boolean) => (unsaved ? 'unsaved' : 'saved, not planned yet');
  const changed = new Map<string, PlanBadge>();
  for (const node of graph.nodes) {
    const unsaved = edited.get(node.step);
    if (unsaved !== undefined) changed.set(node.id, { text: 'will run: code changed', tone: 'edited', title: `${node.id}: will run: the code of ${node.step} changed since the plan (${why(unsaved)})` });
    else if (!predicted.has(node.id)) changed.set(node.id, { text: 'will run: new step', tone: 'edited', title: `${node.id}: will run: not in the plan of the saved code (added since)` });
  }
  const anyUnsaved = plan.edited.some((step) => step.unsaved);
  const downstream = downstreamOf(graph.edges, changed.keys());
  for (const node of graph.nodes) {
    const own = changed.get(node.id);
    if (own) badges.set(node.id, own);
    else if (downstream.has(node.id)) badges.set(node.id, { text: 'will run: upstream changed', tone: 'edited', title: `${node.id}: will run: code upstream of it changed since the plan (${why(anyUnsaved)})` });
    else {
      const step = predicted.get(node.id);
      if (step) badges.set(node.id, badgeOf(step));
    }
  }
  return badges;
}

/** The line above the graph: the counts, or why there is no plan. Undefined: nothing to say. */
export function planLine(plan: PlanView | undefined, badges: ReadonlyMap<string, PlanBadge>): string | undefined {
  if (plan === undefined) return undefined;
  if (plan.state === 'off') return `Plan: off (${plan.reason})`;
  if (plan.state === 'planning') return 'Plan: planning…';
  if (plan.state === 'failed') return `Plan failed: ${plan.error}${plan.planning ? ' (planning again…)' : ''}`;
  const reuse = [...badges.values()].filter((badge) => badge.tone === 'reuse').length;
  const notes = [
    ...plan.edited.filter((step) => step.unsaved).map((step) => `${step.step} edited, not saved`),
    ...plan.edited.filter((step) => !step.unsaved).map((step) => `${step.step} edited`),
    ...(plan.planning ? ['planning the saved code…'] : []),
  ];
  return `Plan of a run now: ${reuse} to reuse, ${badges.size - reuse} to run${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}
