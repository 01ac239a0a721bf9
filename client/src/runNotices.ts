/**
 * Which notifications runs give, and when: a run this window started says it started (only while
 * it still runs: a quick run may be over before its submission returns) and says how it ended;
 * any other run says when it failed. Each run's end is said once. Pure (no vscode): the extension
 * passes the function that shows a notice.
 */
import type { RunStatus } from '../../runtime/src/model/status';
import { errorHeadline } from './failureText';
import type { RunView } from './runState';

export type NoticeAction = 'Show DAG' | 'Logs' | 'Retry' | 'Debug Step';

export interface RunNotice {
  severity: 'info' | 'error';
  text: string;
  actions: NoticeAction[];
  runId: string;
  pipeline: string;
  /** The step Logs (and Debug Step) opens: the failed one, else the run's last. */
  invocationId?: string;
}

const ENDED: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled', 'crashed']);

/** What a run that ended says: how, and for a failure where and why. */
export function endNotice(run: RunView): RunNotice {
  const steps = Object.values(run.steps);
  const failed = steps.find((step) => step.status === 'failed' || step.status === 'crashed');
  if (run.status === 'completed') {
    return { severity: 'info', text: `Pipewright: ${run.runName} completed (${steps.length} step${steps.length === 1 ? '' : 's'})`, actions: ['Show DAG', 'Logs'], runId: run.runId, pipeline: run.pipeline, invocationId: steps.at(-1)?.id };
  }
  // A notification is one line: the error's first (the whole message is a click away, in the DAG and the logs).
  const failure = failed && (failed.failure ? errorHeadline(failed.failure) : firstLine(failed.error ?? failed.status));
  const why = failed ? ` at step ${failed.id}: ${failure}` : run.error ? `: ${firstLine(run.error)}` : '';
  // A failed step can be debugged with the inputs it failed on.
  const actions: NoticeAction[] = ['Show DAG', 'Logs', 'Retry', ...(failed?.status === 'failed' ? (['Debug Step'] as const) : [])];
  return { severity: 'error', text: `Pipewright: ${run.runName} ${run.status}${why}`, actions, runId: run.runId, pipeline: run.pipeline, invocationId: failed?.id ?? steps.at(-1)?.id };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** How many runs that completed before they were known as this window's are remembered. */
const EARLY_ENDS_KEPT = 100;

export class RunNotices {
  private readonly own = new Set<string>();
  private readonly said = new Set<string>();
  /**
   * Runs heard completing before this window knew it started them, as they ended: the state read
   * when the submission returns may be older than that end (an API answer fetched before it).
   */
  private readonly endedEarly = new Map<string, RunView>();

  constructor(
    private readonly show: (notice: RunNotice) => void,
    private readonly run: (runId: string) => RunView | undefined,
  ) {}

  /** This window started `runId` (a submission or a retry returned it). */
  started(runId: string): void {
    this.own.add(runId);
    const run = this.run(runId);
    // An end heard already counts even where the state read now is older than it.
    const end = run && ENDED.has(run.status) ? run : this.endedEarly.get(runId);
    this.endedEarly.delete(runId);
    if (this.said.has(runId)) return;
    if (end) {
      this.said.add(runId);
      this.show(endNotice(end));
    } else this.show({ severity: 'info', text: `Pipewright: started ${run?.runName ?? runId}`, actions: ['Show DAG'], runId, pipeline: run?.pipeline ?? '' });
  }

  /** A run's status changed (from the event stream). */
  ended(runId: string): void {
    const run = this.run(runId);
    if (!run || !ENDED.has(run.status) || this.said.has(runId)) return;
    if (!this.own.has(runId) && run.status === 'completed') {
      this.endedEarly.set(runId, run);
      const oldest = this.endedEarly.keys().next().value;
      if (this.endedEarly.size > EARLY_ENDS_KEPT && oldest !== undefined) this.endedEarly.delete(oldest);
      return;
    }
    this.said.add(runId);
    this.show(endNotice(run));
  }
}
