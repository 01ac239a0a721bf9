import type { Command } from 'commander';
import { summarizeRun } from '../../store/runSummary';
import type { RunSummary } from '../../model/runSummary';
import { isSuccessfulStepStatus, parseRunStatuses, type RunStatus } from '../../model/status';
import { UsageError } from '../errors';
import { formatTime } from '../format';
import { formatDuration } from '../progress';
import { addOrchestratorOptions } from '../remoteOrchestrator';
import { withRunSource } from '../storeAccess';
import { formatTable } from '../table';
import { summaryOfDetail } from '../runDetail';

/** The most runs one listing returns (the API's bound too). */
const MAX_LIST = 1000;

/** `pipewright runs list` (the default of `runs`): recent runs, newest first, as a table. */
export function registerRunsList(runs: Command): void {
  addOrchestratorOptions(
    runs
      .command('list', { isDefault: true })
      .description('list recent runs, newest first')
      .option('--pipeline <name>', 'only runs of this pipeline')
      .option('--status <statuses>', 'only runs in one of these statuses, comma-separated (running, completed, failed, cancelled, crashed)')
      .option('--limit <n>', `how many runs (1 to ${MAX_LIST})`, '20')
      .option('--json', 'print the runs as one JSON array'),
  ).action(async (flags: { pipeline?: string; status?: string; limit: string; json?: boolean }, command: Command) => {
    const limit = parseLimit(flags.limit);
    const statuses = flags.status === undefined ? undefined : parseStatusFlag(flags.status);
    const summaries = await withRunSource(
      command,
      async (client) => (await client.listRuns({ pipeline: flags.pipeline, status: statuses, limit })).map(summaryOfDetail),
      async (store) => Promise.all((await store.listRuns({ pipeline: flags.pipeline, statuses, limit })).map((run) => summarizeRun(store, run.id))),
    );
    if (flags.json) process.stdout.write(`${JSON.stringify(summaries)}\n`);
    else process.stdout.write(`${runsTable(summaries, { filtered: flags.pipeline !== undefined || statuses !== undefined })}\n`);
  });
}

/** One row per run: id prefix, status, pipeline, name, steps done, start time and duration (so far, while running). */
export function runsTable(summaries: readonly RunSummary[], view: { filtered: boolean }, now = Date.now()): string {
  if (summaries.length === 0) return view.filtered ? 'no runs match' : 'no runs yet';
  const rows = summaries.map((run) => {
    const done = run.steps.filter((s) => isSuccessfulStepStatus(s.status)).length;
    const duration = run.durationMs ?? (run.status === 'running' ? now - Date.parse(run.createdAt) : null);
    return [run.runId.slice(0, 8), run.status, run.pipeline, run.runName, `${done}/${run.steps.length}`, formatTime(run.createdAt), duration === null ? '' : formatDuration(duration)];
  });
  return formatTable(['RUN', 'STATUS', 'PIPELINE', 'NAME', 'STEPS', 'STARTED', 'DURATION'], rows, [4, 6]);
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) throw new UsageError(`--limit ${text}: expected a whole number from 1 to ${MAX_LIST}`);
  return limit;
}

function parseStatusFlag(text: string): RunStatus[] {
  try {
    return parseRunStatuses(text);
  } catch (error) {
    throw new UsageError(`--status ${text}: ${(error as Error).message}`);
  }
}
