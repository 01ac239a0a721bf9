/** The parts of `runs show` that describe what a run was given and what it produced. */
import type { StepSummary, RunSummary } from '../model/runSummary';
import { formatBytes, formatParameter, hashPrefix } from './format';
import { alignColumns } from './table';

/** `  params   count=6` then one line per further parameter, aligned; `(none)` when the run had none. */
export function parameterLines(summary: RunSummary): string[] {
  const entries = Object.entries(summary.parameters ?? {});
  if (entries.length === 0) return ['  params   (none)'];
  return entries.map(([name, value], index) => `  ${index === 0 ? 'params  ' : '        '} ${name}=${formatParameter(value)}`);
}

/** One line per committed output of a step: `      → name  type  materializer  size  hash prefix`. */
export function outputLines(step: StepSummary): string[] {
  const outputs = step.outputs ?? [];
  if (outputs.length === 0) return [];
  return alignColumns(outputs.map((o) => [o.name, o.type, o.materializer, formatBytes(o.size), hashPrefix(o.hash)]), [3]).map((line) => `      → ${line}`);
}
