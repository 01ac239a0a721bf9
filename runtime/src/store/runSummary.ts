import { decodeError } from './errorColumns';
import type { RunStore } from './runStore';
import type { AttemptRow } from './rows';
import type { RunSummary, StepSummary } from '../model/runSummary';

export function summarizeRun(store: RunStore, runId: string, withHistory = false): RunSummary {
  const run = store.getRun(runId);
  if (!run) throw new Error(`no run with id ${runId}`);
  // Grouped once by step: filtering every attempt for each step made `runs show` quadratic in run size.
  const attemptsByStep = new Map<string, AttemptRow[]>();
  if (withHistory) {
    for (const attempt of store.getAttempts(runId)) {
      const list = attemptsByStep.get(attempt.step_id);
      if (list) list.push(attempt);
      else attemptsByStep.set(attempt.step_id, [attempt]);
    }
  }
  const now = Date.now();
  const steps = store.getSteps(runId).map((row): StepSummary => {
    const summary: StepSummary = {
      id: row.id,
      step: row.step_name,
      status: row.status,
      attempts: row.attempts,
      cached: row.cached === 1,
      durationMs: row.started_at !== null && row.ended_at !== null ? row.ended_at - row.started_at : null,
    };
    const error = decodeError(row);
    if (error) summary.error = error;
    if (withHistory) {
      summary.history = (attemptsByStep.get(row.id) ?? []).map((a) => ({
        attempt: a.attempt,
        status: a.status,
        error: decodeError(a) ?? null,
        durationMs: a.ended_at === null ? null : a.ended_at - a.started_at,
        ...(a.status === 'running' ? { heartbeatAgeMs: now - (a.heartbeat_at ?? a.started_at) } : {}),
      }));
    }
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
