/**
 * The one definition of the options a run, a pipeline, a step and an invocation take as data:
 * the SDK's public types derive from these schemas (`sdk/options.ts` adds the options that are
 * code), the daemon's API validates submitted runs with them and YAML run configs are checked
 * against them. Each field's bounds are written here once.
 */
import { z } from 'zod';
import { InputError } from './errorCodes';
import { DURATION_FORMAT, durationSeconds } from './duration';
import { retryWithDefaults } from './optionMerge';
import { EXECUTION_MODES, type ExecutionMode } from './status';

/** The unit of a number option (`seconds`), for messages that name its bounds (the language server's check of a literal). */
export const optionUnits = z.registry<{ unit: string }>();
const seconds = (schema: z.ZodNumber): z.ZodNumber => schema.register(optionUnits, { unit: 'seconds' });

export const executionModeSchema = z.enum(EXECUTION_MODES as [ExecutionMode, ...ExecutionMode[]]);

/** Retry policy, in seconds: waits `delay`, `delay * backoff`, ... between attempts. */
export const retryOptionsSchema = z.strictObject({
  maxRetries: z.number().int().min(0),
  /** Seconds before the first retry (default 0). */
  delay: seconds(z.number().min(0)).optional(),
  /** Multiplier applied to the delay after each retry (default 1). */
  backoff: z.number().min(1).optional(),
});

/** Heartbeat settings in seconds (used by the orchestrator). */
export const heartbeatSettingsSchema = z.strictObject({
  /** Seconds between beats (default 5, or `PIPEWRIGHT_HEARTBEAT_INTERVAL`). */
  interval: seconds(z.number().positive()).optional(),
  /** Seconds without a beat after which the attempt is lost (default 3 intervals, or `PIPEWRIGHT_HEARTBEAT_TIMEOUT`). */
  timeout: seconds(z.number().positive()).optional(),
});

/**
 * A cache entry older than this is not reused: seconds, or a string like '90s', '15m', '1h', '2d'.
 * (Its message reads after the value: the language server says "cacheExpiresAfter 'soon' is not a duration; ...".)
 */
export const durationSchema = z.union([z.number(), z.string()]).refine((value) => durationSeconds(value) !== undefined, { message: `is not a duration; use ${DURATION_FORMAT}` });

/** A run name template: `{date}`, `{time}`, `{pipeline}` and keys of `substitutions`. */
const runNameSchema = z.string().min(1).max(200);
const substitutionsSchema = z.record(z.string(), z.string());
const namesSchema = z.array(z.string()).readonly();

/** The pool of workers an attempt goes to when its step and pipelines name none. */
export const DEFAULT_POOL = 'default';

/**
 * A worker pool's name (`pool: 'gpu'` on a step or pipeline, `pipewright worker --pool gpu`):
 * a letter or digit, then letters, digits, '.', '_' or '-', 100 at most.
 */
export const poolNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]{0,99}$/, { message: "expected a name: a letter or digit first, then letters, digits, '.', '_' or '-', 100 at most" });

/**
 * The key of a worker label (`pipewright worker --label KEY=VALUE`, `labels: { KEY: 'VALUE' }`):
 * a letter or digit, then letters, digits, '.', '_', '/' or '-', 100 at most.
 */
export const labelKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][\w./-]{0,99}$/, { message: "expected a label key: a letter or digit first, then letters, digits, '.', '_', '/' or '-', 100 at most" });

/** Labels by key: a worker's (`--label`), or those a step requires of the worker that runs it. */
export const labelsSchema = z.record(labelKeySchema, z.string().max(200, { message: 'a label value has 200 characters at most' }));

/** Whether a worker with `labels` has every label `required` (the same value for each key). */
export function labelsMatch(required: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(required ?? {}).every(([key, value]) => labels[key] === value);
}

/**
 * The step options a run may also set per invocation (`steps.<id>` of its options), each written
 * once for both. A field added here is in the SDK's step and override types, the API's and the
 * YAML config's validation, the compiled node (`nodeDataOptionsSchema`, `NodeOptions`), the
 * compiler's copy, the run's plan (`nodeOverrideSchema`) and the language server's check of a
 * literal; what is left to write is its effect (`engine/executor.ts`, `optionsOf`).
 */
const overridableStepOptions = {
  enableCache: z.boolean().optional(),
  retry: retryOptionsSchema.optional(),
  /**
   * The pool of remote workers (`pipewright worker --pool NAME`) whose workers alone may run this
   * step's attempts, hooks and cache key (default: the innermost pipeline's, else `default`).
   * An attempt whose pool has no worker waits, queued, until one comes.
   */
  pool: poolNameSchema.optional(),
  /**
   * Labels the remote worker that runs this step's attempts, hooks and cache key must have, each
   * with this value (`pipewright worker --label gpu=a100`), as well as serving its pool (default:
   * the innermost pipeline's). An attempt no worker matches waits, queued, until one comes.
   */
  labels: labelsSchema.optional(),
};

/** Per-invocation overrides of one run, keyed by invocation id. */
export const stepOverrideSchema = z.strictObject({
  ...overridableStepOptions,
  /** Replace literal inputs of this invocation. */
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** The options of one run that any client may send: the API's `options`, the keys of a YAML run config. */
export const runOptionsSchema = z.strictObject({
  /** Run name template: `{date}`, `{time}`, `{pipeline}` and keys of `substitutions`. */
  runName: runNameSchema.optional(),
  enableCache: z.boolean().optional(),
  /** What the rest of the DAG does when a step fails (default: the pipeline's, else `continueOnFailure`). */
  executionMode: executionModeSchema.optional(),
  substitutions: substitutionsSchema.optional(),
  /** Per-invocation overrides, keyed by invocation id. */
  steps: z.record(z.string(), stepOverrideSchema).optional(),
  /** Refuse to run when a step lacks type annotations (also `PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS=true`). */
  enforceTypeAnnotations: z.boolean().optional(),
  /** Most steps executing at once (default: number of CPUs, at least 2). */
  maxParallel: z.number().int().min(1).max(1024).optional(),
  /** Heartbeat defaults for this run's steps, in seconds (steps and pipelines may override). */
  heartbeat: heartbeatSettingsSchema.optional(),
  /** Lost attempts (dead or unreachable runner) retried per step before it is `crashed` (default 2). */
  maxLostRetries: z.number().int().min(0).max(100).optional(),
});

/** Run options that only the process starting the run acts on: never sent to an orchestrator. */
export const startOptionsSchema = runOptionsSchema.extend({
  /** Folder holding the store (default: `.pipewright` at the project root). */
  storeDir: z.string().min(1).optional(),
  /** Return as soon as the run is created; it continues in a background process. */
  detach: z.boolean().optional(),
});

/** The data options of `step(options, fn)` (its code options are in `sdk/options.ts`). */
export const stepDataOptionsSchema = z.object({
  /** Step name; defaults to the function's name. */
  name: z.string().min(1).optional(),
  /** Names of the outputs when the step returns an object holding several outputs. */
  outputs: namesSchema.optional(),
  ...overridableStepOptions,
  /** A cache entry older than this is not reused: seconds, or a string like '90s', '15m', '1h', '2d'. */
  cacheExpiresAfter: durationSchema.optional(),
  heartbeat: heartbeatSettingsSchema.optional(),
  /** Named concurrency limits (configured on the orchestrator) this step takes a slot of. */
  limits: namesSchema.optional(),
});

/** A retry policy as the engine applies it: the author's, defaults filled (no delay, no backoff). */
export const retryPolicySchema = retryOptionsSchema.transform(retryWithDefaults);

/**
 * A step's data options as a compiled DAG node holds them (`NodeOptions` in `model/dag.ts` is
 * this schema's output): parsed from the invocation's merged options by `sdk/compile.ts`, which
 * copies every field. A retry policy has its defaults filled, a cache expiry is in seconds, an
 * empty list of limits is left out; any other option is held as written. The heartbeat is not
 * here: the node's is inherited from the enclosing pipelines too (see `model/optionMerge.ts`).
 */
export const nodeDataOptionsSchema = stepDataOptionsSchema.omit({ name: true, outputs: true, heartbeat: true }).extend({
  /** Seconds after which a cache entry is no longer reused. */
  cacheExpiresAfter: durationSchema.transform((value) => durationSeconds(value) as number).optional(),
  retry: retryPolicySchema.optional(),
  limits: namesSchema.transform((names) => (names.length > 0 ? [...names] : undefined)).optional(),
});

const overridableKeys = Object.fromEntries(Object.keys(overridableStepOptions).map((key) => [key, true])) as { [K in keyof typeof overridableStepOptions]: true };

/** A run's override of one invocation as the engine applies it (`parameters` aside: they change the DAG): the node's form of each option. */
export const nodeOverrideSchema = nodeDataOptionsSchema.pick(overridableKeys);

/** The data options of `pipeline(options, fn)` (its hooks are in `sdk/options.ts`). */
export const pipelineDataOptionsSchema = z.object({
  /** Pipeline name; defaults to the function's name. */
  name: z.string().min(1).optional(),
  /** What the rest of the DAG does when a step fails (default `continueOnFailure`). */
  executionMode: executionModeSchema.optional(),
  /** Run name template: `{date}`, `{time}` and keys of `substitutions`. */
  runName: runNameSchema.optional(),
  substitutions: substitutionsSchema.optional(),
  enableCache: z.boolean().optional(),
  heartbeat: heartbeatSettingsSchema.optional(),
  /** Most steps of this pipeline running at once, across all its runs. */
  maxConcurrency: z.number().int().min(1).optional(),
  /** The pool of remote workers for its steps that name none (their own `pool` wins). */
  pool: poolNameSchema.optional(),
  /** The worker labels its steps require when they name none (their own `labels` win). */
  labels: labelsSchema.optional(),
});

/** Raised for options that do not match their schema; the message names the field and where it was given. */
export class OptionsError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

/** What is wrong with `value` by `schema`, as `field.path: message`; undefined when it fits. */
export function optionsProblem(schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`;
}

/** Checks `value` against `schema`; throws {@link OptionsError} naming the field and `where` (e.g. `run options`). */
export function checkOptions<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const problem = optionsProblem(schema, value);
  if (problem !== undefined) throw new OptionsError(`${where}: ${problem}`);
  return schema.parse(value);
}
