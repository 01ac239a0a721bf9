import type { Command } from 'commander';
import { summarizeRun } from '../../store/runSummary';
import type { RunSummary } from '../../model/runSummary';
import { UsageError } from '../errors';
import { writeErrorBlock } from '../errorText';
import { addOrchestratorOptions, orchestratorClient } from '../remoteOrchestrator';
import { followLogs } from './logsFollow';
import { findRunOrFail, withRunSource } from '../storeAccess';
import { fromDetail } from './runs';

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
      .description("print a run's captured step output (stdout and stderr), per attempt, each failed attempt ending with its error")
      .argument('<run>', 'run id, id prefix or run name')
      .argument('[step]', 'invocation id (default: every step)')
      .option('--attempt <n>', 'only this attempt')
      .option('-f, --follow', "then print new output as it comes, from the orchestrator's event stream, until the run ends (exit 0 if it completed, 1 if not)")
      .option('--json', 'print the log records as one JSON array'),
  ).action(async (idOrName: string, invocationId: string | undefined, flags: { attempt?: string; follow?: boolean; json?: boolean }, command: Command) => {
    const check = (runName: string, steps: string[]): number | undefined => {
      if (invocationId !== undefined && !steps.includes(invocationId)) throw new UsageError(`run ${runName} has no step "${invocationId}" (steps: ${steps.join(', ')})`);
      const attempt = flags.attempt === undefined ? undefined : Number(flags.attempt);
      if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1)) throw new UsageError(`--attempt ${flags.attempt}: expected a positive integer`);
      if (attempt !== undefined && invocationId === undefined) throw new UsageError('--attempt needs a step');
      return attempt;
    };
    if (flags.follow) {
      if (flags.json) throw new UsageError('--follow prints output as it comes; it cannot be combined with --json');
      return followLogs(await orchestratorClient(command), idOrName, { step: invocationId, attemptOf: check, print: logPrinter(invocationId === undefined).print });
    }
    // Stored output: the attempt asked for must have been made.
    const checkMade = (run: RunSummary): number | undefined => {
      const attempt = check(run.runName, run.steps.map((s) => s.id));
      const made = (run.steps.find((s) => s.id === invocationId)?.history ?? []).map((a) => a.attempt);
      if (attempt !== undefined && !made.includes(attempt)) {
        throw new UsageError(`step "${invocationId}" of run ${run.runName} has no attempt ${attempt} (attempts: ${made.join(', ') || 'none yet'})`);
      }
      return attempt;
    };
    const { run, attempt, records } = await withRunSource<{ run: RunSummary; attempt?: number; records: LogRecord[] }>(
      command,
      async (client) => {
        const run = fromDetail(await client.getRun({ run: idOrName }), true);
        const attempt = checkMade(run);
        return { run, attempt, records: await client.logs({ run: run.runId, step: invocationId, attempt }) };
      },
      async (store) => {
        const run = await summarizeRun(store, (await findRunOrFail(store, idOrName)).id, true);
        const attempt = checkMade(run);
        const records = (await store.getLogs(run.runId, invocationId, attempt)).map((line) => ({ step: line.invocationId, attempt: line.attempt, stream: line.stream, text: line.text, at: line.at }));
        return { run, attempt, records };
      },
    );
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(records)}\n`);
      return;
    }
    const printer = logPrinter(invocationId === undefined);
    for (const record of records) printer.print(record);
    // Then why each attempt in view ended badly: the whole error, stack included.
    const ended = run.steps
      .filter((step) => invocationId === undefined || step.id === invocationId)
      .flatMap((step) => (step.history ?? []).filter((made) => made.error && (attempt === undefined || made.attempt === attempt)).map((made) => ({ step: step.id, made })));
    // Output that ended mid-line must not run into an error.
    if (ended.length > 0) printer.endLine();
    for (const { step, made } of ended) {
      if (made.error) writeErrorBlock((text) => process.stderr.write(text), `✖ ${step} attempt ${made.attempt} ${made.status}`, made.error, '  ');
    }
  });
}

/**
 * Writes each record to stdout or stderr as it was captured; for every step, a `── STEP attempt N`
 * line where the step or attempt changes. `endLine` ends a last line that had no newline.
 */
function logPrinter(everyStep: boolean): { print(record: LogRecord): void; endLine(): void } {
  let current = '';
  let open: NodeJS.WriteStream | undefined;
  return {
    print: (record) => {
      const header = `${record.step} attempt ${record.attempt}`;
      if (everyStep && header !== current) {
        process.stdout.write(`── ${header}\n`);
        current = header;
      }
      const stream = record.stream === 'stderr' ? process.stderr : process.stdout;
      stream.write(record.text);
      if (record.text.length > 0) open = record.text.endsWith('\n') ? undefined : stream;
    },
    endLine: () => {
      open?.write('\n');
      open = undefined;
    },
  };
}
