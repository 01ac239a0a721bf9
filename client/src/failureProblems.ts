/**
 * The Problems entries of failed steps: each step's latest outcome, across the runs the
 * extension knows, newest first; a step whose latest run failed it has one entry, at the first
 * frame of its stack in the user's code, until the step runs again. Pure (no vscode).
 */
import { errorLines } from '../../runtime/src/model/attemptError';
import type { RunsState } from './runState';
import { errorHeadline } from './failureText';
import { stackFrames, userFrame, type CodeRoots } from './stackFrames';

export interface FailureProblem {
  /** Absolute path of the file, 1-based line and column (as in the stack). */
  file: string;
  line: number;
  column: number;
  message: string;
  pipeline: string;
  invocationId: string;
  runId: string;
}

/** Statuses that say nothing about the step's code (it did not run in that run). */
const NOT_RUN = new Set(['pending', 'skipped']);

export function failureProblems(state: RunsState, roots: CodeRoots): FailureProblem[] {
  const decided = new Set<string>();
  const problems: FailureProblem[] = [];
  for (const runId of state.order) {
    const run = state.runs[runId];
    if (!run) continue;
    for (const step of Object.values(run.steps)) {
      const key = `${run.pipeline}\u0000${step.id}`;
      if (decided.has(key) || NOT_RUN.has(step.status)) continue;
      decided.add(key);
      if (step.status !== 'failed' || !step.failure) continue;
      const frame = userFrame(stackFrames(step.failure.stack, roots));
      if (!frame) continue;
      const detail = errorLines(step.failure).slice(1).filter((line) => !/^\s*at /.test(line));
      problems.push({
        file: frame.file,
        line: frame.line,
        column: frame.column,
        message: [`step ${step.id} failed in run ${run.runName}: ${errorHeadline(step.failure)}`, ...detail].join('\n'),
        pipeline: run.pipeline,
        invocationId: step.id,
        runId,
      });
    }
  }
  return problems;
}
