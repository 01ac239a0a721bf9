/** The one line printed after a run (or a watch, or a retry) ends: the commands that make sense next. */
import type { Command } from 'commander';
import type { RunSummary } from '../model/runSummary';

/** `next: pipewright runs show RUN · pipewright artifacts list RUN`, the commands relevant to the run's status. */
export function nextStepsLine(run: Pick<RunSummary, 'runId' | 'status' | 'steps'>, command: Command): string {
  const cli = (words: string[], after: string[] = []) => suggestedCommand(command, words, run.runId, after);
  const failed = run.steps.find((step) => step.status === 'failed' || step.status === 'crashed');
  let next: string[];
  switch (run.status) {
    case 'running':
      next = [cli(['runs', 'watch']), cli(['logs'], ['--follow']), cli(['runs', 'cancel'])];
      break;
    case 'completed':
      next = [cli(['runs', 'show']), cli(['artifacts', 'list'])];
      break;
    case 'failed':
    case 'crashed':
      next = [...(failed ? [cli(['logs'], [shellWord(failed.id)])] : []), cli(['runs', 'show']), cli(['runs', 'retry'])];
      break;
    case 'cancelled':
      next = [cli(['runs', 'show']), cli(['runs', 'retry'])];
      break;
  }
  return `next: ${next.join(' · ')}`;
}

/** `pipewright [--store DIR] WORDS... RUN [AFTER...] [--orchestrator URL]`, with the flags the user gave `command` that it needs too. */
export function suggestedCommand(command: Command, words: string[], runId: string, after: string[] = []): string {
  const { store, remote } = repeatedFlags(command);
  return ['pipewright', ...store, ...words, runId, ...after, ...remote].join(' ');
}

/** The flags a user typed that the suggested commands need too: `--store`, and `--orchestrator`/`--token-file`/`--ca-file` unless from the environment. */
function repeatedFlags(command: Command): { store: string[]; remote: string[] } {
  const globals = command.optsWithGlobals<{ store?: string; orchestrator?: string; tokenFile?: string; caFile?: string }>();
  const store = globals.store === undefined ? [] : ['--store', shellWord(globals.store)];
  const remote: string[] = [];
  if (globals.orchestrator !== undefined && command.getOptionValueSource('orchestrator') !== 'env') remote.push('--orchestrator', shellWord(globals.orchestrator));
  if (globals.tokenFile !== undefined) remote.push('--token-file', shellWord(globals.tokenFile));
  if (globals.caFile !== undefined && command.getOptionValueSource('caFile') !== 'env') remote.push('--ca-file', shellWord(globals.caFile));
  return { store, remote };
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
