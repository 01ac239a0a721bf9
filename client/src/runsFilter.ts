/**
 * Which runs the Runs view shows: those of the statuses the filter keeps, and not the finished
 * runs cleared away (a run still running is never cleared). Pure (no vscode).
 */
import type { RunStatus } from '../../runtime/src/model/status';
import type { RunsState } from './runState';

export interface RunsFilter {
  /** Only runs in one of these statuses (all when absent or empty). */
  statuses?: readonly RunStatus[];
  /** Finished runs started before this time (epoch ms) are cleared from the view. */
  clearedBefore?: number;
}

/** The runs `filter` keeps, in the same order, and how many it hides. */
export function visibleRuns(state: RunsState, filter: RunsFilter): { state: RunsState; hidden: number } {
  const keep = (id: string): boolean => {
    const run = state.runs[id];
    if (!run) return false;
    if (filter.statuses && filter.statuses.length > 0 && !filter.statuses.includes(run.status)) return false;
    const cleared = filter.clearedBefore !== undefined && run.status !== 'running' && (run.startedAt ?? 0) < filter.clearedBefore;
    return !cleared;
  };
  const order = state.order.filter(keep);
  if (order.length === state.order.length) return { state, hidden: 0 };
  return { state: { runs: Object.fromEntries(order.map((id) => [id, state.runs[id]])), order }, hidden: state.order.length - order.length };
}

/** What the view's title says of its filter: `failed, running` or `cleared 3` (empty when it shows everything). */
export function filterDescription(filter: RunsFilter, hidden: number): string {
  const parts: string[] = [];
  if (filter.statuses && filter.statuses.length > 0) parts.push(filter.statuses.join(', '));
  if (hidden > 0) parts.push(`${hidden} hidden`);
  return parts.join(' · ');
}
