import { runnerPoolFromEnv, type Environment } from '../model/environment';

/** How many idle runner processes a pool keeps, and how long the others may stay idle. */
export interface RunnerPoolSettings {
  /** Idle runners kept ready for the next step (`PIPEWRIGHT_RUNNER_WARM`, default 2). */
  warm: number;
  /** An idle runner beyond the warm ones exits after this long (`PIPEWRIGHT_RUNNER_IDLE_TIMEOUT`, seconds, default 30). */
  idleTimeoutMs: number;
}

export const DEFAULT_RUNNER_POOL: RunnerPoolSettings = { warm: 2, idleTimeoutMs: 30_000 };

/** The settings from the environment; a malformed value is an error naming the variable. */
export function runnerPoolSettingsFromEnv(env: Environment = process.env): RunnerPoolSettings {
  const { warm, idleTimeoutS } = runnerPoolFromEnv(env);
  return { warm: warm ?? DEFAULT_RUNNER_POOL.warm, idleTimeoutMs: idleTimeoutS === undefined ? DEFAULT_RUNNER_POOL.idleTimeoutMs : idleTimeoutS * 1000 };
}
