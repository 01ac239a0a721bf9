import { orchestratorFor, preparePipelineFile, submitPrepared, type RunFileRequest } from '../../launch/runPipelineFile';
import { decodeStructured } from '../../artifacts/structured';
import type { RunSummary } from '../../model/runSummary';
import type { RunOptions } from '../../sdk/options';
import type { OrchestratorClient } from '../../api/client';
import { followRun } from '../followRun';

export interface DaemonRunRequest extends Pick<RunFileRequest, 'file' | 'pipeline' | 'step' | 'parameters' | 'parametersSource' | 'textParameters'> {
  options: RunOptions;
  detach: boolean;
  out: NodeJS.WriteStream;
  showLogs: boolean;
  /** Aborting cancels the run on the daemon. */
  signal: AbortSignal;
  /** A remote orchestrator to submit to instead of this store's local daemon. */
  orchestrator?: OrchestratorClient;
  /** Run from step `from`, reusing the outputs (and, unless given, the parameters and pipeline) of run `run`. */
  reuse?: { run: string; from: string };
}

/**
 * `pipewright run` through the orchestrator daemon (started on demand) or a remote one: the file
 * is bundled and analysed here, the run executes in the daemon, and progress comes back on the
 * event stream.
 */
export async function runViaDaemon(request: DaemonRunRequest): Promise<RunSummary> {
  const reused = request.reuse && (await (request.orchestrator ?? (await orchestratorFor(request.file, request.options))).getRun({ run: request.reuse.run }));
  const prepared = await preparePipelineFile({
    ...request,
    options: request.options,
    // A run from a past run keeps its pipeline and parameters; a config or --param still wins.
    ...(reused ? { pipeline: request.pipeline ?? reused.pipeline, baseParameters: { where: `run ${reused.runName}`, values: decodeStructured(reused.parameters ?? {}) as Record<string, unknown> } } : {}),
  });
  const { client, run: created } = await submitPrepared(prepared, request.options, request.orchestrator, request.reuse && { run: reused?.runId ?? request.reuse.run, from: request.reuse.from });
  if (request.detach) return created;
  try {
    return await followRun(client, created.runId, request);
  } catch (error) {
    // The run was created and goes on without us: say which one, so nothing is lost.
    throw new Error(`lost contact with the orchestrator at ${client.baseUrl} while following run ${created.runName} (${created.runId}): ${(error as Error).message}; the run continues there (see pipewright runs show ${created.runId}${request.orchestrator ? ` --orchestrator ${client.baseUrl}` : ''})`, { cause: error });
  }
}
