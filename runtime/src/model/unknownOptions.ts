/**
 * Options objects that name a field no one reads: a typo (`retries` for `retry`) would otherwise
 * be dropped without a word, since code that is bundled and run is not type-checked. Says which
 * field, and the known one it is closest to.
 */
import { HOOK_NAMES } from './optionMerge';
import { pipelineDataOptionsSchema, stepDataOptionsSchema } from './runOptions';

/** What is wrong with the keys of `options` given the `known` ones: `unknown option "retries" (did you mean "retry"?)`; undefined when all are known. */
export function unknownOptionProblem(options: object, known: readonly string[]): string | undefined {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) return undefined;
  const [first] = unknown;
  const near = nearestOption(first, known);
  const more = unknown.length > 1 ? ` (and ${unknown.slice(1).map((key) => `"${key}"`).join(', ')})` : '';
  return `unknown option "${first}"${near ? ` (did you mean "${near}"?)` : ''}${more}; the options are ${[...known].sort().join(', ')}`;
}

/**
 * The known key `key` most likely stands for, if one is: the same but for case, one a few edits
 * away (a third of its length, two at least), or one it extends (`retries` for `retry`).
 */
export function nearestOption(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const other = name.toLowerCase();
    const near = editDistance(lower, other) <= Math.max(2, Math.floor(key.length / 3)) || sharedPrefix(lower, other) >= Math.max(4, Math.min(lower.length, other.length) - 1);
    if (!near) continue;
    const distance = editDistance(lower, other);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best?.name;
}

function sharedPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

// Every key each kind of options takes: its schema's data fields, and the fields that are code
// (`StepCodeOptions`, `HookOptions` and `InvocationOptions` in sdk/options.ts), so that the SDK
// and the language server refuse the same keys.
const CODE_KEYS = { hooks: [...HOOK_NAMES], step: [...HOOK_NAMES, 'cacheKey', 'materializers'], invocation: ['id', 'after'] };
const DEFINITION_ONLY = ['name', 'outputs'];

/** The keys of `step(options, fn)`. */
export const STEP_OPTION_KEYS: readonly string[] = [...Object.keys(stepDataOptionsSchema.shape), ...CODE_KEYS.step];
/** The keys of `someStep.configure(options)`: a step's, but its name and outputs. */
export const STEP_CONFIGURE_KEYS: readonly string[] = STEP_OPTION_KEYS.filter((key) => !DEFINITION_ONLY.includes(key));
/** The keys of `someStep.with(options)`. */
export const INVOCATION_OPTION_KEYS: readonly string[] = [...STEP_CONFIGURE_KEYS, ...CODE_KEYS.invocation];
/** The keys of `pipeline(options, fn)`. */
export const PIPELINE_OPTION_KEYS: readonly string[] = [...Object.keys(pipelineDataOptionsSchema.shape), ...CODE_KEYS.hooks];
/** The keys of `somePipeline.configure(options)`. */
export const PIPELINE_CONFIGURE_KEYS: readonly string[] = PIPELINE_OPTION_KEYS.filter((key) => key !== 'name');
