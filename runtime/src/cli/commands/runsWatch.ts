import type { Command } from 'commander';
import type { RunSummary } from '../../model/runSummary';
import { isTerminalRunStatus } from '../../model/status';
import { nextStepsLine } from '../nextSteps';
import { addOrchestratorOptions, orchestratorClient } from '../remoteOrchestrator';
import { followRun } from './runViaDaemon';

/** `pipewright runs watch RUN`: a detached (or any) run's live progress until it ends; exit 0 if it completed, 1 otherwise. */
export function registerRunsWatch(runs: Command): void {
  addOrchestratorOptions(
    runs
      .command('watch')
      .description('follow a run live (progress and step output) until it ends; exit 0 if it completed, 1 if not. Ctrl-C stops watching, not the run')
      .argument('<run>', 'run id, id prefix or run name')
      .option('--no-logs', 'do not echo step output')
      .option('--json', 'print the final run summary as one JSON object on the last line'),
  ).action(async (idOrName: string, flags: { logs: boolean; json?: boolean }, command: Command) => {
    const client = await orchestratorClient(command);
    const run = await client.getRun({ run: idOrName });
    const out = flags.json ? process.stderr : process.stdout;
    out.write(isTerminalRunStatus(run.status) ? `Run ${run.runName} (${run.runId}) already ${run.status}\n` : `Watching run ${run.runName} (${run.runId}); Ctrl-C stops watching, not the run\n`);
    // Watching never cancels: the run goes on when this command is interrupted.
    const summary: RunSummary = isTerminalRunStatus(run.status) ? run : await followRun(client, run.runId, { out, showLogs: flags.logs, signal: new AbortController().signal });
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    out.write(`${nextStepsLine(summary, command)}\n`);
    process.exitCode = summary.status === 'completed' ? 0 : 1;
  });
}
