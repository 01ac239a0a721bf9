/**
 * The options of steps, invocations, pipelines and runs, as the SDK's users write them. Their data
 * fields come from the one schema of each (`model/runOptions.ts`, also used by the API and YAML
 * run configs); the fields that are code are listed here, in {@link StepCodeOptions} and
 * {@link HookOptions}: the SDK takes them, but they cannot cross a wire or sit in a YAML file.
 */
import type { z } from 'zod';
import type { Materializer } from '../artifacts/materializers';
import type { pipelineDataOptionsSchema, retryOptionsSchema, startOptionsSchema, stepDataOptionsSchema, stepOverrideSchema } from '../model/runOptions';
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
export type RetryOptions = z.input<typeof retryOptionsSchema>;

/** The options that are code: hooks run after a step (in a runner). */
export interface HookOptions {
  /** Called after a step succeeded (a pipeline's: the default for every step without its own). */
  onSuccess?: SuccessHook;
  /** Called after a step failed for good (a pipeline's: the default for every step without its own). */
  onFailure?: FailureHook;
}

/** The options of a step that are code: taken by the SDK, never sent to an orchestrator or read from YAML. */
export interface StepCodeOptions extends HookOptions {
  /** Computes the inputs part of the cache key (see CacheKeyFunction). */
  cacheKey?: CacheKeyFunction;
  /** Custom materializer per output name (`output` for a single output). */
  materializers?: Record<string, Materializer>;
}

/** Options given to `step(options, fn)`. */
export interface StepOptions extends z.input<typeof stepDataOptionsSchema>, StepCodeOptions {}

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
export interface PipelineOptions extends z.input<typeof pipelineDataOptionsSchema>, HookOptions {}

/** Options of one run (all data: `storeDir` and `detach` stay with the process that starts it). */
export type RunOptions = z.input<typeof startOptionsSchema>;

/** Per-invocation overrides of one run. */
export type StepOverride = z.input<typeof stepOverrideSchema>;

