/**
 * A run started from a past run ("run from here"): one invocation and everything downstream of
 * it execute, and every other invocation takes the past run's committed outputs. The rules of
 * which invocations re-run (shared with `runs retry --step`) and of what the past run must have.
 */
import type { DagNode, PipelineDag } from '../model/dag';
import { upstreamIds } from '../sdk/compile';
import type { RunRecord, StepRecord } from '../store/records';
import { RunRequestError } from './runRequestError';

/** `start` and every invocation that depends on it, directly or not (data or order edges). */
export function downstreamOf(dag: PipelineDag, start: string): Set<string> {
  const closure = new Set([start]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const node of dag.nodes) {
      if (!closure.has(node.id) && upstreamIds(node).some((up) => closure.has(up))) {
        closure.add(node.id);
        grew = true;
      }
    }
  }
  return closure;
}

/** Every invocation `ids` depend on, directly or not, leaving out `ids` themselves. */
function upstreamOf(dag: PipelineDag, ids: ReadonlySet<string>): Set<string> {
  const byId = new Map(dag.nodes.map((node) => [node.id, node]));
  const found = new Set<string>();
  const stack = [...ids].flatMap((id) => upstreamIds(byId.get(id) as DagNode));
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (ids.has(id) || found.has(id)) continue;
    found.add(id);
    stack.push(...upstreamIds(byId.get(id) as DagNode));
  }
  return found;
}

/** The invocation ids whose outputs a run may take over from `steps` (those that committed them). */
export function committedInvocations(steps: readonly StepRecord[]): Set<string> {
  return new Set(steps.filter((record) => record.status === 'completed' || record.status === 'cached').map((record) => record.invocationId));
}

export interface RunFromPlan {
  /** Invocations that execute: `from` and its downstream. */
  rerun: Set<string>;
  /** Invocations whose committed outputs are taken from the source run. */
  reused: string[];
}

/**
 * What a run of `dag` from invocation `from`, reusing run `source` (whose steps are
 * `sourceSteps`), executes and reuses. Refused with a message naming what is wrong: `from` is not
 * an invocation of the pipeline, `source` is a run of another pipeline or still running, or it
 * lacks the outputs of an invocation upstream of what re-runs (never committed, or made by
 * another step under the same id). Invocations neither upstream nor downstream of `from` are
 * reused when the source committed them and run otherwise.
 */
export function planRunFrom(dag: PipelineDag, from: string, source: RunRecord, sourceSteps: readonly StepRecord[]): RunFromPlan {
  if (source.pipeline !== dag.pipeline) throw new RunRequestError(`run ${source.name} is a run of pipeline "${source.pipeline}", not of "${dag.pipeline}": its outputs cannot be reused`);
  if (source.status === 'running') throw new RunRequestError(`run ${source.name} is still running: reuse its outputs once it ends`);
  if (!dag.nodes.some((node) => node.id === from)) throw new RunRequestError(`pipeline "${dag.pipeline}" has no step "${from}" to run from (steps: ${dag.nodes.map((node) => node.id).join(', ')})`);
  const rerun = downstreamOf(dag, from);
  const committed = committedInvocations(sourceSteps);
  const sourceStepOf = new Map(source.dag.nodes.map((node) => [node.id, node.step]));
  const usable = (node: DagNode) => committed.has(node.id) && sourceStepOf.get(node.id) === node.step;
  const needed = upstreamOf(dag, rerun);
  const missing = dag.nodes.filter((node) => needed.has(node.id) && !usable(node));
  if (missing.length > 0) {
    const why = missing.map((node) => {
      const record = sourceSteps.find((candidate) => candidate.invocationId === node.id);
      if (!record) return `${node.id} (not in that run)`;
      if (sourceStepOf.get(node.id) !== node.step) return `${node.id} (step ${sourceStepOf.get(node.id)} there, ${node.step} now)`;
      return `${node.id} (${record.status} there)`;
    });
    throw new RunRequestError(`run ${source.name} has no outputs of ${why.join(', ')}, upstream of "${from}": run from an earlier step, or reuse a run where they completed`);
  }
  const reused = dag.nodes.filter((node) => !rerun.has(node.id) && usable(node)).map((node) => node.id);
  return { rerun, reused };
}
