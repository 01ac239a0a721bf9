/**
 * The one rule for an invocation's options, shared by the runtime's compiler and the static DAG:
 * `.with(...)` options over the step definition's, then the enclosing pipelines' heartbeat, pool,
 * labels and hooks as defaults (the innermost pipeline that sets one wins). Generic over the options objects
 * (the SDK's live options, or the literal view the analysis reads): only the keys of
 * `InheritableOptions` matter.
 */
export interface InheritableOptions {
  heartbeat?: unknown;
  pool?: unknown;
  labels?: unknown;
  onSuccess?: unknown;
  onFailure?: unknown;
}

/** Where an invocation's hook comes from: its own step (or `.with`), else an enclosing pipeline. */
export type HookSource = 'step' | 'pipeline';

export const HOOK_NAMES = ['onSuccess', 'onFailure'] as const;

export interface MergedInvocationOptions<S, I, P extends InheritableOptions> {
  /** The step's options with the invocation's over them. */
  merged: Omit<S, keyof I> & I;
  /** The invocation's heartbeat, else the step's, else the innermost pipeline's. */
  heartbeat: S[keyof S & 'heartbeat'] | I[keyof I & 'heartbeat'] | P['heartbeat'] | undefined;
  /** The invocation's pool, else the step's, else the innermost pipeline's. */
  pool: S[keyof S & 'pool'] | I[keyof I & 'pool'] | P['pool'] | undefined;
  /** The worker labels the invocation requires, else the step, else the innermost pipeline (a whole set: never merged key by key). */
  labels: S[keyof S & 'labels'] | I[keyof I & 'labels'] | P['labels'] | undefined;
  hooks: { onSuccess?: HookSource; onFailure?: HookSource };
}

/** `pipelines`: the enclosing pipelines' options, outermost first. */
export function mergeInvocationOptions<S extends object, I extends object, P extends InheritableOptions>(step: S, invocation: I, pipelines: readonly P[]): MergedInvocationOptions<S, I, P> {
  const merged = { ...step, ...invocation } as Omit<S, keyof I> & I & InheritableOptions;
  const innermostFirst = [...pipelines].reverse();
  const fromPipelines = (key: keyof InheritableOptions) => innermostFirst.find((options) => options[key] !== undefined)?.[key];
  const hooks: MergedInvocationOptions<S, I, P>['hooks'] = {};
  for (const hook of HOOK_NAMES) {
    const source = merged[hook] ? 'step' : fromPipelines(hook) !== undefined ? 'pipeline' : undefined;
    if (source) hooks[hook] = source;
  }
  return {
    merged,
    heartbeat: (merged.heartbeat ?? fromPipelines('heartbeat')) as MergedInvocationOptions<S, I, P>['heartbeat'],
    pool: (merged.pool ?? fromPipelines('pool')) as MergedInvocationOptions<S, I, P>['pool'],
    labels: (merged.labels ?? fromPipelines('labels')) as MergedInvocationOptions<S, I, P>['labels'],
    hooks,
  };
}

/** A retry policy with the runtime's defaults filled: no delay, no backoff. */
export function retryWithDefaults(retry: { maxRetries: number; delay?: number; backoff?: number }): { maxRetries: number; delay: number; backoff: number } {
  return { maxRetries: retry.maxRetries, delay: retry.delay ?? 0, backoff: retry.backoff ?? 1 };
}

/** The options that are set: `options` without its keys whose value is undefined (so they do not hide an option under them). */
export function definedOptions<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
