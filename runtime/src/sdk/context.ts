import { AsyncLocalStorage } from 'node:async_hooks';

/** What a running step (and its hooks) can know about where it runs. */
export interface StepContext {
  readonly runId: string;
  readonly runName: string;
  readonly pipeline: string;
  /** Invocation id within the run, e.g. `fit` or `train_2`. */
  readonly invocationId: string;
  /** Name of the step definition. */
  readonly stepName: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** The step's inputs that were literal values in the pipeline (not upstream outputs). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /**
   * Dynamic fan-out: starts a child run of `pipeline` (which must be exported from the same
   * pipeline file or its imports) and resolves to its outputs once it completes.
   */
  runPipeline(pipeline: { readonly name: string }, parameters?: Record<string, unknown>): Promise<ChildRunResult>;
}

export interface ChildRunResult {
  runId: string;
  status: string;
  /** The child pipeline's returned outputs, loaded from the artifact store. */
  outputs: Record<string, unknown>;
}

const storage = new AsyncLocalStorage<StepContext>();

/** The context of the step that is executing; throws when called outside a running step. */
export function getStepContext(): StepContext {
  const context = storage.getStore();
  if (!context) throw new Error('getStepContext() was called outside a running step or hook');
  return context;
}

/** Runs `fn` with `context` as the current step context (used by the runner). */
export function withStepContext<T>(context: StepContext, fn: () => T): T {
  return storage.run(context, fn);
}
