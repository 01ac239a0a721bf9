import type { RunStatus, StepStatus } from '../model/status';
import type { RunStore } from '../store/runStore';

export interface StepSummary {
  id: string;
  step: string;
  status: StepStatus;
  attempts: number;
  cached: boolean;
  durationMs: number | null;
  error?: string;
}

/** The shape printed by `--json` for `run` and `runs show`, and returned by `pipeline.run()`. */
export interface RunSummary {
  runId: string;
  runName: string;
  pipeline: string;
  status: RunStatus;
  steps: StepSummary[];
  error?: string;
  parentRunId?: string;
  createdAt: string;
  durationMs: number | null;
}

export function summarizeRun(store: RunStore, runId: string): RunSummary {
  const run = store.getRun(runId);
  if (!run) throw new Error(`no run with id ${runId}`);
  const steps = store.getSteps(runId).map((row): StepSummary => {
    const summary: StepSummary = {
      id: row.id,
      step: row.step_name,
      status: row.status,
      attempts: row.attempts,
      cached: row.cached === 1,
      durationMs: row.started_at !== null && row.ended_at !== null ? row.ended_at - row.started_at : null,
    };
    if (row.error) summary.error = row.error;
    return summary;
  });
  const summary: RunSummary = {
    runId: run.id,
    runName: run.name,
    pipeline: run.pipeline,
    status: run.status,
    steps,
    createdAt: new Date(run.created_at).toISOString(),
    durationMs: run.started_at !== null && run.ended_at !== null ? run.ended_at - run.started_at : null,
  };
  if (run.error) summary.error = run.error;
  if (run.parent_run_id) summary.parentRunId = run.parent_run_id;
  return summary;
}
