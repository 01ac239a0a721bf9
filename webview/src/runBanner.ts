/**
 * The banner over the graph when the run shown did not complete: that it failed (or crashed, or
 * was cancelled), at which step, why; the panel adds Retry, Details and Logs. Pure.
 */
import type { RunStatus } from '../../runtime/src/model/status';
import type { NodeRunState } from '../../contracts/src/webviewMessages';

export interface RunBanner {
  /**
   * What the banner says, step and why first (`Failed at step publish: …`): the panel's header
   * names the run already, and a timestamped run name would push the why out of a narrow panel.
   */
  text: string;
  /** The same with the run's name, for the banner's tooltip. */
  title: string;
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
  if (failed.length === 0) {
    const why = run.runError ? `: ${run.runError}` : '';
    return { text: `Run ${run.status}${why}`, title: `Run ${name} ${run.status}${why}`, retry: true };
  }
  const step = failed[0];
  const why = states[step].error?.headline;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more step${failed.length > 2 ? 's' : ''})` : '';
  const where = `at step ${step}${more}${why ? `: ${why}` : ''}`;
  return { text: `${run.status[0].toUpperCase()}${run.status.slice(1)} ${where}`, title: `Run ${name} ${run.status} ${where}`, step, retry: true };
}
