import type { RunStore, AttemptRecord } from './runStore';
import type { RunSummary, StepSummary } from '../model/runSummary';

export async function summarizeRun(store: RunStore, runId: string, withHistory = false): Promise<RunSummary> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`no run with id ${runId}`);
  // Grouped once by step: filtering every attempt for each step made `runs show` quadratic in run size.
  const attemptsByStep = new Map<string, AttemptRecord[]>();
  if (withHistory) {
    for (const attempt of await store.getAttempts(runId)) {
      const list = attemptsByStep.get(attempt.invocationId);
      if (list) list.push(attempt);
      else attemptsByStep.set(attempt.invocationId, [attempt]);
    }
  }
  const now = Date.now();
  const steps = (await store.getSteps(runId)).map((record): StepSummary => {
    const summary: StepSummary = {
      id: record.invocationId,
      step: record.stepName,
      status: record.status,
      attempts: record.attempts,
      cached: record.cached,
      durationMs: record.startedAt !== null && record.endedAt !== null ? record.endedAt - record.startedAt : null,
    };
    if (record.error) summary.error = record.error;
    if (withHistory) {
      summary.history = (attemptsByStep.get(record.invocationId) ?? []).map((a) => ({
        attempt: a.attempt,
        status: a.status,
        error: a.error ?? null,
        durationMs: a.endedAt === null ? null : a.endedAt - a.startedAt,
        ...(a.status === 'running' ? { heartbeatAgeMs: now - (a.heartbeatAt ?? a.startedAt) } : {}),
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
    createdAt: new Date(run.createdAt).toISOString(),
    durationMs: run.startedAt !== null && run.endedAt !== null ? run.endedAt - run.startedAt : null,
  };
  if (run.error) summary.error = run.error;
  if (run.parentRunId) summary.parentRunId = run.parentRunId;
  return summary;
}
