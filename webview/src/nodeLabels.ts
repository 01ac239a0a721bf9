/** The text under a node's name (a failure's first line, attempt, duration, heartbeat age). Pure, so it is testable. */
import { attemptHeartbeatLevel, formatDuration, heartbeatAge, heartbeatLabel, type HeartbeatLevel } from '../../contracts/src/heartbeat';
import type { HeartbeatThresholds, NodeRunState } from '../../contracts/src/webviewMessages';

export interface NodeDetail {
  /** The parts joined, in reading order. */
  text: string;
  /**
   * The parts in reading order, each with its rank: when the line does not fit its node, parts
   * of the lowest rank go first (a running step's heartbeat age stays longest).
   */
  parts: { text: string; rank: number }[];
  /** Set for running nodes: how late their heartbeat is. */
  heartbeat?: HeartbeatLevel;
}

export const DETAIL_SEPARATOR = ' · ';

/** `thresholds`: the editor's heartbeat settings, used only for an attempt that came without its own. */
export function nodeDetail(state: NodeRunState | undefined, thresholds: HeartbeatThresholds, now: number): NodeDetail {
  if (!state) return { text: '', parts: [] };
  const running = state.status === 'running';
  const parts: NodeDetail['parts'] = [];
  // A failure's first line says most: it goes first and stays longest.
  if (state.error && state.status !== 'running') parts.push({ text: state.error.headline, rank: 6 });
  // Retries matter more than a duration once a step ended; while it runs, its heartbeat matters most.
  if (state.attempt > 1) parts.push({ text: `attempt ${state.attempt}`, rank: running ? 1 : 3 });
  if (state.status === 'cached' || state.cached) parts.push({ text: 'cached', rank: 4 });
  if (state.durationMs !== undefined) parts.push({ text: formatDuration(state.durationMs), rank: 2 });
  else if (running && state.startedAt !== undefined) parts.push({ text: formatDuration(Math.max(0, now - state.startedAt)), rank: 2 });
  const detail = (heartbeat?: HeartbeatLevel): NodeDetail => ({ text: parts.map((part) => part.text).join(DETAIL_SEPARATOR), parts, ...(heartbeat ? { heartbeat } : {}) });
  if (!running) return detail();
  const age = heartbeatAge(now, state.heartbeatAt, state.startedAt);
  if (age === undefined) return detail();
  const level = attemptHeartbeatLevel(age, state.heartbeatSettings, thresholds);
  parts.push({ text: heartbeatLabel(age, level), rank: 5 });
  return detail(level);
}
