import type { RunConfig } from '../config/runConfig';
import { fileTargetOf } from '../launch/runPipelineFile';
import { UsageError } from './errors';

/** Collects a repeatable flag (`--param a=1 --param b=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--param key=value` pairs as text parameters (converted later to the declared types). */
export function parseParams(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${pair}: expected key=value`);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return params;
}

/** What `run` and `plan` target: the file, `--step` or else `--pipeline` (or the config's), and the parameters of the config and of `--param`. */
export function runTargetOf(file: string, flags: { step?: string; pipeline?: string; config?: string; param: string[] }, config: RunConfig | undefined) {
  return fileTargetOf(file, flags, config, parseParams(flags.param));
}
