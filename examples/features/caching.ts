// Caching: a step whose code, literal parameters and input contents are unchanged reuses its
// stored outputs (status `cached`) instead of running again.
//
//   node runtime/bin/pipewright.js run examples/features/caching.ts                 (run it twice: the second run reuses outputs)
//   node runtime/bin/pipewright.js run examples/features/caching.ts --param count=20 (changed input: its dependants run again)
//   node runtime/bin/pipewright.js run examples/features/caching.ts --no-cache      (nothing is reused)
//
// Where caching is switched on or off, strongest first: a per-step override of the run
// (`steps: { makeNumbers: { enableCache: false } }` in a run config) > the run's `enableCache`
// (`--no-cache`) > the invocation (`.with({ enableCache })`) or step option > the pipeline option > on.
import { pipeline, step } from 'pipewright';

export const makeNumbers = step(function makeNumbers(count: number): number[] {
  console.log(`making ${count} numbers`);
  return Array.from({ length: count }, (_, i) => i + 1);
});

export const sumOfSquares = step(function sumOfSquares(values: number[]): number {
  console.log(`squaring ${values.length} values`);
  return values.reduce((sum, value) => sum + value * value, 0);
});

/** Reads the clock: its output changes on every run, so reusing it would be wrong. */
export const stamp = step(function stamp(): string {
  return new Date().toISOString();
});
// configure() changes a step after its definition, for every later use; handy for a step that
// comes from a shared module whose definition you do not own.
stamp.configure({ enableCache: false });

export const summary = step(function summary(total: number, at: string): string {
  return `sum of squares ${total} (computed at ${at})`;
});

export const caching = pipeline({ enableCache: true }, function caching(count: number = 10) {
  const numbers = makeNumbers(count);
  const total = sumOfSquares(numbers);
  // The same step, opted out of caching for this one invocation only.
  sumOfSquares.with({ id: 'uncachedTotal', enableCache: false })(numbers);
  // `stamp` always runs, so `summary` (whose input changed) runs too.
  return summary(total, stamp());
});
