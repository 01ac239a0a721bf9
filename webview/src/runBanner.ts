/**
 * The banner over the graph when the run shown did not complete: that it failed (or crashed, or
 * was cancelled), at which step, why; the panel adds Retry, Details and Logs. Pure.
 */
import type { RunStatus } from '../../runtime/src/model/status';
import type { NodeRunState } from '../../contracts/src/webviewMessages';

export interface RunBanner {
  text: string;
  /** The step it is about (Details and Logs open it): the first failed one in the graph's order. */
  step?: string;
  /** Retry makes sense (the run is over and did not complete). */
  retry: boolean;
}

const SHOWN: ReadonlySet<RunStatus> = new Set(['failed', 'crashed', 'cancelled']);

export function runBanner(run: { runName?: string; runId: string | null; status?: RunStatus; runError?: string } | undefined, states: Record<string, NodeRunState>, order: readonly string[]): RunBanner | undefined {
  if (!run || run.runId === null || run.status === undefined || !SHOWN.has(run.status)) return undefined;
  const ids = [...order.filter((id) => id in states), ...Object.keys(states).filter((id) => !order.includes(id))];
  const failed = ids.filter((id) => states[id].status === 'failed' || states[id].status === 'crashed');
  const name = run.runName ?? run.runId;
  if (failed.length === 0) return { text: `Run ${name} ${run.status}${run.runError ? `: ${run.runError}` : ''}`, retry: true };
  const step = failed[0];
  const why = states[step].error?.headline;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more step${failed.length > 2 ? 's' : ''})` : '';
  return { text: `Run ${name} ${run.status} at step ${step}${more}${why ? `: ${why}` : ''}`, step, retry: true };
}
