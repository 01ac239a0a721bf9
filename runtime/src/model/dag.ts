import type { SourceLocation } from './location';
import type { ExecutionMode } from './status';
import type { RunTarget } from './runTarget';
import type { z } from 'zod';
import type { heartbeatSettingsSchema, nodeDataOptionsSchema, nodeOverrideSchema, retryPolicySchema } from './runOptions';

/** Reference to one named output of an upstream invocation. */
export interface OutputRef {
  from: string;
  output: string;
}

/**
 * How one input of an invocation gets its value:
 * - `artifact`: the output of an upstream invocation (a data edge);
 * - `fanIn`: an array whose items are upstream outputs (and possibly literal values);
 * - `value`: a literal parameter, stored in the safe structured encoding (see artifacts/structured).
 */
export type InputBinding =
  | { kind: 'artifact'; ref: OutputRef }
  | { kind: 'fanIn'; items: FanInItem[] }
  | { kind: 'value'; value: unknown };

export type FanInItem = { kind: 'artifact'; ref: OutputRef } | { kind: 'value'; value: unknown };

/** Retry policy in seconds: waits `delay`, `delay * backoff`, `delay * backoff^2`, ... */
export type RetryPolicy = z.output<typeof retryPolicySchema>;

/** Heartbeat settings in seconds (used by the orchestrator); the rule is `heartbeatSettingsSchema`. */
export type HeartbeatSettings = z.infer<typeof heartbeatSettingsSchema>;

/**
 * The serializable options of one invocation after step, invocation and pipeline options are
 * merged: its data options as `nodeDataOptionsSchema` (model/runOptions.ts) makes them (an
 * `enableCache` left `undefined` means "not set here": the run and pipeline levels decide), and
 * what the compiler derives from the rest.
 */
export type NodeOptions = z.output<typeof nodeDataOptionsSchema> & {
  /** The invocation's heartbeat, else the step's, else the innermost pipeline's. */
  heartbeat?: HeartbeatSettings;
  /** True when the step's own `cacheKey` function computes the inputs part of its cache key (in a runner). */
  customCacheKey?: boolean;
  /** Which hooks apply, and where each comes from (`step` wins over `pipeline`). */
  hooks: { onSuccess?: HookSource; onFailure?: HookSource };
  /** Output name -> custom materializer name, when one was registered for that output. */
  materializers?: Record<string, string>;
};

/** A run's override of one invocation (`steps.<id>` of its options) as the engine applies it over the node's options. */
export type NodeOverride = z.output<typeof nodeOverrideSchema>;

export type HookSource = 'step' | 'pipeline';

/** One invocation of a step within a compiled pipeline. */
export interface DagNode {
  /** Invocation id: step name, then `name_2`, ..., or an explicit `id`; namespaced by `/` under composed pipelines. */
  id: string;
  /** Name of the step definition. */
  step: string;
  /** Composed pipeline invocation ids this node sits under, outermost first. */
  namespace: string[];
  /** Parameter names of the step function, in order. */
  params: string[];
  /** Input bindings by parameter name (a parameter left out uses the function's default). */
  inputs: Record<string, InputBinding>;
  /** Declared output names (`['output']` for a single output). */
  outputs: string[];
  /** Invocation ids this node must run after (explicit `after`, resolved). */
  after: string[];
  options: NodeOptions;
  /** Hash of the step's code, part of the cache key. */
  codeHash: string;
  location?: SourceLocation;
}

export interface DagEdge {
  from: string;
  /** Output name for data edges. */
  fromOutput?: string;
  to: string;
  /** Input (parameter) name for data edges. */
  toInput?: string;
  kind: 'data' | 'order';
}

/** Pipeline-level options that survive compilation. */
export interface DagPipelineOptions {
  executionMode: ExecutionMode;
  enableCache?: boolean;
  runName?: string;
  substitutions?: Record<string, string>;
  heartbeat?: HeartbeatSettings;
  /** Most attempts of this pipeline running at once, across all its runs. */
  maxConcurrency?: number;
  hooks: { onSuccess: boolean; onFailure: boolean };
}

/** A compiled pipeline: the DAG the body built when it ran once with concrete parameters. */
export interface PipelineDag {
  pipeline: string;
  /** What the run runs, recorded by the engine when it creates the run (absent in runs stored before it was). */
  target?: RunTarget;
  /** Parameters the body was compiled with (structured encoding). */
  parameters: Record<string, unknown>;
  nodes: DagNode[];
  edges: DagEdge[];
  /** What the pipeline body returned, as output references (used by composition and child runs). */
  outputs: Record<string, OutputRef | OutputRef[]>;
  options: DagPipelineOptions;
  location?: SourceLocation;
}
