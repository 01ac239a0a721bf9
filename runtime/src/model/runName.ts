/** Placeholders every run-name template may use, besides the pipeline's and run's substitutions. */
export const BUILTIN_PLACEHOLDERS = ['date', 'time', 'pipeline'] as const;

export class RunNameError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'RunNameError';
  }
}

/**
 * Expands a run-name template: `{date}` is YYYY_MM_DD and `{time}` HH_MM_SS_mmm (UTC, as ZenML
 * formats them), `{pipeline}` the pipeline name, and any key of `substitutions`.
 */
import { InputError } from './errorCodes';
export function expandRunName(template: string, at: Date, pipeline: string, substitutions: Record<string, string> = {}): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const values: Record<string, string> = {
    date: `${at.getUTCFullYear()}_${pad(at.getUTCMonth() + 1)}_${pad(at.getUTCDate())}`,
    time: `${pad(at.getUTCHours())}_${pad(at.getUTCMinutes())}_${pad(at.getUTCSeconds())}_${pad(at.getUTCMilliseconds(), 3)}`,
    pipeline,
    ...substitutions,
  };
  const name = template.replace(/\{([^{}]*)\}/g, (_match, key: string) => {
    if (!(key in values)) {
      throw new RunNameError(`run name template "${template}" uses unknown placeholder {${key}} (known: ${Object.keys(values).map((k) => `{${k}}`).join(', ')})`);
    }
    return values[key];
  });
  if (name.trim() === '') throw new RunNameError(`run name template "${template}" expands to an empty name`);
  return name;
}

export const DEFAULT_RUN_NAME = '{pipeline}-{date}-{time}';
