import type { RunStore } from '../store/runStore';
import type { RunSummary } from './runSummary';

/** One committed output of a step: what `runs show` and `artifacts list` describe. */
export interface OutputSummary {
  /** The output's name (`output` for a step with one output). */
  name: string;
  /** The stored value's type, e.g. `Array`, `number`, `Map` or a class name. */
  type: string;
  /** The materializer that stored it (`json`, `text`, `bytes`, `structured` or a custom one). */
  materializer: string;
  /** Stored size in bytes. */
  size: number;
  /** The artifact's content hash (sha256, hex). */
  hash: string;
}

/** What a run was given and what it produced, beside its statuses. */
export interface RunContents {
  /** The run's parameters as stored (the safe structured encoding; plain JSON stays as is). */
  parameters: Record<string, unknown>;
  /** Committed outputs by invocation id, in step order (steps without outputs are absent). */
  outputs: Record<string, OutputSummary[]>;
}

export function runContents(store: RunStore, runId: string): RunContents {
  const run = store.getRun(runId);
  if (!run) throw new Error(`no run with id ${runId}`);
  const outputs: Record<string, OutputSummary[]> = {};
  for (const row of store.getRunOutputs(runId)) {
    (outputs[row.stepId] ??= []).push({ name: row.output, type: row.typeName, materializer: row.materializer, size: row.size, hash: row.hash });
  }
  return { parameters: JSON.parse(run.parameters_json) as Record<string, unknown>, outputs };
}

/** The `runs show` shape: a summary with the run's parameters and each step's outputs. */
export function withContents(summary: RunSummary, contents: Partial<RunContents>): RunSummary {
  return { ...summary, parameters: contents.parameters ?? {}, steps: summary.steps.map((step) => ({ ...step, outputs: contents.outputs?.[step.id] ?? [] })) };
}
