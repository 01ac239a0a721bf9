/**
 * Two runs side by side (`pipewright runs diff A B`, `GET /runs/:run/diff/:other`, the editor's
 * "Compare with…"): their parameters, and per invocation its status, attempts, duration and the
 * hash of each committed output. Pure: the one rule of what "differs" means.
 *
 * Invocations are matched by id (`fit`, `prep/clean_2`), so runs of two pipelines can be compared
 * too (a renamed pipeline, a one-step run `step:NAME` beside the whole pipeline): the answer says
 * so with a warning rather than refusing. The same run given twice is refused: nothing can differ.
 */
import { InputError } from './errorCodes';
import type { RunContents, RunSummary } from './runSummary';
import type { RunStatus, StepStatus } from './status';

/** What a diff reads of a run: its summary, its parameters and its committed outputs. */
export type DiffableRun = RunSummary & Pick<RunContents, 'parameters'> & Partial<Pick<RunContents, 'outputs'>>;

export interface RunDiffSide {
  runId: string;
  runName: string;
  pipeline: string;
  status: RunStatus;
  createdAt: string;
  durationMs: number | null;
}

/** One parameter in both runs; `a` or `b` is absent when that run did not have it. Values in the stored encoding. */
export interface ParameterDiff {
  name: string;
  a?: unknown;
  b?: unknown;
  same: boolean;
}

/** One output of an invocation: the content hash in each run (absent: that run did not commit it). */
export interface OutputDiff {
  name: string;
  a?: string;
  b?: string;
  change: 'same' | 'different' | 'added' | 'removed';
}

export interface StepDiffSide {
  status: StepStatus;
  attempts: number;
  cached: boolean;
  durationMs: number | null;
}

/**
 * One invocation: `added` only in B, `removed` only in A, `changed` when its outcome or an output's
 * hash differs (`cached` and `completed` are one outcome; a duration alone never makes a step
 * changed: no two runs take the same time).
 */
export interface StepDiff {
  id: string;
  step: string;
  change: 'same' | 'changed' | 'added' | 'removed';
  a?: StepDiffSide;
  b?: StepDiffSide;
  /** B's duration minus A's, when both have one. */
  durationDeltaMs: number | null;
  outputs: OutputDiff[];
}

export interface RunDiff {
  a: RunDiffSide;
  b: RunDiffSide;
  samePipeline: boolean;
  /** What the reader should know before reading the rest (runs of two pipelines). */
  warnings: string[];
  /** Parameters that differ first, then those that are equal, each by name. */
  parameters: ParameterDiff[];
  /** A's invocations in A's order, then those only B has, in B's order. */
  steps: StepDiff[];
  summary: { parametersChanged: number; added: number; removed: number; changed: number; same: number; outputsChanged: number };
}

/** `a` against `b`; throws an `InputError` (exit 2, HTTP 400) when both are the same run. */
export function diffRuns(a: DiffableRun, b: DiffableRun): RunDiff {
  if (a.runId === b.runId) throw new InputError(`run ${a.runName} (${a.runId}) was given twice: compare two different runs`);
  const samePipeline = a.pipeline === b.pipeline;
  const warnings = samePipeline ? [] : [`the runs are of different pipelines (${a.pipeline}, ${b.pipeline}): invocations are matched by id`];
  const parameters = diffParameters(a.parameters, b.parameters);
  const steps = diffSteps(a, b);
  const count = (change: StepDiff['change']) => steps.filter((step) => step.change === change).length;
  return {
    a: sideOf(a),
    b: sideOf(b),
    samePipeline,
    warnings,
    parameters,
    steps,
    summary: {
      parametersChanged: parameters.filter((parameter) => !parameter.same).length,
      added: count('added'),
      removed: count('removed'),
      changed: count('changed'),
      same: count('same'),
      outputsChanged: steps.reduce((sum, step) => sum + step.outputs.filter((output) => output.change !== 'same').length, 0),
    },
  };
}

function sideOf(run: DiffableRun): RunDiffSide {
  return { runId: run.runId, runName: run.runName, pipeline: run.pipeline, status: run.status, createdAt: run.createdAt, durationMs: run.durationMs };
}

function diffParameters(a: Record<string, unknown>, b: Record<string, unknown>): ParameterDiff[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diffs = names.map((name): ParameterDiff => {
    const inA = Object.hasOwn(a, name);
    const inB = Object.hasOwn(b, name);
    return { name, ...(inA ? { a: a[name] } : {}), ...(inB ? { b: b[name] } : {}), same: inA && inB && canonicalJson(a[name]) === canonicalJson(b[name]) };
  });
  return [...diffs.filter((d) => !d.same), ...diffs.filter((d) => d.same)];
}

function diffSteps(a: DiffableRun, b: DiffableRun): StepDiff[] {
  const inB = new Map(b.steps.map((step) => [step.id, step]));
  const inA = new Set(a.steps.map((step) => step.id));
  const hashesA = outputHashes(a);
  const hashesB = outputHashes(b);
  const none = new Map<string, string>();
  const diffs: StepDiff[] = [];
  for (const stepA of a.steps) {
    const stepB = inB.get(stepA.id);
    const outputs = diffOutputs(hashesA.get(stepA.id) ?? none, (stepB && hashesB.get(stepB.id)) ?? none);
    if (!stepB) {
      diffs.push({ id: stepA.id, step: stepA.step, change: 'removed', a: stepSide(stepA), durationDeltaMs: null, outputs });
      continue;
    }
    const changed = outcomeOf(stepA.status) !== outcomeOf(stepB.status) || outputs.some((output) => output.change !== 'same');
    const delta = stepA.durationMs !== null && stepB.durationMs !== null ? stepB.durationMs - stepA.durationMs : null;
    diffs.push({ id: stepA.id, step: stepB.step, change: changed ? 'changed' : 'same', a: stepSide(stepA), b: stepSide(stepB), durationDeltaMs: delta, outputs });
  }
  for (const stepB of b.steps) {
    if (inA.has(stepB.id)) continue;
    diffs.push({ id: stepB.id, step: stepB.step, change: 'added', b: stepSide(stepB), durationDeltaMs: null, outputs: diffOutputs(none, hashesB.get(stepB.id) ?? none) });
  }
  return diffs;
}

/** A step reused from the cache succeeded as one that ran did: only its outputs can tell them apart. */
function outcomeOf(status: StepStatus): StepStatus {
  return status === 'cached' ? 'completed' : status;
}

function stepSide(step: RunSummary['steps'][number]): StepDiffSide {
  return { status: step.status, attempts: step.attempts, cached: step.cached, durationMs: step.durationMs };
}

/** Each step's committed outputs' hashes by name, from the run's outputs map or, in a `runs show` shape, each step's own list. */
function outputHashes(run: DiffableRun): Map<string, Map<string, string>> {
  const byStep = new Map<string, Map<string, string>>();
  for (const step of run.steps) {
    const outputs = run.outputs?.[step.id] ?? step.outputs ?? [];
    byStep.set(step.id, new Map(outputs.map((output) => [output.name, output.hash])));
  }
  return byStep;
}

function diffOutputs(a: Map<string, string>, b: Map<string, string>): OutputDiff[] {
  const names = [...new Set([...a.keys(), ...b.keys()])];
  return names.map((name): OutputDiff => {
    const hashA = a.get(name);
    const hashB = b.get(name);
    const change = hashA === undefined ? 'added' : hashB === undefined ? 'removed' : hashA === hashB ? 'same' : 'different';
    return { name, ...(hashA === undefined ? {} : { a: hashA }), ...(hashB === undefined ? {} : { b: hashB }), change };
  });
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : inner,
  );
}
