import * as fs from 'node:fs';
import { encodeStructured } from '../../artifacts/structured';
import type { EngineEvent } from '../../engine/events';
import { preparePipelineFile, type RunFileRequest } from '../../engine/runPipelineFile';
import type { RunSummary } from '../../engine/runSummary';
import { isTerminalRunStatus, type RunStatus } from '../../model/status';
import type { RunOptions } from '../../sdk/options';
import type { OrchestratorClient } from '../../server/apiClient';
import { connectDaemon } from '../../server/daemonControl';
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
  const client = await connectDaemon(prepared.storeDir);
  const { storeDir: _store, detach: _detach, ...options } = request.options;
  const created = await client.submitRun({
    file: prepared.file,
    pipeline: prepared.pipeline,
    parameters: encodeStructured(prepared.parameters) as Record<string, unknown>,
    options,
    bundle: fs.readFileSync(prepared.bundle.path, 'utf8'),
    manifest: prepared.manifest,
  });
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
