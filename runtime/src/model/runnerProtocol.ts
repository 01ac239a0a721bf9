/**
 * The typed protocol between the engine and its runner processes (Node IPC, structured
 * clone). Every message is plain data; code never crosses the boundary.
 */
import type { ArtifactRef } from './artifactRef';
import type { TypeDescriptor } from './typeDescriptor';
import type { AttemptError } from './attemptError';
import type { PipelineDag } from './dag';
import type { SourceLocation } from './location';
import type { LeaseGrant } from './heartbeatProtocol';
import type { RunTarget } from './runTarget';

/** Where a runner finds the pipeline's code and the run's data. */
export interface RunnerConfig {
  bundlePath: string;
  artifactsDir: string;
  /** The run's working folder: the runner moves there before loading the bundle, so steps' relative paths resolve against it. */
  workingDir: string;
  /** Where the bundle's external packages (native addons, listed externals) are resolved from: this folder's node_modules and those above. */
  projectDir: string;
}

/** Identifies the run a task belongs to; the runner rebuilds the DAG from it to reach hooks and materializers. */
export interface RunIdentity {
  runId: string;
  runName: string;
  /** The run's pipeline as shown (`runTargetLabel`): what step contexts call `pipeline`. */
  pipeline: string;
  /** What the runner compiles: the pipeline, or the one step. */
  target: RunTarget;
  /** Pipeline parameters in the structured encoding. */
  parameters: Record<string, unknown>;
}

/** Which output of which step an input artifact is (named in errors about reading it). */
export interface ArtifactSource {
  step: string;
  output: string;
}

export type ResolvedInput =
  | { kind: 'artifact'; ref: ArtifactRef; source?: ArtifactSource }
  | { kind: 'fanIn'; items: ({ kind: 'artifact'; ref: ArtifactRef; source?: ArtifactSource } | { kind: 'value'; value: unknown })[] }
  | { kind: 'value'; value: unknown };

export interface ExecuteTask {
  run: RunIdentity;
  invocationId: string;
  stepName: string;
  /** The step's worker pool when it names one (remote workers only; a runner ignores it). */
  pool?: string;
  /** The labels the remote worker must have, when the step requires some (a runner ignores them). */
  labels?: Record<string, string>;
  attempt: number;
  inputs: Record<string, ResolvedInput>;
  /** Declared parameter types, checked against the values before the function runs. */
  inputTypes: Record<string, TypeDescriptor>;
  /** Where to renew the attempt's lease; the attempt number is its epoch. */
  lease?: LeaseGrant;
}

export interface HookTask {
  run: RunIdentity;
  invocationId: string;
  stepName: string;
  /** The step's worker pool when it names one (remote workers only; a runner ignores it). */
  pool?: string;
  /** The labels the remote worker must have, when the step requires some (a runner ignores them). */
  labels?: Record<string, string>;
  attempt: number;
  hook: 'onSuccess' | 'onFailure';
  inputs: Record<string, ResolvedInput>;
  /** The failure an `onFailure` hook is given (rebuilt as an Error in the runner). */
  error?: AttemptError;
}

/** Asks for the inputs part of an invocation's cache key, computed by the step's own `cacheKey` function. */
export interface CacheKeyTask {
  run: RunIdentity;
  invocationId: string;
  stepName: string;
  /** The step's worker pool when it names one (remote workers only; a runner ignores it). */
  pool?: string;
  /** The labels the remote worker must have, when the step requires some (a runner ignores them). */
  labels?: Record<string, string>;
  inputs: Record<string, ResolvedInput>;
}

/**
 * Artifact bytes an execute task's message carries, so that neither side makes a file for them
 * (a remote worker's runners: the worker keeps recent small artifacts in memory and sends them
 * on inside its result). Over the runner's IPC channel (V8 serialization), never over HTTP.
 */
export interface ExecuteBytes {
  /** Bytes of some of the task's input artifacts, by hash, checked against it: read from here, not from the artifact folder. */
  inputBytes?: Map<string, Uint8Array>;
  /** Outputs of at most this many bytes come back as bytes (`executed.outputBytes`), written nowhere; larger ones are written to the folder. */
  returnBytesUpTo?: number;
}

/** Messages from the engine to a runner. */
export type ToRunner =
  | { type: 'compile'; requestId: number; target: RunTarget; parameters: Record<string, unknown> }
  | ({ type: 'execute'; requestId: number; task: ExecuteTask } & ExecuteBytes)
  | { type: 'hook'; requestId: number; task: HookTask }
  | { type: 'cacheKey'; requestId: number; task: CacheKeyTask }
  | { type: 'childRunDone'; requestId: number; result?: ChildRunOutcome; error?: string };

export interface ChildRunOutcome {
  runId: string;
  status: string;
  outputs: Record<string, ArtifactRef | ArtifactRef[]>;
}

/** A failed task: what was thrown (name, message, user stack, JSON value) and how to treat it. */
export interface TaskError extends AttemptError {
  /** False when another attempt cannot help (bad input types, missing outputs). */
  retryable: boolean;
  /** True when the runner itself went away (a disruption, not the step's failure). */
  lost?: boolean;
  /** True when its worker handed the attempt back unfinished (drained): run again elsewhere, charged to no budget. */
  relinquished?: boolean;
  location?: SourceLocation;
}

/** Messages from a runner to the engine. */
export type FromRunner =
  | { type: 'ready' }
  | { type: 'loadFailed'; error: TaskError }
  | { type: 'compiled'; requestId: number; dag: PipelineDag }
  | { type: 'executed'; requestId: number; attempt?: number; outputs: Record<string, ArtifactRef>; outputBytes?: Map<string, Uint8Array> }
  | { type: 'hookDone'; requestId: number; source: string }
  | { type: 'cacheKeyDone'; requestId: number; key: string }
  | { type: 'taskFailed'; requestId: number; attempt?: number; error: TaskError }
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'childRun'; requestId: number; parentRunId: string; parentInvocation: string; pipeline: string; parameters: Record<string, unknown> };
