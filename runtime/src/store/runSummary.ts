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
  const records = await store.getSteps(runId);
  const queued = records.some((record) => record.status === 'running') ? await queuedAttempts(store, runId) : new Map<string, { attempt: number; detail: string }>();
  const steps = records.map((record): StepSummary => {
    const summary: StepSummary = {
      id: record.invocationId,
      step: record.stepName,
      status: record.status,
      attempts: record.attempts,
      cached: record.cached,
      durationMs: record.startedAt !== null && record.endedAt !== null ? record.endedAt - record.startedAt : null,
    };
    if (record.error) summary.error = record.error;
    const waiting = queued.get(record.invocationId);
    if (record.status === 'running' && waiting && waiting.attempt === record.attempts) summary.queuedFor = waiting.detail;
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

/** The attempts whose newest placement is `queued` (not claimed by a worker since), by invocation: the newest one and what it waits for. */
async function queuedAttempts(store: RunStore, runId: string): Promise<Map<string, { attempt: number; detail: string }>> {
  const placed = new Map<string, { attempt: number; detail: string | null }>();
  for (const transition of await store.getTransitions(runId)) {
    if (transition.invocationId === null || transition.attempt === null) continue;
    if (transition.status === 'queued') placed.set(transition.invocationId, { attempt: transition.attempt, detail: transition.detail ?? '' });
    else if (transition.status === 'claimed' && placed.get(transition.invocationId)?.attempt === transition.attempt) placed.set(transition.invocationId, { attempt: transition.attempt, detail: null });
  }
  const queued = new Map<string, { attempt: number; detail: string }>();
  for (const [id, entry] of placed) if (entry.detail !== null) queued.set(id, { attempt: entry.attempt, detail: entry.detail });
  return queued;
}
