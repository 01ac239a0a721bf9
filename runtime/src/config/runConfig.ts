import * as fs from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { EXECUTION_MODES, type ExecutionMode } from '../model/status';
import type { RunOptions } from '../sdk/options';
import { InputError } from '../model/errorCodes';

/** Raised for a run config file that cannot be read or does not match the schema. */
export class RunConfigError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'RunConfigError';
  }
}

const retrySchema = z.strictObject({
  maxRetries: z.number().int().min(0),
  delay: z.number().min(0).optional(),
  backoff: z.number().min(1).optional(),
});

const stepOverrideSchema = z.strictObject({
  enableCache: z.boolean().optional(),
  retry: retrySchema.optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

const runConfigSchema = z.strictObject({
  pipeline: z.string().min(1).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  runName: z.string().min(1).optional(),
  enableCache: z.boolean().optional(),
  executionMode: z.enum(EXECUTION_MODES as [ExecutionMode, ...ExecutionMode[]]).optional(),
  enforceTypeAnnotations: z.boolean().optional(),
  substitutions: z.record(z.string(), z.string()).optional(),
  maxParallel: z.number().int().min(1).optional(),
  heartbeat: z.strictObject({ interval: z.number().positive().optional(), timeout: z.number().positive().optional() }).optional(),
  maxLostRetries: z.number().int().min(0).optional(),
  steps: z.record(z.string(), stepOverrideSchema).optional(),
});

/** A run config file: what to run and how, as YAML. */
export type RunConfig = z.infer<typeof runConfigSchema>;

/** Reads and validates a YAML run config; errors name the file, the line and the key path. */
export function loadRunConfig(file: string): RunConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new RunConfigError(`${file}: cannot read run config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const line = first.linePos?.[0];
    const message = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new RunConfigError(`${file}${line ? `:${line.line}:${line.col}` : ''}: invalid YAML: ${message}`);
  }
  const data: unknown = document.toJS() ?? {};
  const parsed = runConfigSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new RunConfigError(`${file}: ${where}: ${issue.message}`);
  }
  return parsed.data;
}

/** The run options a config asks for (parameters and pipeline are handled by the caller). */
export function runOptionsFromConfig(config: RunConfig): RunOptions {
  const options: RunOptions = {};
  if (config.runName !== undefined) options.runName = config.runName;
  if (config.enableCache !== undefined) options.enableCache = config.enableCache;
  if (config.executionMode !== undefined) options.executionMode = config.executionMode;
  if (config.enforceTypeAnnotations !== undefined) options.enforceTypeAnnotations = config.enforceTypeAnnotations;
  if (config.substitutions !== undefined) options.substitutions = config.substitutions;
  if (config.maxParallel !== undefined) options.maxParallel = config.maxParallel;
  if (config.steps !== undefined) options.steps = config.steps;
  if (config.heartbeat !== undefined) options.heartbeat = config.heartbeat;
  if (config.maxLostRetries !== undefined) options.maxLostRetries = config.maxLostRetries;
  return options;
}
