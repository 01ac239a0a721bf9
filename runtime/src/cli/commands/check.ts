import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import type { AnalysisDiagnostic } from '../../model/fileAnalysis';
import { analyzeInWorker, loadEngine } from './analysisEngine';

/** The files to check: the one given, or every file under a folder that mentions pipewright. */
function pipelineFiles(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`no such file or folder: ${target}`);
  const engine = loadEngine();
  if (!stat.isFile()) return engine.findPipelineFiles(target);
  if (!engine.isPipelineSource(target)) throw new UsageError(`not a TypeScript or JavaScript file: ${target}`);
  return [path.resolve(target)];
}

/** `file:line:column: severity code: message`, the file relative to the working folder. */
export function formatDiagnostic(d: AnalysisDiagnostic): string {
  return `${path.relative(process.cwd(), d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}`;
}

/** `pipewright check [PATH]`: the language server's diagnostics for CI; exit 1 on errors, 2 on bad input. */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description("check pipeline wiring without running it (the language server's diagnostics); exit 1 on errors")
    .argument('[path]', 'file or folder', '.')
    .option('--enforce-type-annotations', 'missing annotations are errors')
    .option('--json', 'print the diagnostics as one JSON array')
    .action(async (target: string, flags: { enforceTypeAnnotations?: boolean; json?: boolean }) => {
      const files = pipelineFiles(target);
      const diagnostics = (await analyzeInWorker(files, flags.enforceTypeAnnotations === true)).flatMap((analysis) => analysis.diagnostics);
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      if (flags.json) process.stdout.write(`${JSON.stringify(diagnostics)}\n`);
      else {
        for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
        process.stdout.write(`${files.length} file(s): ${errors} error(s), ${diagnostics.length - errors} warning(s) or note(s)\n`);
      }
      if (errors > 0) process.exitCode = 1;
    });
}
