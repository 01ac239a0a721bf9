import type { RunStore } from './runStore';
import type { OutputSummary, RunContents, RunSummary } from '../model/runSummary';

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
