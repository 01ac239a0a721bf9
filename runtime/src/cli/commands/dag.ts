import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import type { FileAnalysis, StaticNode } from '../../model/fileAnalysis';
import { analyzeInWorker } from './analysisEngine';
import { formatDiagnostic } from './check';
import { dagText } from './dagText';

/** One node as `pipewright dag --json` prints it. */
function printedNode(node: StaticNode, file: string) {
  return {
    id: node.id,
    step: node.step,
    file,
    range: node.range,
    inputs: node.params.map((name) => ({ name, type: node.types.inputs[name] ?? 'unknown' })),
    outputs: node.outputs.map((name) => ({ name, type: node.types.outputs[name] ?? 'unknown' })),
    options: { ...node.options, after: node.after, ...(node.dynamic ? { dynamic: true } : {}) },
    ...(node.namespace.length > 0 ? { namespace: node.namespace } : {}),
    ...(node.definition ? { definition: node.definition } : {}),
  };
}

function printedPipeline(pipeline: FileAnalysis['pipelines'][number]) {
  return {
    name: pipeline.name,
    file: pipeline.file,
    nodes: pipeline.nodes.map((node) => printedNode(node, pipeline.file)),
    edges: pipeline.edges.map((e) => ({ from: e.from, fromOutput: e.fromOutput ?? null, to: e.to, toInput: e.toInput ?? null, kind: e.kind })),
  };
}

/** `pipewright dag FILE [--pipeline NAME] [--json]`: the static DAG, without running the file. */
export function registerDagCommand(program: Command): void {
  program
    .command('dag')
    .description('print the static DAG of the pipelines in a file (read, never run): a tree of invocations, or JSON')
    .argument('<file>', 'pipeline file')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--json', 'print one JSON object: pipelines with nodes and edges, and the diagnostics')
    .action(async (file: string, flags: { pipeline?: string; json?: boolean }) => {
      if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`pipeline file not found: ${file}`);
      const [analysis] = await analyzeInWorker([path.resolve(file)], false);
      const pipelines = analysis.pipelines.filter((p) => flags.pipeline === undefined || p.name === flags.pipeline);
      if (flags.pipeline !== undefined && pipelines.length === 0) {
        throw new UsageError(`${file}: no pipeline named "${flags.pipeline}" (pipelines: ${analysis.pipelines.map((p) => p.name).join(', ') || 'none'})`);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ pipelines: pipelines.map(printedPipeline), diagnostics: analysis.diagnostics }, null, 2)}\n`);
        return;
      }
      const blocks = pipelines.map(dagText);
      if (blocks.length === 0) blocks.push(`${path.relative(process.cwd(), analysis.file)}: no pipeline found`);
      if (analysis.diagnostics.length > 0) blocks.push(['diagnostics:', ...analysis.diagnostics.map(formatDiagnostic)].join('\n'));
      process.stdout.write(`${blocks.join('\n\n')}\n`);
    });
}
