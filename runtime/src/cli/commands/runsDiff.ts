import type { Command } from 'commander';
import { diffRuns, type RunDiff, type StepDiff } from '../../model/runDiff';
import { runWithContents } from '../../store/runContents';
import { formatParameter, hashPrefix } from '../format';
import { formatDuration } from '../progress';
import { addOrchestratorOptions } from '../remoteOrchestrator';
import { findRunOrFail, withRunSource } from '../storeAccess';
import { alignColumns } from '../table';

/** `pipewright runs diff A B`: two runs side by side, parameters that differ first, then each invocation. */
export function registerRunsDiff(runs: Command): void {
  addOrchestratorOptions(
    runs
      .command('diff')
      .description('compare two runs: parameters, and per step its status, duration and output hashes (A against B)')
      .argument('<a>', 'run id, id prefix or run name')
      .argument('<b>', 'run id, id prefix or run name')
      .option('--json', 'print the comparison as one JSON object'),
  ).action(async (nameA: string, nameB: string, flags: { json?: boolean }, command: Command) => {
    const diff = await withRunSource(
      command,
      (client) => client.diffRuns({ run: nameA, other: nameB }),
      async (store) => {
        const [a, b] = [await findRunOrFail(store, nameA), await findRunOrFail(store, nameB)];
        // The same run twice is refused by diffRuns (exit 2), after both names were found.
        return diffRuns(await runWithContents(store, a.id), await runWithContents(store, b.id));
      },
    );
    for (const warning of diff.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(flags.json ? `${JSON.stringify(diff)}\n` : `${runDiffText(diff)}\n`);
  });
}

/** The comparison as the terminal shows it: both runs, differing parameters, each invocation, a count line. */
export function runDiffText(diff: RunDiff): string {
  const lines: string[] = [];
  const duration = (ms: number | null) => (ms === null ? '–' : formatDuration(ms));
  lines.push(
    ...alignColumns([
      ['', 'RUN', 'PIPELINE', 'STATUS', 'DURATION'],
      ['A', `${diff.a.runName} (${diff.a.runId.slice(0, 8)})`, diff.a.pipeline, diff.a.status, duration(diff.a.durationMs)],
      ['B', `${diff.b.runName} (${diff.b.runId.slice(0, 8)})`, diff.b.pipeline, diff.b.status, duration(diff.b.durationMs)],
    ]),
  );
  const changedParameters = diff.parameters.filter((parameter) => !parameter.same);
  lines.push('', diff.parameters.length === 0 ? 'parameters: none in either run' : changedParameters.length === 0 ? `parameters: all ${diff.parameters.length} equal` : 'parameters that differ:');
  const value = (present: boolean, stored: unknown) => (present ? formatParameter(stored, 60) : '(absent)');
  lines.push(...alignColumns(changedParameters.map((p) => [`  ${p.name}`, value('a' in p, p.a), '→', value('b' in p, p.b)])));
  lines.push('', ...alignColumns([['STEP', 'CHANGE', 'A', 'B', 'Δ DURATION', 'OUTPUTS'], ...diff.steps.map(stepRow)], [4]));
  const { summary } = diff;
  lines.push(
    '',
    `${summary.parametersChanged} parameter(s) differ; steps: ${summary.changed} changed, ${summary.added} added, ${summary.removed} removed, ${summary.same} same; ${summary.outputsChanged} output(s) differ`,
  );
  return lines.join('\n');
}

function stepRow(step: StepDiff): string[] {
  const side = (s: StepDiff['a']) => (s === undefined ? '–' : `${s.cached ? 'cached' : s.status}${s.durationMs === null ? '' : ` ${formatDuration(s.durationMs)}`}${s.attempts > 1 ? ` ×${s.attempts}` : ''}`);
  const delta = step.durationDeltaMs === null ? '' : `${step.durationDeltaMs >= 0 ? '+' : '−'}${formatDuration(Math.abs(step.durationDeltaMs))}`;
  const outputs = step.outputs
    .map((o) => (o.change === 'same' ? `${o.name} =` : o.change === 'different' ? `${o.name} ${hashPrefix(o.a!)}≠${hashPrefix(o.b!)}` : `${o.name} ${o.change}`))
    .join(', ');
  return [step.id, step.change, side(step.a), side(step.b), delta, outputs];
}
