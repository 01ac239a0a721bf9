/**
 * The option schemas (`model/runOptions`) and option names (`model/unknownOptions`) as the SDK
 * reaches them: loaded on first need. Both are made of zod schemas, and loading zod was a fifth
 * of a runner's start-up (about 20 ms, measured on the 100-step cached re-run); a step, pipeline
 * or invocation given no options has nothing to check, so code that gives none never loads it.
 */
import type * as RunOptionSchemas from '../model/runOptions';
import type * as OptionNames from '../model/unknownOptions';

export interface OptionRules {
  schemas: typeof RunOptionSchemas;
  names: typeof OptionNames;
}

let loaded: OptionRules | undefined;

export function optionRules(): OptionRules {
  loaded ??= {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first need (see above)
    schemas: require('../model/runOptions') as typeof RunOptionSchemas,
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first need (see above)
    names: require('../model/unknownOptions') as typeof OptionNames,
  };
  return loaded;
}

/** Whether `options` gives no option at all (no key, or only keys set to undefined): nothing to check, as every options schema accepts `{}`. */
export function givesNoOption(options: object): boolean {
  return Object.values(options).every((value) => value === undefined);
}
