/**
 * A plan: what a run started now would do with each invocation (reuse a cache entry, or run and
 * why), as `engine/planPrediction.ts` predicts it and `pipewright plan`, the API's `POST /v1/plan`
 * and the DAG view show it. Plain data.
 */

/** Why an invocation will run instead of reusing a cache entry. */
export type PlanReason =
  | 'no entry yet'
  | 'cache off'
  | 'upstream will run'
  | 'code changed'
  | 'parameter changed'
  | 'input changed'
  | 'materializer changed'
  | 'custom cache key changed'
  | 'custom cache key failed'
  | 'working folder changed'
  | 'cache expired'
  | 'outputs missing'
  | 'runtime changed';

/** What a run started now would do with one invocation. */
export interface StepPrediction {
  id: string;
  step: string;
  /** The hash of the step's code as it would run now (the cache key's `code`; a run's stored DAG has the one it ran). */
  codeHash: string;
  action: 'reuse' | 'run';
  /** Why it runs (absent for `reuse`). */
  reason?: PlanReason;
  /** Which parameter or input changed, the upstream invocations that will run, or why a custom key failed. */
  detail?: string;
  /** The run that made the step's newest cache entry, which a miss is explained against. */
  since?: { runId: string; runName: string };
  /** The key the run will look up (absent when it depends on outputs not known yet, or on a custom key not computed). */
  cacheKey?: string;
  /**
   * For `upstream will run`: the step is reused instead if these upstream invocations (which run
   * under keys they ran under before) produce these outputs again, by content hash (upstream id
   * -> output -> hash). Absent: the step runs unless an upstream's new outputs happen to equal
   * outputs it already has an entry for.
   */
  unlessUnchanged?: Record<string, Record<string, string>>;
}

/** What a run of a pipeline file started now would do, step by step (`pipewright plan`, `POST /v1/plan`). */
export interface PipelinePlan {
  pipeline: string;
  /** The store folder whose cache was read. */
  storeDir: string;
  /** False when that folder holds no store yet (every step then runs: no entry yet). */
  storeFound: boolean;
  steps: StepPrediction[];
}
