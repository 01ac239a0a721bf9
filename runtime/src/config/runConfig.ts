import * as fs from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { optionsProblem, runOptionsSchema } from '../model/runOptions';
import type { RunOptions } from '../sdk/options';
import { InputError } from '../model/errorCodes';

/** Raised for a run config file that cannot be read or does not match the schema. */
export class RunConfigError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'RunConfigError';
  }
}

/** A run config: what to run (`pipeline`, `parameters`) and the run options (`model/runOptions.ts`). */
const runConfigSchema = runOptionsSchema.extend({
  pipeline: z.string().min(1).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
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
  const problem = optionsProblem(runConfigSchema, data);
  if (problem !== undefined) throw new RunConfigError(`${file}: ${problem}`);
  return runConfigSchema.parse(data);
}

/** The run options a config asks for (parameters and pipeline are handled by the caller). */
export function runOptionsFromConfig(config: RunConfig): RunOptions {
  const { pipeline: _pipeline, parameters: _parameters, ...options } = config;
  return options;
}
