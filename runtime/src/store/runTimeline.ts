import { errorLines } from '../model/attemptError';
import type { HeartbeatGap } from '../model/heartbeatGap';
import type { RunTimeline, TimelineAttempt } from '../model/runTimeline';
import type { RunStore } from './runStore';

/** A run's timeline from the store: its steps, their attempts and their recorded heartbeat gaps, one query each. */
export async function runTimeline(store: RunStore, runId: string, now = Date.now()): Promise<RunTimeline> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`no run with id ${runId}`);
  const [steps, attempts, gaps] = await Promise.all([store.getSteps(runId), store.getAttempts(runId), store.getHeartbeatGaps(runId)]);
  const key = (invocationId: string, attempt: number) => `${invocationId}\u0000${attempt}`;
  const gapsOf = new Map<string, HeartbeatGap[]>();
  for (const gap of gaps) {
    const list = gapsOf.get(key(gap.invocationId, gap.attempt));
    if (list) list.push({ from: gap.from, to: gap.to });
    else gapsOf.set(key(gap.invocationId, gap.attempt), [{ from: gap.from, to: gap.to }]);
  }
  const attemptsOf = new Map<string, TimelineAttempt[]>();
  for (const a of attempts) {
    const attempt: TimelineAttempt = { attempt: a.attempt, status: a.status, startedAt: a.startedAt, endedAt: a.endedAt, heartbeatAt: a.heartbeatAt, gaps: gapsOf.get(key(a.invocationId, a.attempt)) ?? [] };
    if (a.error) attempt.error = errorLines(a.error)[0] ?? a.error.message;
    const list = attemptsOf.get(a.invocationId);
    if (list) list.push(attempt);
    else attemptsOf.set(a.invocationId, [attempt]);
  }
  const upstream = new Map<string, Set<string>>();
  for (const edge of run.dag.edges) {
    const list = upstream.get(edge.to);
    if (list) list.add(edge.from);
    else upstream.set(edge.to, new Set([edge.from]));
  }
  return {
    runId: run.id,
    runName: run.name,
    pipeline: run.pipeline,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    now,
    invocations: steps.map((step) => ({
      id: step.invocationId,
      step: step.stepName,
      status: step.status,
      cached: step.cached,
      startedAt: step.startedAt,
      endedAt: step.endedAt,
      upstream: [...(upstream.get(step.invocationId) ?? [])],
      attempts: (attemptsOf.get(step.invocationId) ?? []).sort((x, y) => x.attempt - y.attempt),
    })),
  };
}
