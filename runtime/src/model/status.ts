/** Status of one step invocation within a run. */
export type StepStatus = 'pending' | 'running' | 'completed' | 'cached' | 'failed' | 'skipped' | 'cancelled' | 'crashed';

/** Status of a whole run. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'crashed';

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'failed', 'cancelled', 'crashed'];

/** A comma-separated list of run statuses (`failed,running`); throws naming an unknown one. */
export function parseRunStatuses(text: string): RunStatus[] {
  const statuses = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (statuses.length === 0) throw new Error(`expected one or more of ${RUN_STATUSES.join(', ')}, separated by commas`);
  for (const status of statuses) {
    if (!RUN_STATUSES.includes(status as RunStatus)) throw new Error(`unknown run status "${status}" (statuses: ${RUN_STATUSES.join(', ')})`);
  }
  return [...new Set(statuses as RunStatus[])];
}

/**
 * How one attempt of a step ended (or `running` while it executes). `lost`: its runner died or
 * stopped renewing its lease; `relinquished`: its worker was drained (SIGTERM) and handed it back
 * unfinished, so it runs again elsewhere at once, charged to neither the step's `retry` nor its
 * `maxLostRetries`; `fenced` is never stored: a late result of a lost attempt is refused.
 */
export type AttemptStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'crashed' | 'lost' | 'relinquished';

/** ZenML's execution modes: what happens to the rest of the DAG when a step fails. */
export type ExecutionMode = 'failFast' | 'stopOnFailure' | 'continueOnFailure';

export const EXECUTION_MODES: readonly ExecutionMode[] = ['failFast', 'stopOnFailure', 'continueOnFailure'];

const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set(['completed', 'cached', 'failed', 'skipped', 'cancelled', 'crashed']);
const TERMINAL_RUN: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled', 'crashed']);

export function isTerminalStepStatus(status: StepStatus): boolean {
  return TERMINAL_STEP.has(status);
}

export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN.has(status);
}

/** A step that finished with usable outputs. */
export function isSuccessfulStepStatus(status: StepStatus): boolean {
  return status === 'completed' || status === 'cached';
}
