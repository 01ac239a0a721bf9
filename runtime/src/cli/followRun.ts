import type { OrchestratorClient } from '../api/client';
import type { RunSummary } from '../model/runSummary';
import { followRunEvents } from './followRunEvents';
import { HeartbeatFooter } from './heartbeatFooter';
import { progressPrinter } from './progress';

/** How long an interrupted CLI waits for the run to confirm its cancellation before it returns anyway. */
export const CANCEL_GRACE_MS = 10_000;

/**
 * Prints a run's progress from the event stream until it ends; aborting cancels it, and the
 * wait for the run to confirm is bounded, so an interrupted CLI always returns.
 */
export async function followRun(client: OrchestratorClient, runId: string, view: { out: NodeJS.WriteStream; showLogs: boolean; signal: AbortSignal }): Promise<RunSummary> {
  const footer = new HeartbeatFooter(view.out);
  const print = progressPrinter((line) => footer.line(line), view.showLogs);
  const giveUp = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const cancel = () => {
    // Bounded too: a request to an orchestrator that never answers would keep the process alive.
    void client.cancelRun({ run: runId }, { signal: AbortSignal.timeout(CANCEL_GRACE_MS) }).catch(() => undefined);
    grace = setTimeout(() => giveUp.abort(), CANCEL_GRACE_MS);
  };
  view.signal.addEventListener('abort', cancel, { once: true });
  try {
    const { detail } = await followRunEvents(
      client,
      runId,
      (event) => {
        footer.observe(event);
        print(event);
      },
      undefined,
      giveUp.signal,
    );
    return detail;
  } catch (error) {
    if (giveUp.signal.aborted) throw new Error(`the run did not confirm its cancellation within ${CANCEL_GRACE_MS / 1000} s (${(error as Error).message})`, { cause: error });
    throw error;
  } finally {
    clearTimeout(grace);
    footer.stop();
    view.signal.removeEventListener('abort', cancel);
  }
}
