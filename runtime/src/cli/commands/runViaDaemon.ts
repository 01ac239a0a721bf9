import { preparePipelineFile, submitPrepared, type RunFileRequest } from '../../launch/runPipelineFile';
import type { RunSummary } from '../../model/runSummary';
import type { RunOptions } from '../../sdk/options';
import type { OrchestratorClient } from '../../api/client';
import { followRunEvents } from '../followRunEvents';
import { HeartbeatFooter } from '../heartbeatFooter';
import { progressPrinter } from '../progress';

export interface DaemonRunRequest extends Pick<RunFileRequest, 'file' | 'pipeline' | 'step' | 'parameters' | 'parametersSource' | 'textParameters'> {
  options: RunOptions;
  detach: boolean;
  out: NodeJS.WriteStream;
  showLogs: boolean;
  /** Aborting cancels the run on the daemon. */
  signal: AbortSignal;
  /** A remote orchestrator to submit to instead of this store's local daemon. */
  orchestrator?: OrchestratorClient;
}

/**
 * `pipewright run` through the orchestrator daemon (started on demand) or a remote one: the file
 * is bundled and analysed here, the run executes in the daemon, and progress comes back on the
 * event stream.
 */
export async function runViaDaemon(request: DaemonRunRequest): Promise<RunSummary> {
  const prepared = await preparePipelineFile({ ...request, options: request.options });
  const { client, run: created } = await submitPrepared(prepared, request.options, request.orchestrator);
  if (request.detach) return created;
  try {
    return await followRun(client, created.runId, request);
  } catch (error) {
    // The run was created and goes on without us: say which one, so nothing is lost.
    throw new Error(`lost contact with the orchestrator at ${client.baseUrl} while following run ${created.runName} (${created.runId}): ${(error as Error).message}; the run continues there (see pipewright runs show ${created.runId}${request.orchestrator ? ` --orchestrator ${client.baseUrl}` : ''})`, { cause: error });
  }
}

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
