// Fan-out and fan-in, static and dynamic.
//
//   node runtime/bin/pipewright.js run examples/features/fanOutFanIn.ts --pipeline fanOutFanIn
//   node runtime/bin/pipewright.js runs list          (the child runs of the dynamic fan-out are listed too)
//
// - Static fan-out: a loop in the pipeline body adds one invocation per item (`measure`,
//   `measure_2`, ...); how many is known when the run is built, from the parameters.
// - Fan-in: a list of outputs passed as one input (`total(lengths)`) waits for all of them.
// - Dynamic fan-out: how many is only known at run time (here: the words of a sentence), so a
//   step starts one child run per item with `getStepContext().runPipeline(child, params)` and
//   awaits their outputs. The child pipeline must be exported from this file (or its imports).
import { getStepContext, pipeline, step } from 'pipewright';

export const measure = step(function measure(word: string): number {
  console.log(`measuring "${word}"`);
  return word.length;
});

export const total = step(function total(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
});

export const tokenize = step(function tokenize(sentence: string): string[] {
  return sentence.split(/\s+/).filter((word) => word.length > 0);
});

/** The child pipeline of the dynamic fan-out: one run per word. */
export const wordLength = pipeline(function wordLength(word: string) {
  return measure(word);
});

export const measureEach = step(async function measureEach(words: string[]): Promise<number[]> {
  const context = getStepContext();
  console.log(`starting ${words.length} child runs`);
  const children = await Promise.all(words.map((word) => context.runPipeline(wordLength, { word })));
  return children.map((child) => child.outputs.output as number);
});

export const fanOutFanIn = pipeline(function fanOutFanIn(
  words: string[] = ['alpha', 'beta', 'gamma'],
  sentence: string = 'the quick brown fox jumps',
) {
  const lengths = words.map((word) => measure(word));
  const staticTotal = total(lengths);
  const dynamicLengths = measureEach(tokenize(sentence));
  const dynamicTotal = total.with({ id: 'dynamicTotal' })(dynamicLengths);
  return { staticTotal, dynamicTotal };
});
