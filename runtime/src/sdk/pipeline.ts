import type { SourceLocation } from '../model/location';
import type { PipelineDag } from '../model/dag';
import { userCallSite } from './callSite';
import { activeCompilation, compilePipeline, PipelineCompileError } from './compile';
import type { StepArgs } from './handles';
import type { PipelineOptions, RunOptions } from './options';
import { readParams, type ParamInfo } from './paramNames';
import { pipelineRegistry, sameFunction } from './registry';
import { pipelineRunLauncher } from './runLauncher';
import { checkOptionKeys } from './step';
import type { RunSummary } from '../model/runSummary';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pipeline may take any parameters
export type PipelineFunction = (...args: any[]) => unknown;

/** The definition behind a pipeline value. */
export interface PipelineDefinition {
  readonly name: string;
  readonly fn: PipelineFunction;
  options: PipelineOptions;
  readonly params: readonly ParamInfo[];
  readonly location?: SourceLocation;
}

/** A pipeline: run it, or call it inside another pipeline body to inline its steps. */
export interface Pipeline<F extends PipelineFunction = PipelineFunction> {
  (...args: StepArgs<Parameters<F>>): ReturnType<F>;
  readonly name: string;
  readonly fn: F;
  readonly definition: PipelineDefinition;
  /** Changes the pipeline's options for every later run. */
  configure(options: Omit<PipelineOptions, 'name'>): this;
  /** Builds the DAG with these parameters without running anything. */
  compile(parameters?: Record<string, unknown>): PipelineDag;
  /**
   * Runs the pipeline: steps execute in runner processes, results land in the store.
   * Resolves when the run ends (or at once with `detach`).
   */
  run(parameters?: Record<string, unknown>, options?: RunOptions): Promise<RunSummary>;
}

const PIPELINE_MARK = Symbol.for('pipewright.pipeline');

export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[PIPELINE_MARK] === true;
}

/** Defines a pipeline from a named function whose body calls steps. */
export function pipeline<F extends PipelineFunction>(fn: F): Pipeline<F>;
export function pipeline<F extends PipelineFunction>(options: PipelineOptions, fn: F): Pipeline<F>;
export function pipeline(optionsOrFn: PipelineOptions | PipelineFunction, maybeFn?: PipelineFunction): Pipeline {
  const location = userCallSite();
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn];
  if (typeof fn !== 'function') throw new PipelineCompileError('pipeline() needs a function as its last argument', location);
  const name = options.name ?? fn.name;
  if (!name) {
    throw new PipelineCompileError('a pipeline needs a name: pass a named function or the name option', location);
  }
  const params = readParams(fn);
  const rest = params.find((param) => param.rest);
  if (rest) throw new PipelineCompileError(`pipeline "${name}": rest parameter "${rest.name}" is not supported`, location);
  checkOptionKeys(`pipeline "${name}"`, options, (names) => names.PIPELINE_OPTION_KEYS, location);
  const definition: PipelineDefinition = { name, fn, options: { ...options }, params, location };

  const callable = function (this: unknown, ...args: unknown[]): unknown {
    const compilation = activeCompilation();
    if (!compilation) {
      throw new PipelineCompileError(`pipeline "${name}" was called outside a pipeline body; use ${name}.run(parameters) to run it`, userCallSite());
    }
    return compilation.invokePipeline(definition, args, userCallSite());
  } as unknown as Pipeline;
  Object.defineProperty(callable, 'name', { value: name });
  Object.defineProperties(callable, {
    [PIPELINE_MARK]: { value: true },
    fn: { value: fn, enumerable: true },
    definition: { value: definition },
    configure: {
      value(more: Omit<PipelineOptions, 'name'>) {
        checkOptionKeys(`${name}.configure()`, more, (names) => names.PIPELINE_CONFIGURE_KEYS, userCallSite());
        definition.options = { ...definition.options, ...more };
        return callable;
      },
    },
    compile: { value: (parameters: Record<string, unknown> = {}) => compilePipeline(definition, parameters) },
    run: {
      value: async (parameters: Record<string, unknown> = {}, runOptions: RunOptions = {}) => {
        if (!location) throw new Error(`pipeline "${name}": cannot tell which file defines it, so it cannot be bundled for a run`);
        return pipelineRunLauncher()({ file: location.file, pipeline: name, parameters, options: runOptions });
      },
    },
  });
  pipelineRegistry.add(callable, sameFunction);
  return callable;
}
