import type { Command } from 'commander';
import { summarizeRun } from '../../store/runSummary';
import type { RunSummary } from '../../model/runSummary';
import { runContents, withContents } from '../../store/runContents';
import type { OrchestratorClient } from '../../api/client';
import type { RunDetail } from '../../api/protocol';
import { NothingToRetryError } from '../../model/errorCodes';
import { nextStepsLine, suggestedCommand } from '../nextSteps';
import { outputLines, parameterLines } from '../runContentsView';
import { summaryOfDetail } from '../runDetail';
import { registerRunsList } from './runsList';
import { registerRunsWatch } from './runsWatch';
import { registerRunsDiff } from './runsDiff';
import { followRun } from '../followRun';
import { writeErrorBlock } from '../errorText';
import { formatDuration } from '../progress';
import { addOrchestratorOptions, orchestratorClient } from '../remoteOrchestrator';
import { findRunOrFail, withRunSource } from '../storeAccess';

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('list and inspect runs (of this store, or of a remote orchestrator with --orchestrator)');
  registerRunsList(runs);
  addOrchestratorOptions(
    runs
      .command('cancel')
      .description('cancel a run executing on the daemon (running steps are stopped)')
      .argument('<run>', 'run id, id prefix or run name'),
  ).action(async (idOrName: string, _flags: unknown, command: Command) => {
    const client = await orchestratorClient(command);
    const answer = await client.cancelRun({ run: idOrName });
    process.stdout.write(`cancelling ${answer.cancelling}\n`);
  });
  addOrchestratorOptions(
    runs
      .command('retry')
      .description('re-run what did not succeed (or one step and what depends on it), reusing completed outputs')
      .argument('<run>', 'run id, id prefix or run name')
      .option('--step <id>', 'retry this step (and its downstream) even if it succeeded')
      .option('--json', 'print the new run summary as one JSON object on the last line')
      .option('--detach', 'return the new run id at once'),
  ).action(async (idOrName: string, flags: { step?: string; json?: boolean; detach?: boolean }, command: Command) => {
    const client = await orchestratorClient(command);
    // Messages for people; with --json or --detach stdout is for the result alone.
    const notes = flags.json || flags.detach ? process.stderr : process.stdout;
    const created = await retryOrNothing(client, idOrName, command);
    if (created.nothingToRetry) {
      // Exit 0: the run already has what a retry would give. Its own summary (or id) stands for the result.
      notes.write(`${created.nothingToRetry}\n`);
      process.stdout.write(flags.json ? `${JSON.stringify(created.run)}\n` : flags.detach ? `${created.run.runId}\n` : '');
      return;
    }
    const interrupt = new AbortController();
    const onSignal = () => interrupt.abort();
    process.once('SIGINT', onSignal);
    const summary = flags.detach ? created.run : await followRun(client, created.run.runId, { out: flags.json ? process.stderr : process.stdout, showLogs: true, signal: interrupt.signal });
    process.off('SIGINT', onSignal);
    process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : flags.detach ? `${summary.runId}\n` : '');
    notes.write(`${nextStepsLine(summary, command)}\n`);
    if (summary.status !== 'completed' && summary.status !== 'running') process.exitCode = 1;
  });
  addOrchestratorOptions(
    runs
      .command('show')
      .description('show one run: its steps, attempts and errors')
      .argument('<run>', 'run id, id prefix or run name')
      .option('--json', 'print the run summary as one JSON object'),
  ).action(async (idOrName: string, flags: { json?: boolean }, command: Command) => {
    const summary = await withRunSource(
      command,
      async (client) => {
        const detail = await client.getRun({ run: idOrName });
        return withContents(fromDetail(detail, true), detail);
      },
      async (store) => {
        const runId = (await findRunOrFail(store, idOrName)).id;
        return withContents(await summarizeRun(store, runId, true), await runContents(store, runId));
      },
    );
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    // Written at once: a write per line made a 100,000-step run's listing 200,000 system calls.
    const text: string[] = [];
    const write = (chunk: string) => text.push(chunk);
    write(`Run ${summary.runName} (${summary.runId})\n  pipeline ${summary.pipeline}\n  status   ${summary.status}\n  created  ${summary.createdAt}\n`);
    if (summary.durationMs !== null) write(`  duration ${formatDuration(summary.durationMs)}\n`);
    if (summary.error) write(`  error    ${summary.error}\n`);
    write(`${parameterLines(summary).join('\n')}\n`);
    for (const step of summary.steps) {
      const duration = step.durationMs === null ? '' : formatDuration(step.durationMs);
      // A running attempt still in the orchestrator's queue has not started anywhere: it is queued, waiting for a worker.
      const status = step.queuedFor === undefined ? step.status : 'queued';
      write(`  ${step.id.padEnd(24)} ${status.padEnd(9)} ${duration.padStart(8)}  attempts ${step.attempts}${step.cached ? '  cache hit' : ''}${step.queuedFor === undefined ? '' : `  waiting for a worker (${step.queuedFor})`}\n`);
      for (const line of outputLines(step)) write(`${line}\n`);
      for (const attempt of step.history ?? []) {
        const beat = attempt.heartbeatAgeMs === undefined ? '' : `  last heartbeat ${formatDuration(attempt.heartbeatAgeMs)} ago`;
        const line = `      attempt ${attempt.attempt} ${attempt.status}${beat}`;
        if (attempt.error) writeErrorBlock(write, line, attempt.error, '        ');
        else if (beat) write(`${line}\n`);
      }
    }
    process.stdout.write(text.join(''));
  });
  registerRunsWatch(runs);
  registerRunsDiff(runs);
}

/** The shape `summarizeRun` gives locally, from the API's run detail (attempt history on request). */
export function fromDetail(detail: RunDetail, withHistory: boolean, now = Date.now()): RunSummary {
  const { attempts } = detail;
  const summary = summaryOfDetail(detail);
  if (!withHistory) return summary;
  return {
    ...summary,
    steps: summary.steps.map((step) => ({
      ...step,
      history: (attempts[step.id] ?? []).map((a) => ({
        attempt: a.attempt,
        status: a.status,
        error: a.error,
        durationMs: a.endedAt === null ? null : a.endedAt - a.startedAt,
        ...(a.status === 'running' ? { heartbeatAgeMs: now - (a.heartbeatAt ?? a.startedAt) } : {}),
      })),
    })),
  };
}

/** Asks for a retry; a run with nothing to retry (every step succeeded) comes back with the orchestrator's reason. */
async function retryOrNothing(client: OrchestratorClient, idOrName: string, command: Command): Promise<{ run: RunDetail; nothingToRetry?: string }> {
  try {
    return { run: await client.retryRun({ run: idOrName, step: command.opts<{ step?: string }>().step }) };
  } catch (error) {
    if (!(error instanceof NothingToRetryError)) throw error;
    const run = await client.getRun({ run: idOrName });
    return { run, nothingToRetry: `${error.message}; to re-run one step and what depends on it: ${suggestedCommand(command, ['runs', 'retry'], run.runId, ['--step', 'STEP'])}` };
  }
}
