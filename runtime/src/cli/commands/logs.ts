import type { Command } from 'commander';
import { UsageError } from '../errors';
import { addOrchestratorOptions, orchestratorClient } from '../remoteOrchestrator';
import { followLogs } from './logsFollow';
import { findRunOrFail, withRunSource } from '../storeAccess';

export interface LogRecord {
  step: string | null;
  attempt: number | null;
  stream: string;
  text: string;
  at: number;
}

export function registerLogsCommand(program: Command): void {
  addOrchestratorOptions(
    program
      .command('logs')
      .description("print a run's captured step output (stdout and stderr), per attempt")
      .argument('<run>', 'run id, id prefix or run name')
      .argument('[step]', 'invocation id (default: every step)')
      .option('--attempt <n>', 'only this attempt')
      .option('-f, --follow', "then print new output as it comes, from the orchestrator's event stream, until the run ends (exit 0 if it completed, 1 if not)")
      .option('--json', 'print the log records as one JSON array'),
  ).action(async (idOrName: string, stepId: string | undefined, flags: { attempt?: string; follow?: boolean; json?: boolean }, command: Command) => {
    const check = (runName: string, steps: string[]): number | undefined => {
      if (stepId !== undefined && !steps.includes(stepId)) throw new UsageError(`run ${runName} has no step "${stepId}" (steps: ${steps.join(', ')})`);
      const attempt = flags.attempt === undefined ? undefined : Number(flags.attempt);
      if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1)) throw new UsageError(`--attempt ${flags.attempt}: expected a positive integer`);
      if (attempt !== undefined && stepId === undefined) throw new UsageError('--attempt needs a step');
      return attempt;
    };
    if (flags.follow) {
      if (flags.json) throw new UsageError('--follow prints output as it comes; it cannot be combined with --json');
      return followLogs(await orchestratorClient(command), idOrName, { step: stepId, attemptOf: check, print: logPrinter(stepId === undefined) });
    }
    const records = await withRunSource<LogRecord[]>(
      command,
      async (client) => {
        const run = await client.getRun(idOrName);
        const attempt = check(run.runName, run.steps.map((s) => s.id));
        return client.logs(run.runId, stepId, attempt);
      },
      (store) => {
        const run = findRunOrFail(store, idOrName);
        const attempt = check(run.name, store.getSteps(run.id).map((s) => s.id));
        return store.getLogs(run.id, stepId, attempt).map((r) => ({ step: r.step_id, attempt: r.attempt, stream: r.stream, text: r.text, at: r.at }));
      },
    );
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(records)}\n`);
      return;
    }
    const print = logPrinter(stepId === undefined);
    for (const record of records) print(record);
  });
}

/** Writes each record to stdout or stderr as it was captured; for every step, a `── STEP attempt N` line where the step or attempt changes. */
function logPrinter(everyStep: boolean): (record: LogRecord) => void {
  let current = '';
  return (record) => {
    const header = `${record.step} attempt ${record.attempt}`;
    if (everyStep && header !== current) {
      process.stdout.write(`── ${header}\n`);
      current = header;
    }
    (record.stream === 'stderr' ? process.stderr : process.stdout).write(record.text);
  };
}
