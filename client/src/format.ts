/** How statuses read in trees and the status bar: codicon ids, theme colours, descriptions. Pure. */
import { isSuccessfulStepStatus, type RunStatus, type StepStatus } from '../../runtime/src/model/status';
import { attemptHeartbeatLevel, formatDuration, heartbeatAge, heartbeatLabel, type HeartbeatThresholds } from '../../contracts/src/heartbeat';
import type { RunView, StepView } from './runState';

export interface IconSpec {
  /** Codicon id (`$(id)` in labels, `new ThemeIcon(id, ...)` in trees). */
  id: string;
  /** Theme colour id, when the status has one. */
  color?: string;
}

const ICONS: Record<StepStatus, IconSpec> = {
  pending: { id: 'circle-outline' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  completed: { id: 'pass', color: 'testing.iconPassed' },
  cached: { id: 'history', color: 'charts.purple' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  skipped: { id: 'debug-step-over', color: 'disabledForeground' },
  cancelled: { id: 'circle-slash', color: 'charts.orange' },
  crashed: { id: 'flame', color: 'errorForeground' },
};

export function statusIcon(status: StepStatus | RunStatus): IconSpec {
  return ICONS[status];
}

/** The editor's heartbeat settings: used only for attempts the orchestrator sent without their own. */
export type HeartbeatSettingsMs = HeartbeatThresholds;

/** `3/5 steps · 12.3 s` (or the elapsed time while running). */
export function describeRun(run: RunView, now: number): string {
  const steps = Object.values(run.steps);
  // Steps done are those that succeeded (completed or cached), as `pipewright runs list` counts them.
  const done = steps.filter((step) => isSuccessfulStepStatus(step.status)).length;
  const parts: string[] = [run.status];
  if (steps.length > 0) parts.push(`${done}/${steps.length} steps`);
  if (run.durationMs !== undefined) parts.push(formatDuration(run.durationMs));
  else if (run.status === 'running' && run.startedAt !== undefined) parts.push(formatDuration(Math.max(0, now - run.startedAt)));
  return parts.join(' · ');
}

/** `failed · attempt 3 · 1.2 s`, `running · ♥ 12 s late`, `cached`. */
export function describeStep(step: StepView, now: number, heartbeat: HeartbeatSettingsMs): string {
  const parts: string[] = [step.status];
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  if (step.relinquished?.length) parts.push(`${step.relinquished.length} relinquished`);
  if (step.durationMs !== undefined) parts.push(formatDuration(step.durationMs));
  if (step.status === 'running') {
    const age = heartbeatAge(now, step.heartbeatAt, step.startedAt);
    if (age !== undefined) {
      parts.push(heartbeatLabel(age, attemptHeartbeatLevel(age, step.heartbeatSettings, heartbeat)));
    }
  }
  return parts.join(' · ');
}
