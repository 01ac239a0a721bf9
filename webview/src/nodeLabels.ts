/** The text under a node's name (attempt, duration, heartbeat age). Pure, so it is testable. */
import { formatDuration, heartbeatAge, heartbeatLevel, type HeartbeatLevel } from './heartbeat';
import type { HeartbeatThresholds, NodeRunState } from './protocol';

export interface NodeDetail {
  text: string;
  /** Set for running nodes: how late their heartbeat is. */
  heartbeat?: HeartbeatLevel;
}

export function nodeDetail(state: NodeRunState | undefined, thresholds: HeartbeatThresholds, now: number): NodeDetail {
  if (!state) return { text: '' };
  const parts: string[] = [];
  if (state.attempt > 1) parts.push(`attempt ${state.attempt}`);
  if (state.status === 'cached' || state.cached) parts.push('cached');
  if (state.durationMs !== undefined) parts.push(formatDuration(state.durationMs));
  else if (state.status === 'running' && state.startedAt !== undefined) parts.push(formatDuration(Math.max(0, now - state.startedAt)));
  if (state.status !== 'running') return { text: parts.join(' · ') };
  const age = heartbeatAge(now, state.heartbeatAt, state.startedAt);
  if (age === undefined) return { text: parts.join(' · ') };
  const level = heartbeatLevel(age, thresholds.intervalMs, thresholds.timeoutMs);
  parts.push(`♥ ${formatDuration(age)}${level === 'lost' ? ' lost' : level === 'late' ? ' late' : ''}`);
  return { text: parts.join(' · '), heartbeat: level };
}
