import type { RunSummary } from '../../model/runSummary';
import { isTerminalRunStatus } from '../../model/status';
import type { OrchestratorClient } from '../../api/client';
import { followRunEvents } from '../followRunEvents';
import type { LogRecord } from './logs';

interface FollowRequest {
  step?: string;
  /** Checks the step and `--attempt` against the run; the attempt to keep, if any. */
  attemptOf(runName: string, steps: string[]): number | undefined;
  print(record: LogRecord): void;
}

/**
 * `pipewright logs RUN [STEP] --follow`: the run's output so far, then new output as it comes, from
 * the orchestrator's event stream, until the run ends; exit 0 if it completed, 1 if not.
 */
export async function followLogs(client: OrchestratorClient, idOrName: string, request: FollowRequest): Promise<void> {
  const run = await client.getRun({ run: idOrName });
  const attempt = request.attemptOf(run.runName, run.steps.map((s) => s.id));
  const printStored = async () => {
    for (const record of await client.logs({ run: run.runId, step: request.step, attempt })) request.print(record);
  };
  let final: RunSummary = run;
  if (isTerminalRunStatus(run.status)) {
    await printStored();
  } else {
    const { detail, streamed } = await followRunEvents(client, run.runId, (event) => {
      if (event.type !== 'log' || (request.step !== undefined && event.invocationId !== request.step) || (attempt !== undefined && event.attempt !== attempt)) return;
      request.print({ step: event.invocationId ?? null, attempt: event.attempt ?? null, stream: event.stream, text: event.text, at: event.at });
    });
    // A run executed outside the orchestrator streams nothing; its output is only in the store.
    if (!streamed) await printStored();
    final = detail;
  }
  process.exitCode = final.status === 'completed' ? 0 : 1;
}
