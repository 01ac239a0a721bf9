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
}

/**
 * `pipewright run` through the orchestrator daemon (started on demand): the file is bundled and
 * analysed here, the run executes in the daemon, and progress comes back on the event stream.
 */
export async function runViaDaemon(request: DaemonRunRequest): Promise<RunSummary> {
  const prepared = await preparePipelineFile({ ...request, options: request.options });
  const { client, run: created } = await submitPrepared(prepared, request.options);
  if (request.detach) return created;
  return followRun(client, created.runId, request);
}

/** Prints a run's progress from the event stream until it ends; aborting cancels it. */
export async function followRun(client: OrchestratorClient, runId: string, view: { out: NodeJS.WriteStream; showLogs: boolean; signal: AbortSignal }): Promise<RunSummary> {
  const footer = new HeartbeatFooter(view.out);
  const print = progressPrinter((line) => footer.line(line), view.showLogs);
  const cancel = () => void client.cancelRun(runId).catch(() => undefined);
  view.signal.addEventListener('abort', cancel, { once: true });
  try {
    await client.follow(
      (event) => {
        const data = event.data as EngineEvent;
        footer.observe(data);
        print(data);
        return data.type === 'run' && isTerminalRunStatus(data.status as RunStatus);
      },
      { runId },
    );
  } finally {
    footer.stop();
    view.signal.removeEventListener('abort', cancel);
  }
  return client.getRun(runId);
}
