/**
 * The groups of a pipeline graph that the DAG can collapse into one node: each composed
 * pipeline (the steps under one namespace prefix, nested ones inside), and each fan-out (three or
 * more parallel branches from one step: chains of steps with one input and one output each, that
 * join the same step, or end). Pure.
 */
import type { PipelineGraph } from '../../contracts/src/graph';

/** Branches from one step into one join (or into nothing) from which they count as a fan-out. */
export const MIN_FANOUT_BRANCHES = 3;

export interface NodeGroup {
  /** Stable across edits that keep the group (the collapsed set is kept by it). */
  key: string;
  kind: 'pipeline' | 'fanout';
  /** The collapsed node's id: `prep/*` for a composed pipeline, `prep/fit×12` for a fan-out of one step (else `prep/split⇉×12`, after its source). */
  id: string;
  /** Member invocation ids, in graph order. */
  members: string[];
  /** The namespace the group sits in (a pipeline group: its parent's). */
  namespace: string[];
  /** Pipeline groups: how deep (1 for a top-level composed pipeline). */
  depth: number;
}

type Graph = Pick<PipelineGraph, 'nodes' | 'edges'>;

/** Every group of `graph`: pipelines outermost first, then fan-outs. */
export function findGroups(graph: Graph): NodeGroup[] {
  const taken = new Set(graph.nodes.map((node) => node.id));
  const unique = (id: string) => {
    let candidate = id;
    while (taken.has(candidate)) candidate += "'";
    taken.add(candidate);
    return candidate;
  };
  const pipelines = new Map<string, NodeGroup>();
  for (const node of graph.nodes) {
    for (let depth = 1; depth <= node.namespace.length; depth++) {
      const path = node.namespace.slice(0, depth);
      const key = `pipeline:${path.join('/')}`;
      let group = pipelines.get(key);
      if (!group) {
        group = { key, kind: 'pipeline', id: '', members: [], namespace: path.slice(0, -1), depth };
        pipelines.set(key, group);
      }
      if (!group.members.includes(node.id)) group.members.push(node.id);
    }
  }
  const groups: NodeGroup[] = [];
  for (const group of [...pipelines.values()].sort((a, b) => a.depth - b.depth)) {
    if (group.members.length < 2) continue;
    group.id = unique(`${group.key.slice('pipeline:'.length)}/*`);
    groups.push(group);
  }
  for (const fan of fanOuts(graph)) groups.push({ ...fan, id: unique(fan.id) });
  return groups;
}

function fanOuts(graph: Graph): NodeGroup[] {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const preds = new Map<string, Set<string>>();
  const succs = new Map<string, Set<string>>();
  for (const node of graph.nodes) {
    preds.set(node.id, new Set());
    succs.set(node.id, new Set());
  }
  for (const edge of graph.edges) {
    if (!byId.has(edge.from) || !byId.has(edge.to) || edge.from === edge.to) continue;
    succs.get(edge.from)?.add(edge.to);
    preds.get(edge.to)?.add(edge.from);
  }
  const single = (set: Set<string> | undefined) => (set?.size === 1 ? [...set][0] : undefined);
  const namespaceOf = (id: string) => byId.get(id)?.namespace.join('/') ?? '';
  const groups: NodeGroup[] = [];
  for (const source of graph.nodes) {
    const heads = succs.get(source.id) ?? new Set<string>();
    if (heads.size < MIN_FANOUT_BRANCHES) continue;
    // Each branch: a chain of one-input steps from a successor of `source`, ending at its join.
    const byJoin = new Map<string, string[][]>();
    for (const head of heads) {
      if (single(preds.get(head)) !== source.id) continue;
      const chain = [head];
      let tail = head;
      let join: string | undefined;
      for (;;) {
        const next = succs.get(tail) ?? new Set<string>();
        if (next.size === 0) break;
        const only = single(next);
        if (only === undefined) {
          join = undefined;
          chain.length = 0;
          break;
        }
        if (single(preds.get(only)) === tail && namespaceOf(only) === namespaceOf(head) && !chain.includes(only)) {
          chain.push(only);
          tail = only;
          continue;
        }
        join = only;
        break;
      }
      if (chain.length === 0 || chain.some((id) => namespaceOf(id) !== namespaceOf(head))) continue;
      const key = `${namespaceOf(head)}\u0001${join ?? ''}`;
      byJoin.set(key, [...(byJoin.get(key) ?? []), chain]);
    }
    for (const [key, chains] of byJoin) {
      if (chains.length < MIN_FANOUT_BRANCHES) continue;
      const members = chains.flat();
      const namespace = byId.get(members[0])?.namespace ?? [];
      const headSteps = new Set(chains.map((chain) => byId.get(chain[0])?.step));
      const prefix = namespace.length > 0 ? `${namespace.join('/')}/` : '';
      const name = headSteps.size === 1 ? String([...headSteps][0]) : `${source.id.slice(source.id.lastIndexOf('/') + 1)}⇉`;
      groups.push({ key: `fanout:${source.id}\u0001${key}`, kind: 'fanout', id: `${prefix}${name}×${chains.length}`, members, namespace: [...namespace], depth: namespace.length + 1 });
    }
  }
  return groups;
}
