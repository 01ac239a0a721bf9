// Composition: a pipeline called inside another pipeline's body inlines its steps, under ids
// namespaced by the call (`cleanAndScale/dropNegatives`, then `cleanAndScale_2/...`).
//
//   node runtime/bin/pipewright.js run examples/features/composition.ts --pipeline report
//   node runtime/bin/pipewright.js run examples/features/composition.ts --pipeline cleanAndScale --param 'values=[1,-2,3]' --param factor=2
//
// The inner pipeline is an ordinary pipeline too: it can be run on its own. What it returns
// (a step output) is what the outer body gets back from the call.
import { pipeline, step } from 'pipewright';

export const dropNegatives = step(function dropNegatives(values: number[]): number[] {
  const kept = values.filter((value) => value >= 0);
  console.log(`dropped ${values.length - kept.length} negative value(s)`);
  return kept;
});

export const scale = step(function scale(values: number[], factor: number): number[] {
  return values.map((value) => value * factor);
});

export const merge = step(function merge(parts: number[][]): number[] {
  return parts.flat().sort((a, b) => a - b);
});

/** The reusable part. */
export const cleanAndScale = pipeline(function cleanAndScale(values: number[], factor: number) {
  return scale(dropNegatives(values), factor);
});

export const report = pipeline(function report(sensorA: number[] = [3, -1, 4, 1, -5], sensorB: number[] = [-2, 6, 5]) {
  const a = cleanAndScale(sensorA, 10);
  const b = cleanAndScale(sensorB, 100);
  // A list of outputs fans in to one step input.
  return merge([a, b]);
});
