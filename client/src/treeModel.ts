/**
 * The trees of the Pipelines and Runs views as plain data (the views turn them into TreeItems).
 * Pure: no vscode.
 */
import type { SourceRange } from '../../contracts/src/graph';
import type { PipelineSummary } from '../../contracts/src/lspMessages';
import { formatBytes } from '../../contracts/src/byteSize';
import { describeRun, describeStep, statusIcon, type HeartbeatSettingsMs, type IconSpec } from './format';
import { retriedRun, type RunsState } from './runState';

export type PipelineNode =
  | { kind: 'file'; uri: string; label: string; description: string; children: PipelineNode[] }
  | { kind: 'pipeline'; uri: string; pipeline: string; label: string; description: string; range?: SourceRange; children: PipelineNode[] }
  | { kind: 'step'; uri: string; pipeline: string; invocationId: string; /** The step's name (what Run Step runs). */ step: string; label: string; description: string; range?: SourceRange; children: PipelineNode[] };

/** `src/a.ts` for a file URI under the workspace folder URI, else the file name. */
export function relativeLabel(uri: string, workspaceUris: string[]): string {
  for (const root of workspaceUris) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (uri.startsWith(prefix)) return decodeURIComponent(uri.slice(prefix.length));
  }
  return decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
}

function problems(counts: { errors: number; warnings: number }): string {
  const parts: string[] = [];
  if (counts.errors > 0) parts.push(`${counts.errors} error${counts.errors === 1 ? '' : 's'}`);
  if (counts.warnings > 0) parts.push(`${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** Pipelines grouped by file (files sorted by path, pipelines by name), steps as children. */
export function buildPipelineTree(pipelines: PipelineSummary[], workspaceUris: string[]): PipelineNode[] {
  const byFile = new Map<string, PipelineSummary[]>();
  for (const pipeline of pipelines) byFile.set(pipeline.uri, [...(byFile.get(pipeline.uri) ?? []), pipeline]);
  return [...byFile.entries()]
    .map(([uri, list]): PipelineNode => {
      const totals = list.reduce((sum, p) => ({ errors: sum.errors + p.diagnostics.errors, warnings: sum.warnings + p.diagnostics.warnings }), { errors: 0, warnings: 0 });
      const children = [...list]
        .sort((a, b) => a.pipeline.localeCompare(b.pipeline))
        .map((p): PipelineNode => ({
          kind: 'pipeline',
          uri,
          pipeline: p.pipeline,
          label: p.pipeline,
          description: [`${p.steps.length} step${p.steps.length === 1 ? '' : 's'}`, problems(p.diagnostics)].filter(Boolean).join(' · '),
          range: p.range,
          children: p.steps.map((s): PipelineNode => ({ kind: 'step', uri, pipeline: p.pipeline, invocationId: s.id, step: s.step, label: s.id, description: s.id === s.step ? '' : s.step, range: s.range, children: [] })),
        }));
      return { kind: 'file', uri, label: relativeLabel(uri, workspaceUris), description: problems(totals), children };
    })
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** A pipeline's runs, newest first: the Runs view's top level. */
export interface RunGroupNode {
  kind: 'group';
  pipeline: string;
  label: string;
  description: string;
  tooltip: string;
  icon: IconSpec;
  contextValue: string;
  children: RunNode[];
}

/** What the Runs view shows: groups of runs, and runs with their steps and outputs. */
export type RunsViewNode = RunGroupNode | RunNode;

export type RunNode =
  | { kind: 'run'; runId: string; label: string; description: string; tooltip: string; icon: IconSpec; contextValue: string; children: RunNode[] }
  | { kind: 'step'; runId: string; invocationId: string; label: string; description: string; tooltip: string; icon: IconSpec; contextValue: string; children: RunNode[] }
  | { kind: 'output'; runId: string; invocationId: string; output: string; label: string; description: string; tooltip: string; icon: IconSpec; contextValue: string; children: RunNode[] };

/**
 * Runs newest first; each with its steps. A run leads with its status and progress (`failed ·
 * 4/5 steps · 1.2 s`), its name after it, and says which run it retries. `contextValue` drives
 * the context menus: `run.running` can be cancelled, `run.retryable` retried; `step.retryable`
 * steps retried, `….failed` ones debugged.
 */
export function buildRunTree(state: RunsState, now: number, heartbeat: HeartbeatSettingsMs): RunNode[] {
  return state.order.flatMap((runId): RunNode[] => {
    const run = state.runs[runId];
    if (!run) return [];
    const steps = Object.values(run.steps).map((step): RunNode => {
      const retryable = run.status !== 'running' && step.status !== 'completed' && step.status !== 'cached';
      return {
        kind: 'step',
        runId,
        invocationId: step.id,
        label: step.id,
        description: describeStep(step, now, heartbeat),
        tooltip: [`${step.id} (${step.step})`, step.error ?? '', ...(step.relinquished ?? []).map((r) => `attempt ${r.attempt} relinquished (its worker was drained; run again, no retry used)${r.detail ? `: ${r.detail}` : ''}`)].filter(Boolean).join('\n'),
        icon: statusIcon(step.status),
        contextValue: `step${retryable ? '.retryable' : ''}${step.attempts > 0 ? '.started' : ''}${step.status === 'failed' ? '.failed' : ''}`,
        children: (step.outputs ?? []).map((output): RunNode => ({
          kind: 'output',
          runId,
          invocationId: step.id,
          output: output.name,
          label: output.name,
          description: `${output.type} · ${formatBytes(output.size)}`,
          tooltip: `${step.id}.${output.name}: ${output.type}, ${formatBytes(output.size)} (${output.materializer}), sha256 ${output.hash.slice(0, 12)}`,
          icon: { id: 'symbol-field' },
          contextValue: 'output',
          children: [],
        })),
      };
    });
    const retryOf = retriedRun(state, run);
    const retry = retryOf === undefined ? '' : ` · retry of ${retryOf}`;
    return [
      {
        kind: 'run',
        runId,
        label: describeRun(run, now),
        description: `${run.runName}${retry}`,
        tooltip: [`${run.runName}${retry}`, `${run.pipeline} · ${run.runId}`, run.error ?? ''].filter(Boolean).join('\n'),
        icon: statusIcon(run.status),
        contextValue: run.status === 'running' ? 'run.running' : run.status === 'completed' ? 'run.done' : 'run.retryable',
        children: steps,
      },
    ];
  });
}

/** Runs grouped by pipeline: a group per pipeline (the one with the newest run first), its runs newest first. */
export function groupRunsByPipeline(runs: RunNode[], state: RunsState): RunGroupNode[] {
  const groups = new Map<string, RunNode[]>();
  for (const node of runs) {
    const pipeline = node.kind === 'run' ? state.runs[node.runId]?.pipeline : undefined;
    if (pipeline !== undefined) groups.set(pipeline, [...(groups.get(pipeline) ?? []), node]);
  }
  return [...groups.entries()].map(([pipeline, children]): RunGroupNode => {
    const running = children.filter((node) => node.kind === 'run' && state.runs[node.runId]?.status === 'running').length;
    const count = `${children.length} run${children.length === 1 ? '' : 's'}`;
    return { kind: 'group', pipeline, label: pipeline, description: running > 0 ? `${count} · ${running} running` : count, tooltip: `runs of ${pipeline}`, icon: { id: 'type-hierarchy' }, contextValue: 'group', children };
  });
}
