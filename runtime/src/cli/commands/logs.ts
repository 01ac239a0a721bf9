import type { Command } from 'commander';
import { UsageError } from '../errors';
import { findRunOrFail, openStoreFor } from '../storeAccess';

export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("print a run's captured step output (stdout and stderr), per attempt")
    .argument('<run>', 'run id, id prefix or run name')
    .argument('[step]', 'invocation id (default: every step)')
    .option('--attempt <n>', 'only this attempt')
    .option('--json', 'print the log records as one JSON array')
    .action(async (idOrName: string, stepId: string | undefined, flags: { attempt?: string; json?: boolean }, command: Command) => {
      const store = await openStoreFor(command);
      try {
        const run = findRunOrFail(store, idOrName);
        if (stepId !== undefined && !store.getSteps(run.id).some((s) => s.id === stepId)) {
          throw new UsageError(`run ${run.name} has no step "${stepId}" (steps: ${store.getSteps(run.id).map((s) => s.id).join(', ')})`);
        }
        const attempt = flags.attempt === undefined ? undefined : Number(flags.attempt);
        if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1)) throw new UsageError(`--attempt ${flags.attempt}: expected a positive integer`);
        if (attempt !== undefined && stepId === undefined) throw new UsageError('--attempt needs a step');
        const rows = store.getLogs(run.id, stepId, attempt);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(rows.map((r) => ({ step: r.step_id, attempt: r.attempt, stream: r.stream, text: r.text, at: r.at })))}\n`);
          return;
        }
        let current = '';
        for (const row of rows) {
          const header = `${row.step_id} attempt ${row.attempt}`;
          if (stepId === undefined && header !== current) {
            process.stdout.write(`── ${header}\n`);
            current = header;
          }
          (row.stream === 'stderr' ? process.stderr : process.stdout).write(row.text);
        }
      } finally {
        store.close();
      }
    });
}
