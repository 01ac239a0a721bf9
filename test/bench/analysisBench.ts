/**
 * Language-server benchmarks on a generated 300-file, 3,000-step workspace: cold analysis beside
 * `tsc --noEmit` on the same workspace (measured in the same run), and the time from an edit to
 * the updated graph (median and p95), with memory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Analyzer } from '../../server/src/analysis/analyzer';
import type { BenchLine } from './engineBench';

const repoRoot = path.resolve(__dirname, '..', '..');

function generate(dir: string, files: number, stepsPerFile: number): string[] {
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repoRoot, 'runtime'), path.join(dir, 'node_modules', 'pipewright'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"bench-workspace","private":true}');
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }),
  );
  const names: string[] = [];
  for (let f = 0; f < files; f++) {
    const lines = ["import { pipeline, step } from 'pipewright';", `export interface Row${f} { id: number; value: number }`];
    for (let s = 0; s < stepsPerFile; s++) {
      lines.push(`export const s${f}_${s} = step(function s${f}_${s}(rows: Row${f}[], factor: number): Row${f}[] { return rows.map((r) => ({ id: r.id, value: r.value * factor + ${s} })); });`);
    }
    const body = [`  let rows = s${f}_0([], 1);`, ...Array.from({ length: stepsPerFile - 1 }, (_, s) => `  rows = s${f}_${s + 1}(rows, ${s + 2});`)];
    lines.push(`export const p${f} = pipeline(function p${f}() {`, ...body, '});');
    const file = path.join(dir, `f${f}.ts`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    names.push(file);
  }
  return names;
}

export async function analysisBench(): Promise<BenchLine[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-ls-bench-'));
  try {
    const files = generate(dir, 300, 10);
    const tscStart = performance.now();
    const tsc = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
    const tscMs = performance.now() - tscStart;
    if (tsc.status !== 0) throw new Error(`tsc failed on the generated workspace: ${tsc.stdout.slice(0, 500)}`);

    const heapBefore = process.memoryUsage().heapUsed;
    const coldStart = performance.now();
    const analyzer = new Analyzer();
    for (const file of files) analyzer.setDocument(file, fs.readFileSync(file, 'utf8'));
    let steps = 0;
    for (const file of files) steps += analyzer.analyze(file).steps.length;
    const coldMs = performance.now() - coldStart;
    if (steps !== 3000) throw new Error(`found ${steps} steps, expected 3000`);
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

    // Edit one file at a time (append a step call to its pipeline) and time until its graph is updated.
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const file = files[(i * 7) % files.length];
      const text = fs.readFileSync(file, 'utf8').replace(/\n\}\);\n$/, `\n  rows = s${(i * 7) % files.length}_0(rows, ${i});\n});\n`);
      const start = performance.now();
      analyzer.setDocument(file, text);
      const analysis = analyzer.analyze(file);
      latencies.push(performance.now() - start);
      if (analysis.pipelines[0]?.nodes.length !== 11) throw new Error('the edit did not reach the graph');
      analyzer.setDocument(file, fs.readFileSync(file, 'utf8'));
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)];
    const p95 = latencies[Math.floor(latencies.length * 0.95)];
    return [
      {
        name: 'cold analysis, 300 files / 3,000 steps',
        value: `${coldMs.toFixed(0)} ms (heap +${heapMb.toFixed(0)} MB)`,
        baseline: `tsc --noEmit on the same workspace: ${tscMs.toFixed(0)} ms (ratio ${(coldMs / tscMs).toFixed(2)})`,
        target: 'under a third of tsc --noEmit',
      },
      {
        name: 'edit to updated graph, same workspace (100 edits)',
        value: `median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`,
        baseline: `cold analysis above: ${coldMs.toFixed(0)} ms`,
        target: 'median < 30 ms, p95 < 100 ms',
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
