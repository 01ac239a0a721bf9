/**
 * What the code lens above a step or pipeline definition says of its last runs: `✓ 2.3 s · 2 min
 * ago`, `◆ cached`, `✗ failed: <first line>`, `● running 12 s`, fan-out as `✓ 12/12`, and the
 * tooltip's last few runs. Pure (no vscode): from the extension's live runs state.
 */
import { formatDuration } from '../../contracts/src/heartbeat';
import { isSuccessfulStepStatus } from '../../runtime/src/model/status';
import { errorHeadline } from './failureText';
import type { RunsState, RunView, StepView } from './runState';

/** Which definition a lens sits above. */
export type LensTarget = { kind: 'step'; step: string } | { kind: 'pipeline'; pipeline: string };

/** One run of a definition: the run and, for a step, its invocations of the step in that run. */
export interface DefinitionRun {
  run: RunView;
  invocations: StepView[];
}

/** What a lens shows: its title, tooltip, and the failed invocation it links to (when it failed). */
export interface LastRunLens {
  title: string;
  tooltip: string;
  runId: string;
  /** The failed invocation whose logs the lens opens. */
  failed?: string;
}

/** How many runs the tooltip lists. */
export const HISTORY_RUNS = 5;

/** `just now`, `12 s ago`, `2 min ago`, `3 h ago`, `4 d ago`. */
export function formatAgo(ms: number): string {
  if (ms < 5000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/**
 * The runs of a definition, newest first. A step's run is one with an invocation of the step
 * (by step name, in any pipeline) that did something: a run where all of them are still pending
 * or were skipped says nothing about the step's code and is left out.
 */
export function definitionRuns(state: RunsState, target: LensTarget): DefinitionRun[] {
  const found: DefinitionRun[] = [];
  for (const id of state.order) {
    const run = state.runs[id];
    if (!run) continue;
    if (target.kind === 'pipeline') {
      if (run.pipeline === target.pipeline) found.push({ run, invocations: Object.values(run.steps) });
      continue;
    }
    const invocations = Object.values(run.steps).filter((step) => step.step === target.step);
    if (invocations.some((step) => step.status !== 'pending' && step.status !== 'skipped')) found.push({ run, invocations });
  }
  return found;
}

/** A running time as a lens ticking each second shows it: `12 s`, then `3 m 05 s`. */
function formatElapsed(ms: number): string {
  return ms < 60_000 ? `${Math.floor(ms / 1000)} s` : formatDuration(ms);
}

/** When a run ended (its start plus its duration), or undefined while it runs. */
function endedAt(run: RunView): number | undefined {
  return run.startedAt !== undefined && run.durationMs !== undefined ? run.startedAt + run.durationMs : undefined;
}

function ago(run: RunView, now: number): string[] {
  const end = endedAt(run);
  return end === undefined ? [] : [formatAgo(Math.max(0, now - end))];
}

/** A step's result in one run: the headline and the invocation that failed, if one did. */
function stepResult(invocations: StepView[], run: RunView, now: number): { text: string; failed?: string } {
  const total = invocations.length;
  const count = (predicate: (step: StepView) => boolean) => invocations.filter(predicate).length;
  const fanOut = (n: number) => (total > 1 ? ` ${n}/${total}` : '');
  const running = invocations.filter((step) => step.status === 'running');
  if (running.length > 0) {
    const since = Math.min(...running.map((step) => step.startedAt ?? now));
    return { text: `● running${fanOut(running.length)} ${formatElapsed(Math.max(0, now - since))}` };
  }
  const failed = invocations.find((step) => step.status === 'failed' || step.status === 'crashed');
  if (failed) {
    const headline = failed.failure ? errorHeadline(failed.failure) : (failed.error?.split('\n')[0] ?? failed.status);
    const failedCount = count((step) => step.status === 'failed' || step.status === 'crashed');
    return { text: `✗${fanOut(failedCount)} failed: ${headline}`, failed: failed.id };
  }
  const done = count((step) => step.status === 'completed' || step.status === 'cached');
  if (done === total && count((step) => step.status === 'cached') === total) return { text: `◆${fanOut(total)} cached` };
  if (done === total) {
    const longest = Math.max(0, ...invocations.map((step) => (step.status === 'completed' ? (step.durationMs ?? 0) : 0)));
    return { text: [...(total > 1 ? [`✓ ${done}/${total}`] : []), `${total > 1 ? '' : '✓ '}${formatDuration(longest)}`, ...ago(run, now)].join(' · ') };
  }
  if (count((step) => step.status === 'cancelled') > 0) return { text: `⊘ cancelled${fanOut(count((step) => step.status === 'cancelled'))}` };
  if (run.status === 'running') return { text: `○ waiting${fanOut(count((step) => step.status === 'pending'))}` };
  return { text: `${invocations[0]?.status ?? run.status}${fanOut(done)}` };
}

/** A pipeline's result in one run. */
function pipelineResult(run: RunView, now: number): { text: string; failed?: string } {
  const steps = Object.values(run.steps);
  switch (run.status) {
    case 'running': {
      const done = steps.filter((step) => isSuccessfulStepStatus(step.status)).length;
      return { text: [`● running ${formatElapsed(Math.max(0, now - (run.startedAt ?? now)))}`, ...(steps.length > 0 ? [`${done}/${steps.length} steps`] : [])].join(' · ') };
    }
    case 'completed': {
      if (steps.length > 0 && steps.every((step) => step.status === 'cached')) return { text: ['◆ cached', ...ago(run, now)].join(' · ') };
      return { text: [`✓ ${formatDuration(run.durationMs ?? 0)}`, ...ago(run, now)].join(' · ') };
    }
    case 'failed':
    case 'crashed': {
      const step = steps.find((candidate) => candidate.status === 'failed' || candidate.status === 'crashed');
      const headline = step?.failure ? `${step.id}: ${errorHeadline(step.failure)}` : (run.error?.split('\n')[0] ?? run.status);
      return { text: `✗ ${run.status}: ${headline}`, ...(step ? { failed: step.id } : {}) };
    }
    case 'cancelled':
      return { text: ['⊘ cancelled', ...ago(run, now)].join(' · ') };
  }
}

function resultOf(target: LensTarget, entry: DefinitionRun, now: number): { text: string; failed?: string } {
  return target.kind === 'step' ? stepResult(entry.invocations, entry.run, now) : pipelineResult(entry.run, now);
}

/**
 * The lens of a definition: the newest run's result, and a tooltip with the last few runs (each
 * with its run name and pipeline). Undefined when the definition has not run (in the runs the
 * extension holds): the editor then shows nothing.
 */
export function lastRunLens(state: RunsState, target: LensTarget, now: number): LastRunLens | undefined {
  const runs = definitionRuns(state, target);
  const newest = runs[0];
  if (!newest) return undefined;
  const result = resultOf(target, newest, now);
  const history = runs.slice(0, HISTORY_RUNS).map((entry) => {
    const line = resultOf(target, entry, now).text;
    const where = target.kind === 'step' ? `${entry.run.runName} (${entry.run.pipeline})` : entry.run.runName;
    return `${line}  —  ${where}`;
  });
  const heading = `Last ${history.length === 1 ? 'run' : `${history.length} runs`} of ${target.kind === 'step' ? `step ${target.step}` : `pipeline ${target.pipeline}`}, newest first:`;
  const lens: LastRunLens = { title: result.text, tooltip: [heading, ...history, ...(result.failed ? ['', 'Click to open the failed step\'s logs.'] : [])].join('\n'), runId: newest.run.runId };
  if (result.failed) lens.failed = result.failed;
  return lens;
}

/** Whether a lens's text changes with time alone (a running elapsed time, or an age). */
export function ticksWithTime(state: RunsState): 'fast' | 'slow' {
  return state.order.some((id) => state.runs[id]?.status === 'running') ? 'fast' : 'slow';
}
