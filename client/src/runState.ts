/**
 * Live state of runs, as the extension shows them: seeded from `GET /runs` and advanced by the
 * orchestrator's event stream. Pure (no vscode): `reduceRunEvent` returns a new state.
 */
import type { EngineEvent } from '../../runtime/src/model/events';
import type { RunStatus, StepStatus } from '../../runtime/src/model/status';
import type { RunDetail } from '../../runtime/src/api/protocol';
import type { AttemptError } from '../../runtime/src/model/attemptError';
import type { OutputSummary } from '../../runtime/src/model/runSummary';
import type { AttemptHeartbeat } from '../../runtime/src/model/heartbeatProtocol';

export interface StepView {
  id: string;
  step: string;
  status: StepStatus;
  /** Attempts made so far (lost ones included). */
  attempts: number;
  cached: boolean;
  durationMs?: number;
  /** Start of the current attempt, while running. */
  startedAt?: number;
  /** Last heartbeat of the current attempt, while running. */
  heartbeatAt?: number;
  /** The heartbeat settings of the current attempt's lease, while running, as the orchestrator sent them. */
  heartbeatSettings?: AttemptHeartbeat;
  error?: string;
  /** The whole failure (name, message, source-mapped stack), when the step failed. */
  failure?: AttemptError;
  /** Committed outputs, as the API last described them (the event stream does not carry them). */
  outputs?: OutputSummary[];
  /** Attempts a drained worker handed back unfinished (`relinquished`: run again elsewhere, charged to no retry), as the stream told them. */
  relinquished?: { attempt: number; detail?: string }[];
}

export interface RunView {
  runId: string;
  runName: string;
  pipeline: string;
  status: RunStatus;
  startedAt?: number;
  durationMs?: number;
  error?: string;
  /** The run this one was made from (a retry's source, or a child run's parent), from the API. */
  parentRunId?: string;
  /** In DAG order as first seen. */
  steps: Record<string, StepView>;
}

export interface RunsState {
  runs: Record<string, RunView>;
  /** Newest first. */
  order: string[];
}

export const emptyRunsState: RunsState = { runs: {}, order: [] };

/** A run as `GET /runs/:id` describes it. */
export function runViewFromDetail(detail: RunDetail): RunView {
  const steps: Record<string, StepView> = {};
  for (const step of detail.steps) {
    const attempts = detail.attempts?.[step.id] ?? [];
    const current = attempts.at(-1);
    const view: StepView = { id: step.id, step: step.step, status: step.status, attempts: step.attempts, cached: step.cached };
    if (step.durationMs !== null) view.durationMs = step.durationMs;
    if (step.error) {
      view.error = step.error.message;
      view.failure = step.error;
    }
    const outputs = detail.outputs?.[step.id];
    if (outputs) view.outputs = outputs;
    const relinquished = attempts.filter((attempt) => attempt.status === 'relinquished');
    if (relinquished.length > 0) view.relinquished = relinquished.map((attempt) => ({ attempt: attempt.attempt, ...(attempt.error ? { detail: attempt.error.message } : {}) }));
    if (step.status === 'running' && current) {
      view.startedAt = current.startedAt;
      if (current.heartbeatAt !== null) view.heartbeatAt = current.heartbeatAt;
      if (current.heartbeat) view.heartbeatSettings = current.heartbeat;
    }
    steps[step.id] = view;
  }
  const run: RunView = { runId: detail.runId, runName: detail.runName, pipeline: detail.pipeline, status: detail.status, steps, startedAt: Date.parse(detail.createdAt) };
  if (detail.durationMs !== null) run.durationMs = detail.durationMs;
  if (detail.error) run.error = detail.error;
  if (detail.parentRunId) run.parentRunId = detail.parentRunId;
  return run;
}

/**
 * The name (else the id) of the run that `run` retries, or undefined when it is no retry. The API
 * gives one parent link for retries and for child runs (`runPipeline` inside a step); a retry is
 * told apart by its parent being of the same pipeline or, when the parent is not known here, by
 * the name the runtime gives retries (`<source>-retry`, `<source>-retry-2`, ...).
 */
export function retriedRun(state: RunsState, run: RunView): string | undefined {
  if (run.parentRunId === undefined) return undefined;
  const parent = state.runs[run.parentRunId];
  if (parent) return parent.pipeline === run.pipeline ? parent.runName : undefined;
  return /-retry(-\d+)?$/.test(run.runName) ? run.parentRunId : undefined;
}

/** Replaces (or adds) runs from API answers, keeping newest first. */
export function withRuns(state: RunsState, details: RunDetail[]): RunsState {
  const runs = { ...state.runs };
  for (const detail of details) runs[detail.runId] = runViewFromDetail(detail);
  const order = Object.values(runs)
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))
    .map((run) => run.runId);
  return { runs, order };
}

function withRun(state: RunsState, run: RunView): RunsState {
  const order = state.order.includes(run.runId) ? state.order : [run.runId, ...state.order];
  return { runs: { ...state.runs, [run.runId]: run }, order };
}

function withStep(state: RunsState, runId: string, invocationId: string, update: (step: StepView) => StepView): RunsState {
  const run = state.runs[runId];
  if (!run) return state;
  const step = run.steps[invocationId] ?? { id: invocationId, step: invocationId, status: 'pending', attempts: 0, cached: false };
  return withRun(state, { ...run, steps: { ...run.steps, [invocationId]: update(step) } });
}

/** Advances the state by one event of the orchestrator's stream. Events of unknown runs only create runs (`run` events). */
export function reduceRunEvent(state: RunsState, event: EngineEvent): RunsState {
  switch (event.type) {
    case 'run': {
      const existing = state.runs[event.runId];
      const run: RunView = existing
        ? { ...existing, status: event.status }
        : { runId: event.runId, runName: event.runName, pipeline: event.pipeline, status: event.status, startedAt: event.at, steps: {} };
      if (event.status !== 'running' && run.startedAt !== undefined) run.durationMs = event.at - run.startedAt;
      if (event.status === 'running') delete run.durationMs;
      if (event.error) run.error = event.error;
      return withRun(state, run);
    }
    case 'step':
      return withStep(state, event.runId, event.invocationId, (step) => {
        const next: StepView = { ...step, step: event.stepName, status: event.status, attempts: Math.max(step.attempts, event.attempt), cached: event.cached };
        if (event.status === 'running') {
          next.startedAt = event.at;
          delete next.heartbeatAt;
          delete next.heartbeatSettings;
          delete next.durationMs;
          delete next.error;
          delete next.failure;
          delete next.outputs;
        } else {
          delete next.startedAt;
          delete next.heartbeatAt;
          delete next.heartbeatSettings;
          if (event.durationMs !== undefined) next.durationMs = event.durationMs;
        }
        if (event.error) {
          next.error = event.error.message;
          next.failure = event.error;
        }
        return next;
      });
    case 'attempt':
      if (event.status === 'relinquished') {
        return withStep(state, event.runId, event.invocationId, (step) => ({ ...step, relinquished: [...(step.relinquished ?? []).filter((r) => r.attempt !== event.attempt), { attempt: event.attempt, detail: event.detail }] }));
      }
      if (event.status !== 'running') return state;
      return withStep(state, event.runId, event.invocationId, (step) => {
        const next: StepView = { ...step, status: 'running', attempts: Math.max(step.attempts, event.attempt), startedAt: event.at, heartbeatAt: undefined };
        if (event.heartbeat) next.heartbeatSettings = event.heartbeat;
        else delete next.heartbeatSettings;
        return next;
      });
    case 'heartbeat':
      return withStep(state, event.runId, event.invocationId, (step) =>
        // A beat of a replaced attempt says nothing about the current one.
        event.attempt < step.attempts ? step : { ...step, heartbeatAt: event.at },
      );
    case 'retry':
    case 'hook':
    case 'log':
      return state;
  }
}

/** Drops the oldest finished runs beyond `keep`; running runs are always kept. */
export function pruneRuns(state: RunsState, keep: number): RunsState {
  const kept = state.order.filter((id, index) => index < keep || state.runs[id]?.status === 'running');
  if (kept.length === state.order.length) return state;
  const runs: Record<string, RunView> = {};
  for (const id of kept) runs[id] = state.runs[id];
  return { runs, order: kept };
}

export function runningCount(state: RunsState): number {
  return state.order.filter((id) => state.runs[id]?.status === 'running').length;
}

/**
 * The run a DAG panel of `pipeline` shows: the one it follows if loaded, else the latest run of
 * the pipeline, unless the panel waits for the run it followed before a window reload (`waiting`).
 */
export function runForPanel(state: RunsState, pipeline: string, followed: string | null, waiting: boolean): RunView | undefined {
  const run = followed === null ? undefined : state.runs[followed];
  if (run?.pipeline === pipeline) return run;
  if (waiting) return undefined;
  return state.order.map((id) => state.runs[id]).find((candidate) => candidate?.pipeline === pipeline);
}
