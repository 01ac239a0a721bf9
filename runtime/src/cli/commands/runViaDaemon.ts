import type { EngineEvent } from '../../engine/events';
import { preparePipelineFile, submitPrepared, type RunFileRequest } from '../../engine/runPipelineFile';
import type { RunSummary } from '../../engine/runSummary';
import { isTerminalRunStatus, type RunStatus } from '../../model/status';
import type { RunOptions } from '../../sdk/options';
import type { OrchestratorClient } from '../../server/apiClient';
import { HeartbeatFooter } from '../heartbeatFooter';
import { progressPrinter } from '../progress';

export interface DaemonRunRequest extends Pick<RunFileRequest, 'file' | 'pipeline' | 'parameters' | 'textParameters'> {
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
  const stopFollowing = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const cancel = () => {
    // Bounded too: a request to an orchestrator that never answers would keep the process alive.
    void client.cancelRun(runId, AbortSignal.timeout(CANCEL_GRACE_MS)).catch(() => undefined);
    grace = setTimeout(() => stopFollowing.abort(), CANCEL_GRACE_MS);
  };
  view.signal.addEventListener('abort', cancel, { once: true });
  let ended: RunStatus | undefined;
  try {
    await client.follow(
      (event) => {
        const data = event.data as EngineEvent;
        footer.observe(data);
        print(data);
        if (data.type === 'run' && isTerminalRunStatus(data.status)) ended = data.status;
        return ended !== undefined;
      },
      { runId, signal: stopFollowing.signal },
    );
  } finally {
    clearTimeout(grace);
    footer.stop();
    view.signal.removeEventListener('abort', cancel);
  }
  if (!stopFollowing.signal.aborted) {
    const summary = await client.getRun(runId);
    // The store may lag behind the stream (a full disk refused the final status): the stream saw the end.
    return ended !== undefined && summary.status === 'running' ? { ...summary, status: ended } : summary;
  }
  try {
    return await client.getRun(runId, AbortSignal.timeout(CANCEL_GRACE_MS / 2));
  } catch (error) {
    throw new Error(`the run did not confirm its cancellation within ${CANCEL_GRACE_MS / 1000} s (${(error as Error).message})`, { cause: error });
  }
}
