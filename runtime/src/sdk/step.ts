import { createHash } from 'node:crypto';
import { ensureMaterializerKnown } from '../artifacts/materializers';
import type { SourceLocation } from '../model/location';
import { optionRules, type OptionRules } from './optionRules';
import { userCallSite } from './callSite';
import { activeCompilation, PipelineCompileError } from './compile';
import type { OutputHandle, StepArgs } from './handles';
import type { InvocationOptions, StepOptions } from './options';
import { readParams, type ParamInfo } from './paramNames';
import { sameFunction, stepRegistry } from './registry';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a step may take any parameters
export type StepFunction = (...args: any[]) => unknown;

type Result<F extends StepFunction> = Awaited<ReturnType<F>>;

/** What calling a step inside a pipeline body returns: one handle, or one per declared output. */
export type StepOutputs<F extends StepFunction, O> = O extends readonly string[]
  ? { readonly [K in O[number]]: OutputHandle<K extends keyof Result<F> ? Result<F>[K] : unknown> }
  : OutputHandle<Result<F>>;

/** The definition behind a step value, shared by all its `.with()` copies. */
export interface StepDefinition {
  readonly name: string;
  readonly fn: StepFunction;
  options: StepOptions;
  readonly params: readonly ParamInfo[];
  readonly outputs: readonly string[];
  readonly codeHash: string;
  readonly location?: SourceLocation;
}

/** A step: call it inside a pipeline body to add an invocation to the DAG. */
export interface Step<F extends StepFunction = StepFunction, O extends readonly string[] | undefined = readonly string[] | undefined> {
  (...args: StepArgs<Parameters<F>>): StepOutputs<F, O>;
  /** The step name (from the `name` option or the function's name). */
  readonly name: string;
  /** The underlying function, callable directly (for unit tests). */
  readonly fn: F;
  readonly definition: StepDefinition;
  /** Options of this invocation copy (set with `.with()`). */
  readonly invocation: Readonly<InvocationOptions>;
  /** A copy of the step whose next call uses these invocation options (`id`, `after`, ...). */
  with(options: InvocationOptions): Step<F, O>;
  /** Changes the step's options after definition, for every later use (like ZenML's configure). */
  configure(options: Omit<StepOptions, 'name' | 'outputs'>): this;
}

const STEP_MARK = Symbol.for('pipewright.step');

export function isStep(value: unknown): value is Step {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[STEP_MARK] === true;
}

/** Defines a step from a named function: `step(async function load(path: string): Promise<Row[]> {...})`. */
export function step<F extends StepFunction>(fn: F): Step<F, undefined>;
/** Defines a step with options: `step({ outputs: ['train', 'test'] }, function split(...) {...})`. */
export function step<F extends StepFunction, const O extends readonly string[] | undefined = undefined>(
  options: StepOptions & { outputs?: O },
  fn: F,
): Step<F, O>;
export function step(optionsOrFn: StepOptions | StepFunction, maybeFn?: StepFunction): Step {
  const location = userCallSite();
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn];
  if (typeof fn !== 'function') throw new PipelineCompileError('step() needs a function as its last argument', location);
  const name = options.name ?? fn.name;
  if (!name) {
    throw new PipelineCompileError('a step needs a name: pass a named function (function load(...) {...}) or the name option', location);
  }
  const outputs = options.outputs && options.outputs.length > 0 ? [...options.outputs] : ['output'];
  const duplicate = outputs.find((output, index) => outputs.indexOf(output) !== index);
  if (duplicate) throw new PipelineCompileError(`step "${name}" declares output "${duplicate}" twice`, location);
  const definition: StepDefinition = {
    name,
    fn,
    options: { ...options },
    params: readParams(fn),
    outputs,
    codeHash: createHash('sha256').update(name).update('\0').update(Function.prototype.toString.call(fn)).digest('hex'),
    location,
  };
  checkOptionKeys(`step "${name}"`, options, (names) => names.STEP_OPTION_KEYS, location);
  knowMaterializers(options, location);
  const made = makeStep(definition, {});
  stepRegistry.add(made, sameFunction);
  return made;
}

function makeStep(definition: StepDefinition, invocation: InvocationOptions): Step {
  const callable = function (this: unknown, ...args: unknown[]): unknown {
    const compilation = activeCompilation();
    if (!compilation) {
      throw new PipelineCompileError(
        `step "${definition.name}" was called outside a pipeline body; call ${definition.name}.fn(...) to run its function directly`,
        userCallSite(),
      );
    }
    return compilation.invokeStep(definition, invocation, args, userCallSite());
  } as unknown as Step;
  Object.defineProperty(callable, 'name', { value: definition.name });
  Object.defineProperties(callable, {
    [STEP_MARK]: { value: true },
    fn: { value: definition.fn, enumerable: true },
    definition: { value: definition },
    invocation: { value: Object.freeze({ ...invocation }) },
    with: {
      value: (options: InvocationOptions) => {
        checkOptionKeys(`${definition.name}.with()`, options, (names) => names.INVOCATION_OPTION_KEYS, userCallSite());
        knowMaterializers(options, userCallSite());
        return makeStep(definition, { ...invocation, ...options });
      },
    },
    configure: {
      value(options: Omit<StepOptions, 'name' | 'outputs'>) {
        checkOptionKeys(`${definition.name}.configure()`, options, (names) => names.STEP_CONFIGURE_KEYS, userCallSite());
        knowMaterializers(options, userCallSite());
        definition.options = { ...definition.options, ...options };
        return callable;
      },
    },
  });
  return callable;
}

/**
 * Per-output materializers are registered by name when the step is defined, so every runner
 * (which evaluates the same module) can load what another runner stored with them.
 */
/** Refuses an options object naming a key no one reads (a typo like `retries`), at the line that wrote it. */
export function checkOptionKeys(what: string, options: object, known: (names: OptionRules['names']) => readonly string[], location?: SourceLocation): void {
  if (typeof options !== 'object' || options === null) throw new PipelineCompileError(`${what}: the options must be an object, got ${options === null ? 'null' : typeof options}`, location);
  if (Object.keys(options).length === 0) return;
  const { names } = optionRules();
  const problem = names.unknownOptionProblem(options, known(names));
  if (problem !== undefined) throw new PipelineCompileError(`${what}: ${problem}`, location);
}

function knowMaterializers(options: Pick<StepOptions, 'materializers'>, location?: SourceLocation): void {
  for (const [output, materializer] of Object.entries(options.materializers ?? {})) {
    try {
      ensureMaterializerKnown(materializer);
    } catch (error) {
      throw new PipelineCompileError(`materializer for output "${output}": ${(error as Error).message}`, location);
    }
  }
}
