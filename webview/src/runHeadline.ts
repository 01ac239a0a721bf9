/** The line above the graph that says which run the panel shows. Pure. */
import type { RunStatus } from '../../runtime/src/model/status';

export interface ShownRun {
  runId: string | null;
  runName?: string;
  /** Name (else id) of the run this one retries. */
  retryOf?: string;
  status?: RunStatus;
}

/** `Run iris-2026_12_01 (retry of iris-2026_11_30) · failed`, or that nothing has run here yet. */
export function runHeadline(run: ShownRun | undefined): string {
  if (!run || run.runId === null) return 'Not run yet: statuses appear when the pipeline runs';
  const parts = [`Run ${run.runName ?? run.runId}${run.retryOf === undefined ? '' : ` (retry of ${run.retryOf})`}`];
  if (run.status !== undefined) parts.push(run.status);
  return parts.join(' · ');
}
