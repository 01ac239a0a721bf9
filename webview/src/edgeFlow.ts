/**
 * How an edge looks during a run, from the statuses at its two ends. Pure, so it is testable.
 *
 * - `flowing` (moving dashes): the run is live, the producer is running or has its outputs
 *   (completed or cached), and the consumer has not finished yet (pending or running): data is
 *   on its way along this edge.
 * - `done` (solid): the consumer completed (or was served from the cache), so whatever this edge
 *   carried has arrived.
 * - `idle`: anything else (no run, a failed or skipped end, a finished run with pending leftovers).
 */
import type { RunStatus, StepStatus } from '../../runtime/src/model/status';
import type { NodeRunState } from '../../contracts/src/webviewMessages';

export type EdgeFlow = 'idle' | 'flowing' | 'done';

const PRODUCING: ReadonlySet<StepStatus> = new Set(['running', 'completed', 'cached']);
const WAITING: ReadonlySet<StepStatus> = new Set(['pending', 'running']);

export function edgeFlow(from: StepStatus | undefined, to: StepStatus | undefined, live: boolean): EdgeFlow {
  if (to === 'completed' || to === 'cached') return 'done';
  if (live && from !== undefined && to !== undefined && PRODUCING.has(from) && WAITING.has(to)) return 'flowing';
  return 'idle';
}

/**
 * Whether the run is still going: its own status when the extension sent one, else whether any
 * step is still pending or running.
 */
export function runIsLive(states: Record<string, NodeRunState>, runStatus?: RunStatus): boolean {
  if (runStatus !== undefined) return runStatus === 'running';
  for (const id in states) {
    const status = states[id].status;
    if (status === 'pending' || status === 'running') return true;
  }
  return false;
}
