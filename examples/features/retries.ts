// Retries: a step that fails on its first attempts is run again after a growing delay, and every
// attempt (its status, error and log lines) is recorded.
//
//   node runtime/bin/pipewright.js run examples/features/retries.ts                      (succeeds on attempt 3)
//   node runtime/bin/pipewright.js run examples/features/retries.ts --param failures=5   (retries exhausted: failed)
//   node runtime/bin/pipewright.js logs <run name> flakyFetch --attempt 2
//
// The retry policy is in seconds: `delay` before the first retry, multiplied by `backoff` after
// each one (0.2 s, 0.4 s, 0.8 s here). A run can override it per invocation with
// `steps: { flakyFetch: { retry: {...} } }` in a run config. Wrong input types and missing outputs
// are never retried: another attempt could not fix them.
import { getStepContext, pipeline, step } from 'pipewright';

/** Stands for a call to a service that is unavailable for the first `failures` attempts. */
export const flakyFetch = step(
  { retry: { maxRetries: 3, delay: 0.2, backoff: 2 } },
  function flakyFetch(failures: number): number[] {
    const { attempt } = getStepContext();
    console.log(`attempt ${attempt}`);
    if (attempt <= failures) throw new Error(`service unavailable (attempt ${attempt})`);
    return [3, 1, 4, 1, 5, 9, 2, 6];
  },
);

export const mean = step(function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
});

export const retries = pipeline({ enableCache: false }, function retries(failures: number = 2) {
  return mean(flakyFetch(failures));
});
