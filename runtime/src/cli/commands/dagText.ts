import * as path from 'node:path';
import type { FileAnalysis } from '../../model/fileAnalysis';

type Pipeline = FileAnalysis['pipelines'][number];

/**
 * A pipeline's static DAG as `pipewright dag` prints it without `--json`: one invocation per line
 * with its step, then each input and the upstream output wired into it, then its `after` edges.
 */
export function dagText(pipeline: Pipeline): string {
  const at = `${path.relative(process.cwd(), pipeline.file)}:${pipeline.range.start.line + 1}:${pipeline.range.start.character + 1}`;
  const lines = [`pipeline ${pipeline.name} (${at}): ${pipeline.nodes.length} invocation(s)`];
  pipeline.nodes.forEach((node, index) => {
    const last = index === pipeline.nodes.length - 1;
    const notes = [node.step === node.id ? undefined : `step ${node.step}`, node.dynamic ? 'dynamic: any number of invocations' : undefined].filter((n) => n !== undefined);
    lines.push(`${last ? '└─' : '├─'} ${node.id}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`);
    const indent = last ? '   ' : '│  ';
    const incoming = pipeline.edges.filter((e) => e.to === node.id);
    for (const input of node.params) {
      const sources = incoming.filter((e) => e.kind === 'data' && e.toInput === input).map((e) => `${e.from}.${e.fromOutput ?? 'output'}`);
      const from = sources.length === 0 ? 'a value' : sources.length === 1 ? sources[0] : `[${sources.join(', ')}]`;
      lines.push(`${indent}   ${input} <- ${from}`);
    }
    const after = incoming.filter((e) => e.kind === 'order').map((e) => e.from);
    if (after.length > 0) lines.push(`${indent}   after ${after.join(', ')}`);
  });
  return lines.join('\n');
}
