import type { Materializer } from '../artifacts/materializers';
import type { HeartbeatSettings } from '../model/dag';
import type { ExecutionMode } from '../model/status';
import type { StepContext } from './context';
import type { OutputHandle } from './handles';

/** Called after a step succeeded (after its last attempt). */
export type SuccessHook = (context: StepContext) => void | Promise<void>;
/** Called after a step failed for good (retries exhausted). */
export type FailureHook = (error: Error, context: StepContext) => void | Promise<void>;

/** What a step's `cacheKey` function knows about the invocation whose key it computes. */
export type CacheKeyContext = Pick<StepContext, 'runId' | 'runName' | 'pipeline' | 'invocationId' | 'stepName'>;

/**
 * A step's own cache key: called (in a runner) with the step's input values by parameter name;
 * the string it returns replaces the inputs part of the key (literal parameters, upstream
 * content hashes, the working folder). Use `fileHash(path)` to make a file's content count.
 */
export type CacheKeyFunction = (inputs: Readonly<Record<string, unknown>>, context: CacheKeyContext) => string | Promise<string>;

/** Retry policy, in seconds: waits `delay`, `delay * backoff`, ... between attempts. */
export interface RetryOptions {
  maxRetries: number;
  /** Seconds before the first retry (default 0). */
  delay?: number;
  /** Multiplier applied to the delay after each retry (default 1). */
  backoff?: number;
}

/** Options given to `step(options, fn)`. */
export interface StepOptions {
  /** Step name; defaults to the function's name. */
  name?: string;
  /** Names of the outputs when the step returns an object holding several outputs. */
  outputs?: readonly string[];
  enableCache?: boolean;
  /** Computes the inputs part of the cache key (see CacheKeyFunction). */
  cacheKey?: CacheKeyFunction;
  /** A cache entry older than this is not reused: seconds, or a string like '90s', '15m', '1h', '2d'. */
  cacheExpiresAfter?: number | string;
  retry?: RetryOptions;
  heartbeat?: HeartbeatSettings;
  /** Named concurrency limits (configured on the orchestrator) this step takes a slot of. */
  limits?: readonly string[];
  onSuccess?: SuccessHook;
  onFailure?: FailureHook;
  /** Custom materializer per output name (`output` for a single output). */
  materializers?: Record<string, Materializer>;
}

/** What an `after` list may name: a handle, a multi-output handle object, or an invocation id. */
export type AfterTarget = OutputHandle | Readonly<Record<string, OutputHandle>> | string;

/** Options of one invocation, given with `someStep.with(options)(...)`. */
export interface InvocationOptions extends Omit<StepOptions, 'name' | 'outputs'> {
  /** Explicit invocation id (must be unique in the pipeline). */
  id?: string;
  /** Invocations that must finish before this one starts, without passing data. */
  after?: readonly AfterTarget[] | AfterTarget;
}

/** Options given to `pipeline(options, fn)`. */
export interface PipelineOptions {
  /** Pipeline name; defaults to the function's name. */
  name?: string;
  /** What the rest of the DAG does when a step fails (default `continueOnFailure`). */
  executionMode?: ExecutionMode;
  /** Run name template: `{date}`, `{time}` and keys of `substitutions`. */
  runName?: string;
  substitutions?: Record<string, string>;
  enableCache?: boolean;
  heartbeat?: HeartbeatSettings;
  /** Most steps of this pipeline running at once, across all its runs. */
  maxConcurrency?: number;
  /** Default success hook for every step without its own. */
  onSuccess?: SuccessHook;
  /** Default failure hook for every step without its own. */
  onFailure?: FailureHook;
}

/** Options of one run. */
export interface RunOptions {
  runName?: string;
  enableCache?: boolean;
  executionMode?: ExecutionMode;
  substitutions?: Record<string, string>;
  /** Per-invocation overrides, keyed by invocation id. */
  steps?: Record<string, StepOverride>;
  /** Refuse to run when a step lacks type annotations (also `PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS=true`). */
  enforceTypeAnnotations?: boolean;
  /** Folder holding the store (default: `.pipewright` at the project root). */
  storeDir?: string;
  /** Return as soon as the run is created; it continues in a background process. */
  detach?: boolean;
  /** Most steps executing at once (default: number of CPUs, at least 2). */
  maxParallel?: number;
  /** Heartbeat defaults for this run's steps, in seconds (steps and pipelines may override). */
  heartbeat?: HeartbeatSettings;
  /** Lost attempts (dead or unreachable runner) retried per step before it is `crashed` (default 2). */
  maxLostRetries?: number;
}

export interface StepOverride {
  enableCache?: boolean;
  retry?: RetryOptions;
  /** Replace literal inputs of this invocation. */
  parameters?: Record<string, unknown>;
}
