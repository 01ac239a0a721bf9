import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../paths';
import { UsageError } from '../errors';

/** What the CLI uses of the analysis engine (declared here: the runtime cannot import the server's sources). */
interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface FileAnalysis {
  file: string;
  steps: { name: string }[];
  pipelines: {
    name: string;
    file: string;
    range: Range;
    nodes: { id: string; step: string; namespace: string[]; params: string[]; outputs: string[]; after: string[]; range: Range; dynamic?: boolean; options: Record<string, unknown>; types: { inputs: Record<string, string>; outputs: Record<string, string> } }[];
    edges: { from: string; fromOutput?: string; to: string; toInput?: string; kind: 'data' | 'order' }[];
  }[];
  diagnostics: { file: string; range: Range; severity: 'error' | 'warning' | 'information'; code: string; message: string }[];
}
interface AnalyzerLike {
  enforceTypeAnnotations: boolean;
  analyze(file: string): FileAnalysis;
}

function analyzer(enforce: boolean): AnalyzerLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the engine is a separate bundle, loaded on demand
  const engine = require(path.join(packageRoot, 'dist', 'analysis.js')) as { Analyzer: new () => AnalyzerLike };
  const instance = new engine.Analyzer();
  instance.enforceTypeAnnotations = enforce || /^(1|true|yes|on)$/i.test(process.env.PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS ?? '');
  return instance;
}

/** TypeScript files under `target` that import pipewright (node_modules, dist and stores left out). */
function pipelineFiles(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`no such file or folder: ${target}`);
  if (stat.isFile()) return [path.resolve(target)];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'out') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') && fs.readFileSync(full, 'utf8').includes('pipewright')) found.push(full);
    }
  };
  walk(path.resolve(target));
  return found.sort();
}

export function registerAnalysisCommands(program: Command): void {
  program
    .command('check')
    .description("check pipeline wiring without running it (the language server's diagnostics); exit 1 on errors")
    .argument('[path]', 'file or folder', '.')
    .option('--enforce-type-annotations', 'missing annotations are errors')
    .option('--json', 'print the diagnostics as one JSON array')
    .action((target: string, flags: { enforceTypeAnnotations?: boolean; json?: boolean }) => {
      const engine = analyzer(flags.enforceTypeAnnotations === true);
      const diagnostics = pipelineFiles(target).flatMap((file) => engine.analyze(file).diagnostics);
      if (flags.json) process.stdout.write(`${JSON.stringify(diagnostics)}\n`);
      else {
        for (const d of diagnostics) process.stdout.write(`${path.relative(process.cwd(), d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}\n`);
        const errors = diagnostics.filter((d) => d.severity === 'error').length;
        process.stdout.write(`${errors} error(s), ${diagnostics.length - errors} warning(s)\n`);
      }
      if (diagnostics.some((d) => d.severity === 'error')) process.exitCode = 1;
    });
  program
    .command('dag')
    .description('print the static DAG of the pipelines in a file')
    .argument('<file>', 'pipeline file')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--json', 'print JSON (the default; kept for symmetry)')
    .action((file: string, flags: { pipeline?: string }) => {
      if (!fs.existsSync(file)) throw new UsageError(`pipeline file not found: ${file}`);
      const analysis = analyzer(false).analyze(path.resolve(file));
      const pipelines = analysis.pipelines.filter((p) => flags.pipeline === undefined || p.name === flags.pipeline);
      if (flags.pipeline !== undefined && pipelines.length === 0) {
        throw new UsageError(`${file}: no pipeline named "${flags.pipeline}" (pipelines: ${analysis.pipelines.map((p) => p.name).join(', ') || 'none'})`);
      }
      const out = {
        pipelines: pipelines.map((p) => ({
          name: p.name,
          file: p.file,
          nodes: p.nodes.map((n) => ({ id: n.id, step: n.step, file: p.file, range: n.range, inputs: n.params.map((name) => ({ name, type: n.types.inputs[name] ?? 'unknown' })), outputs: n.outputs.map((name) => ({ name, type: n.types.outputs[name] ?? 'unknown' })), options: { ...n.options, after: n.after, ...(n.dynamic ? { dynamic: true } : {}) } })),
          edges: p.edges,
        })),
        diagnostics: analysis.diagnostics,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
}
