import type { Command } from 'commander';
import { summarizeRun, type RunSummary } from '../../engine/runSummary';
import type { RunDetail } from '../../server/apiProtocol';
import { followRun } from './runViaDaemon';
import { writeErrorBlock } from '../errorText';
import { formatDuration } from '../progress';
import { addOrchestratorOptions, orchestratorClient } from '../remoteOrchestrator';
import { findRunOrFail, withRunSource } from '../storeAccess';

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('list and inspect runs (of this store, or of a remote orchestrator with --orchestrator)');
  addOrchestratorOptions(
    runs
      .command('list', { isDefault: true })
      .description('list recent runs, newest first')
      .option('--pipeline <name>', 'only runs of this pipeline')
      .option('--limit <n>', 'how many runs', '20')
      .option('--json', 'print the runs as one JSON array'),
  ).action(async (flags: { pipeline?: string; limit: string; json?: boolean }, command: Command) => {
    const limit = Math.max(1, Number(flags.limit) || 20);
    const summaries = await withRunSource(
      command,
      async (client) => (await client.listRuns({ pipeline: flags.pipeline, limit: Math.min(limit, 1000) })).map((detail) => fromDetail(detail, false)),
      (store) => store.listRuns({ pipeline: flags.pipeline, limit }).map((row) => summarizeRun(store, row.id)),
    );
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summaries)}\n`);
      return;
    }
    if (summaries.length === 0) process.stdout.write('no runs yet\n');
    for (const run of summaries) {
      const done = run.steps.filter((s) => s.status === 'completed' || s.status === 'cached').length;
      process.stdout.write(
        `${run.runId.slice(0, 8)}  ${run.status.padEnd(9)}  ${run.pipeline.padEnd(16)}  ${run.runName.padEnd(40)}  ${String(done).padStart(3)}/${run.steps.length} steps  ${run.durationMs === null ? '' : formatDuration(run.durationMs)}\n`,
      );
    }
  });
  addOrchestratorOptions(
    runs
      .command('cancel')
      .description('cancel a run executing on the daemon (running steps are stopped)')
      .argument('<run>', 'run id, id prefix or run name'),
  ).action(async (idOrName: string, _flags: unknown, command: Command) => {
    const client = await orchestratorClient(command);
    const answer = await client.cancelRun(idOrName);
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
    const created = await client.retryRun(idOrName, flags.step);
    const interrupt = new AbortController();
    const onSignal = () => interrupt.abort();
    process.once('SIGINT', onSignal);
    const summary = flags.detach ? created : await followRun(client, created.runId, { out: flags.json ? process.stderr : process.stdout, showLogs: true, signal: interrupt.signal });
    process.off('SIGINT', onSignal);
    process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : flags.detach ? `${summary.runId}\n` : '');
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
      async (client) => fromDetail(await client.getRun(idOrName), true),
      (store) => summarizeRun(store, findRunOrFail(store, idOrName).id, true),
    );
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    process.stdout.write(`Run ${summary.runName} (${summary.runId})\n  pipeline ${summary.pipeline}\n  status   ${summary.status}\n  created  ${summary.createdAt}\n`);
    if (summary.durationMs !== null) process.stdout.write(`  duration ${formatDuration(summary.durationMs)}\n`);
    if (summary.error) process.stdout.write(`  error    ${summary.error}\n`);
    for (const step of summary.steps) {
      const duration = step.durationMs === null ? '' : formatDuration(step.durationMs);
      process.stdout.write(`  ${step.id.padEnd(24)} ${step.status.padEnd(9)} ${duration.padStart(8)}  attempts ${step.attempts}${step.cached ? '  cache hit' : ''}\n`);
      for (const attempt of step.history ?? []) {
        const beat = attempt.heartbeatAgeMs === undefined ? '' : `  last heartbeat ${formatDuration(attempt.heartbeatAgeMs)} ago`;
        const line = `      attempt ${attempt.attempt} ${attempt.status}${beat}`;
        if (attempt.error) writeErrorBlock((text) => process.stdout.write(text), line, attempt.error, '        ');
        else if (beat) process.stdout.write(`${line}\n`);
      }
    }
  });
}

/** The shape `summarizeRun` gives locally, from the API's run detail (attempt history on request). */
export function fromDetail(detail: RunDetail, withHistory: boolean, now = Date.now()): RunSummary {
  const { attempts, ...summary } = detail;
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
