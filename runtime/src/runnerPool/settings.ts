import { SettingError } from '../config/settingError';

/** How many idle runner processes a pool keeps, and how long the others may stay idle. */
export interface RunnerPoolSettings {
  /** Idle runners kept ready for the next step (`PIPEWRIGHT_RUNNER_WARM`, default 2). */
  warm: number;
  /** An idle runner beyond the warm ones exits after this long (`PIPEWRIGHT_RUNNER_IDLE_TIMEOUT`, seconds, default 30). */
  idleTimeoutMs: number;
}

export const DEFAULT_RUNNER_POOL: RunnerPoolSettings = { warm: 2, idleTimeoutMs: 30_000 };

/** The settings from the environment; a malformed value is an error naming the variable. */
export function runnerPoolSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RunnerPoolSettings {
  const read = (name: string, valid: (value: number) => boolean, expected: string): number | undefined => {
    const text = env[name]?.trim();
    if (!text) return undefined;
    const value = Number(text);
    if (!valid(value)) throw new SettingError(`${name}: "${env[name]}" is not ${expected}`);
    return value;
  };
  const warm = read('PIPEWRIGHT_RUNNER_WARM', (v) => Number.isInteger(v) && v >= 0, 'a whole number of runners (0 or more)');
  const idle = read('PIPEWRIGHT_RUNNER_IDLE_TIMEOUT', (v) => Number.isFinite(v) && v >= 0, 'a number of seconds (0 or more)');
  return { warm: warm ?? DEFAULT_RUNNER_POOL.warm, idleTimeoutMs: idle === undefined ? DEFAULT_RUNNER_POOL.idleTimeoutMs : idle * 1000 };
}
