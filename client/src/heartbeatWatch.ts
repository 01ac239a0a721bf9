/** Which running steps have a late or lost heartbeat, across every run. Pure. */
import { attemptHeartbeatLevel, heartbeatAge, type HeartbeatLevel } from '../../contracts/src/heartbeat';
import type { HeartbeatSettingsMs } from './format';
import type { RunsState } from './runState';

export interface LateStep {
  runId: string;
  invocationId: string;
  ageMs: number;
  level: Exclude<HeartbeatLevel, 'ok'>;
}

/** `heartbeat`: the editor's settings, for attempts the orchestrator sent without their own. */
export function lateSteps(state: RunsState, now: number, heartbeat: HeartbeatSettingsMs): LateStep[] {
  const late: LateStep[] = [];
  for (const runId of state.order) {
    const run = state.runs[runId];
    if (run?.status !== 'running') continue;
    for (const step of Object.values(run.steps)) {
      if (step.status !== 'running') continue;
      const age = heartbeatAge(now, step.heartbeatAt, step.startedAt);
      if (age === undefined) continue;
      const level = attemptHeartbeatLevel(age, step.heartbeatSettings, heartbeat);
      if (level !== 'ok') late.push({ runId, invocationId: step.id, ageMs: age, level });
    }
  }
  return late;
}
