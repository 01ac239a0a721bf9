import type { RunStore } from './runStore';
import type { OutputSummary, RunContents, RunSummary } from '../model/runSummary';
import { summarizeRun } from './runSummary';

export async function runContents(store: RunStore, runId: string): Promise<RunContents> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`no run with id ${runId}`);
  const outputs: Record<string, OutputSummary[]> = {};
  for (const record of await store.getRunOutputs(runId)) {
    (outputs[record.invocationId] ??= []).push({ name: record.output, type: record.typeName, materializer: record.materializer, size: record.size, hash: record.hash });
  }
  return { parameters: run.parameters, outputs };
}

/** The `runs show` shape: a summary with the run's parameters and each step's outputs. */
export function withContents(summary: RunSummary, contents: Partial<RunContents>): RunSummary {
  return { ...summary, parameters: contents.parameters ?? {}, steps: summary.steps.map((step) => ({ ...step, outputs: contents.outputs?.[step.id] ?? [] })) };
}

/** A run's summary beside its parameters and committed outputs: what `runs diff` compares. */
export async function runWithContents(store: RunStore, runId: string): Promise<RunSummary & RunContents> {
  return { ...(await summarizeRun(store, runId)), ...(await runContents(store, runId)) };
}
