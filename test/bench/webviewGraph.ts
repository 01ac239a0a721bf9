/**
 * A generated pipeline DAG shaped like real ones, for the DAG webview benchmark: stages of chains,
 * fan-out to parallel branches and fan-in to a gather step, joins across stages, a few `after`
 * (order) edges, and composed pipelines' namespaced ids. Deterministic for a given seed.
 */
import type { PipelineGraph } from '../../contracts/src/graph';
import { seededRandom } from '../../webview/src/seededRandom';

const STEPS = ['load_rows', 'clean', 'dedupe', 'split', 'featurize', 'normalize', 'encode', 'fit', 'evaluate', 'score', 'validate', 'export_model', 'join', 'aggregate', 'sample', 'tokenize', 'embed', 'report'];

export function generateDag(nodeCount: number, seed = 1): PipelineGraph {
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const int = (min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));
  const nodes: PipelineGraph['nodes'] = [];
  const edges: PipelineGraph['edges'] = [];
  const used = new Set<string>();

  /** Adds a node with the runtime's id rule (`name`, `name_2`, ...) under a namespace. */
  const add = (namespace: string[], inputs: string[]): string => {
    const step = pick(STEPS);
    const prefix = namespace.length > 0 ? `${namespace.join('/')}/` : '';
    let id = `${prefix}${step}`;
    for (let n = 2; used.has(id); n++) id = `${prefix}${step}_${n}`;
    used.add(id);
    nodes.push({ id, step, namespace });
    inputs.forEach((from, index) => edges.push({ from, fromOutput: 'output', to: id, toInput: `input${index}`, kind: 'data' }));
    return id;
  };

  let stage = 0;
  let previousTail = add([], []);
  const earlier: string[] = [previousTail];
  while (nodes.length < nodeCount) {
    const namespace = rand() < 0.5 ? [`stage_${++stage}`] : [];
    const room = nodeCount - nodes.length;
    const pattern = rand();
    if (pattern < 0.35 || room < 6) {
      // A chain of steps, each consuming the previous one.
      let tail = previousTail;
      for (let i = Math.min(room, int(3, 10)); i > 0; i--) tail = add(namespace, [tail]);
      previousTail = tail;
    } else if (pattern < 0.8) {
      // Fan-out into parallel branches, then fan-in to one gather step.
      const source = add(namespace, [previousTail]);
      const width = Math.min(int(4, 24), Math.floor((room - 2) / 2));
      const branchTails: string[] = [];
      for (let b = 0; b < width && nodes.length < nodeCount - 1; b++) {
        let tail = source;
        for (let depth = int(1, 3); depth > 0 && nodes.length < nodeCount - 1; depth--) tail = add(namespace, [tail]);
        branchTails.push(tail);
      }
      previousTail = add(namespace, branchTails);
    } else {
      // A join of the current tail with outputs of earlier stages (cross-stage dependencies).
      const others = Array.from({ length: int(1, 3) }, () => pick(earlier.slice(-40)));
      previousTail = add(namespace, [previousTail, ...new Set(others.filter((id) => id !== previousTail))]);
    }
    earlier.push(previousTail);
    // A few ordering constraints (`after`) between a recent step and the new tail.
    if (rand() < 0.3 && earlier.length > 3) {
      const from = pick(earlier.slice(-6, -2));
      edges.push({ from, to: previousTail, kind: 'order' });
    }
  }
  return { uri: 'file:///bench/pipeline.ts', pipeline: `generated_${nodeCount}`, nodes, edges, diagnostics: [] };
}

/**
 * The first `count` status events of a run of `graph` with at most `concurrency` steps running:
 * a step starts once its inputs completed; the longest-running step completes first.
 */
export function runEvents(graph: PipelineGraph, count: number, concurrency = 8): [string, 'running' | 'completed'][] {
  const inputs = new Map<string, Set<string>>(graph.nodes.map((node) => [node.id, new Set<string>()]));
  for (const edge of graph.edges) inputs.get(edge.to)?.add(edge.from);
  const done = new Set<string>();
  const running: string[] = [];
  const started = new Set<string>();
  const events: [string, 'running' | 'completed'][] = [];
  while (events.length < count && done.size < graph.nodes.length) {
    const ready = running.length < concurrency ? graph.nodes.find((node) => !started.has(node.id) && [...(inputs.get(node.id) ?? [])].every((id) => done.has(id))) : undefined;
    if (ready) {
      started.add(ready.id);
      running.push(ready.id);
      events.push([ready.id, 'running']);
    } else {
      const finished = running.shift() as string;
      done.add(finished);
      events.push([finished, 'completed']);
    }
  }
  return events;
}
