/**
 * Two runs compared (the API's `RunDiff`, computed by the runtime's one rule) as the Markdown
 * document "Compare with…" opens: both runs, the parameters that differ, one table row per
 * invocation. Pure (no vscode).
 */
import type { OutputDiff, RunDiff, StepDiff } from '../../runtime/src/model/runDiff';
import { formatDuration } from '../../contracts/src/heartbeat';

export function runDiffText(diff: RunDiff): string {
  const lines: string[] = [`# ${diff.a.runName} ↔ ${diff.b.runName}`, ''];
  for (const warning of diff.warnings) lines.push(`> **Warning:** ${cell(warning)}`, '');
  lines.push('| | run | pipeline | status | duration |', '|---|---|---|---|---:|');
  for (const [label, side] of [['A', diff.a], ['B', diff.b]] as const) lines.push(`| ${label} | ${cell(side.runName)} (\`${side.runId.slice(0, 8)}\`) | ${cell(side.pipeline)} | ${side.status} | ${duration(side.durationMs)} |`);
  const changed = diff.parameters.filter((parameter) => !parameter.same);
  lines.push('', '## Parameters', '');
  if (diff.parameters.length === 0) lines.push('Neither run has parameters (defaults are not stored).');
  else if (changed.length === 0) lines.push(`All ${diff.parameters.length} equal.`);
  else {
    lines.push('| parameter | A | B |', '|---|---|---|');
    for (const parameter of changed) lines.push(`| ${cell(parameter.name)} | ${value('a' in parameter, parameter.a)} | ${value('b' in parameter, parameter.b)} |`);
    const same = diff.parameters.length - changed.length;
    if (same > 0) lines.push('', `${same} more equal.`);
  }
  const { summary } = diff;
  lines.push('', '## Steps', '', `${summary.changed} changed, ${summary.added} added, ${summary.removed} removed, ${summary.same} same; ${summary.outputsChanged} output(s) differ.`, '');
  lines.push('| step | change | A | B | Δ duration | outputs |', '|---|---|---|---|---:|---|');
  for (const step of diff.steps) lines.push(`| ${cell(step.id)} | ${step.change === 'same' ? 'same' : `**${step.change}**`} | ${side(step.a)} | ${side(step.b)} | ${delta(step.durationDeltaMs)} | ${step.outputs.map(output).join(', ')} |`);
  return `${lines.join('\n')}\n`;
}

function duration(ms: number | null): string {
  return ms === null ? '–' : formatDuration(ms);
}

function side(step: StepDiff['a']): string {
  if (step === undefined) return '–';
  return [step.cached ? 'cached' : step.status, step.durationMs === null ? '' : formatDuration(step.durationMs), step.attempts > 1 ? `${step.attempts} attempts` : ''].filter(Boolean).join(' · ');
}

function delta(ms: number | null): string {
  return ms === null ? '' : `${ms >= 0 ? '+' : '−'}${formatDuration(Math.abs(ms))}`;
}

function output(o: OutputDiff): string {
  const name = cell(o.name);
  if (o.change === 'same') return `${name} =`;
  if (o.change === 'different') return `**${name}** \`${o.a!.slice(0, 12)}\` ≠ \`${o.b!.slice(0, 12)}\``;
  return `${name} ${o.change}`;
}

/** A stored parameter as one table cell (its stored JSON, cut short). */
function value(present: boolean, stored: unknown): string {
  if (!present) return '(absent)';
  const text = JSON.stringify(stored) ?? 'undefined';
  return `\`${cell(text.length > 80 ? `${text.slice(0, 79)}…` : text).replace(/`/g, "'")}\``;
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
