/**
 * Language-server benchmarks on a generated 300-file, 3,000-step workspace (each file's pipeline
 * also calls a step of the previous file, so files depend on each other): cold analysis beside
 * `tsc --noEmit` on the same workspace, both measured here, both as fresh processes, taken in
 * turns several times (medians: these machines are noisy); and the time from an edit to the
 * updated graph (median and p95), with memory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Analyzer } from '../../server/src/analysis/analyzer';
import type { BenchLine } from './engineBench';

const repoRoot = path.resolve(__dirname, '..', '..');
const FILES = 300;
const STEPS_PER_FILE = 10;
const EDITS = 200;
/** Fresh-process runs of the cold analysis and of tsc, taken in turns. */
const COLD_RUNS = 5;
/** The small workspace of the start-up target. */
const SMALL_FILES = 30;

/** File `f` of a workspace of `files` files; `untypedStep` leaves that step's return type unwritten (only the type checker can say it). */
function fileText(f: number, extraCall = '', untypedStep = -1, files = FILES): string {
  const previous = (f + files - 1) % files;
  const lines = ["import { pipeline, step } from 'pipewright';", `import { s${previous}_0 } from './f${previous}';`, `export interface Row${f} { id: number; value: number }`];
  for (let s = 0; s < STEPS_PER_FILE; s++) {
    const returns = s === untypedStep ? '' : `: Row${f}[]`;
    lines.push(`export const s${f}_${s} = step(function s${f}_${s}(rows: Row${f}[], factor: number)${returns} { return rows.map((r) => ({ id: r.id, value: r.value * factor + ${s} })); });`);
  }
  const body = [`  let rows = s${f}_0([], 1);`, ...Array.from({ length: STEPS_PER_FILE - 1 }, (_, s) => `  rows = s${f}_${s + 1}(rows, ${s + 2});`), `  s${previous}_0([], 0);`];
  lines.push(`export const p${f} = pipeline(function p${f}() {`, ...body, extraCall, '});');
  return `${lines.join('\n')}\n`;
}

function generate(dir: string, count = FILES): string[] {
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repoRoot, 'runtime'), path.join(dir, 'node_modules', 'pipewright'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"bench-workspace","private":true}');
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }),
  );
  return Array.from({ length: count }, (_, f) => {
    const file = path.join(dir, `f${f}.ts`);
    fs.writeFileSync(file, fileText(f, '', -1, count));
    return file;
  });
}

/** Wall time of a fresh Node process running `args` in `dir` (module loading included, as for tsc). */
function timeProcess(args: string[], dir: string): { ms: number; stdout: string; status: number | null } {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ms: performance.now() - start, stdout: result.stdout, status: result.status };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** The engine bundle the CLI uses, in a fresh process: load, analyse every file, report the steps found. */
const COLD_SCRIPT = `const t=performance.now();const {Analyzer,findPipelineFiles}=require(${JSON.stringify(path.join(repoRoot, 'runtime', 'dist', 'analysis.js'))});const a=new Analyzer().analyzeAll(findPipelineFiles(process.cwd()));process.stdout.write(JSON.stringify({steps:a.reduce((n,x)=>n+x.steps.length,0),ms:performance.now()-t,rss:process.memoryUsage().rss}))`;

/** Cold analyses of the workspace in `dir` (`files` files) and `tsc --noEmit` on it, fresh processes taken in turns. */
function coldRuns(dir: string, files: number): { tscRuns: number[]; coldRuns: { wall: number; ms: number; rss: number }[] } {
  const tscRuns: number[] = [];
  const coldRuns: { wall: number; ms: number; rss: number }[] = [];
  for (let run = 0; run < COLD_RUNS; run++) {
    const tsc = timeProcess([path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', dir], dir);
    if (tsc.status !== 0) throw new Error(`tsc failed on the generated workspace: ${tsc.stdout.slice(0, 500)}`);
    tscRuns.push(tsc.ms);
    const cold = timeProcess(['-e', COLD_SCRIPT], dir);
    const coldResult = JSON.parse(cold.stdout) as { steps: number; ms: number; rss: number };
    if (coldResult.steps !== files * STEPS_PER_FILE) throw new Error(`found ${coldResult.steps} steps, expected ${files * STEPS_PER_FILE}`);
    coldRuns.push({ wall: cold.ms, ms: coldResult.ms, rss: coldResult.rss });
  }
  return { tscRuns, coldRuns };
}

/** The per-turn ratios of cold analysis to tsc, and their median. */
function perTurn(runs: ReturnType<typeof coldRuns>): string {
  const ratios = runs.coldRuns.map((r, i) => r.wall / runs.tscRuns[i]);
  return `per turn ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`;
}

/** The same measurement on a 30-file workspace, where start-up weighs most. */
function smallWorkspaceLine(list: (values: number[]) => string): BenchLine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-ls-bench-small-'));
  try {
    generate(dir, SMALL_FILES);
    const runs = coldRuns(dir, SMALL_FILES);
    const coldMs = median(runs.coldRuns.map((r) => r.wall));
    const tscMs = median(runs.tscRuns);
    return {
      name: `cold analysis, ${SMALL_FILES} files / ${SMALL_FILES * STEPS_PER_FILE} steps (fresh process, engine bundle; median of ${COLD_RUNS}, in turns with tsc)`,
      value: `${coldMs.toFixed(0)} ms wall (${list(runs.coldRuns.map((r) => r.wall))})`,
      baseline: `tsc --noEmit on the same workspace: ${tscMs.toFixed(0)} ms wall (${list(runs.tscRuns)}); ratio of medians ${(coldMs / tscMs).toFixed(2)}, ${perTurn(runs)}`,
      target: 'at most a third of tsc --noEmit (ratio ≤ 0.33)',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function analysisBench(): Promise<BenchLine[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-ls-bench-'));
  try {
    const files = generate(dir);
    const runs = coldRuns(dir, FILES);
    const { tscRuns, coldRuns: cold } = runs;
    const tscMs = median(tscRuns);
    const coldMs = median(cold.map((r) => r.wall));
    const check = timeProcess([path.join(repoRoot, 'runtime', 'bin', 'pipewright.js'), 'check', '.'], dir);
    // What the compiler itself needs before any type question: parse and bind the program (libs
    // included); and parsing the workspace's files alone, the floor of any analysis of them.
    const typescriptPath = JSON.stringify(path.join(repoRoot, 'node_modules', 'typescript'));
    const floorScript = `const ts=require(${typescriptPath});const c=ts.getParsedCommandLineOfConfigFile('tsconfig.json',{},{...ts.sys,onUnRecoverableConfigFileDiagnostic(){}});ts.createProgram(c.fileNames,c.options).getTypeChecker()`;
    const floor = timeProcess(['-e', floorScript], dir);
    if (floor.status !== 0) throw new Error('the parse-and-bind baseline failed');
    const parseScript = `const ts=require(${typescriptPath});const fs=require('fs');for(const f of fs.readdirSync('.'))if(f.endsWith('.ts'))ts.createSourceFile(f,fs.readFileSync(f,'utf8'),ts.ScriptTarget.ES2022,true)`;
    const parseOnly = timeProcess(['-e', parseScript], dir);
    if (parseOnly.status !== 0) throw new Error('the parse-only baseline failed');

    // In this process: a warm engine as the language server holds it, every file analysed once.
    const heapBefore = process.memoryUsage().heapUsed;
    const analyzer = new Analyzer();
    const warmStart = performance.now();
    analyzer.analyzeAll(files);
    const inProcessMs = performance.now() - warmStart;
    // Both, not their difference: a collection of the cold runs' garbage meanwhile can make it negative.
    const [heapBeforeMb, heapAfterMb] = [heapBefore, process.memoryUsage().heapUsed].map((bytes) => bytes / 1024 / 1024);

    // Edits as typed in an editor: one file's text changes and its graph is asked for. Half edit a
    // pipeline body; half rename a step that the next file imports, whose graph is asked for too.
    const ownEdits: number[] = [];
    const crossEdits: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const f = (i * 7) % FILES;
      const file = files[f];
      const cross = i % 2 === 1;
      const text = cross ? fileText(f).replace(`function s${f}_0(`, `{ name: 'renamed${i}' }, function s${f}_0(`) : fileText(f, `  s${f}_1(rows, ${i});`);
      const start = performance.now();
      analyzer.setDocument(file, text);
      const own = analyzer.analyze(file);
      if (cross) {
        const dependent = analyzer.analyze(files[(f + 1) % FILES]);
        if (!dependent.pipelines[0]?.nodes.some((n) => n.id === `renamed${i}`)) throw new Error('the rename did not reach the importing file');
        crossEdits.push(performance.now() - start);
      } else {
        if (own.pipelines[0]?.nodes.length !== STEPS_PER_FILE + 2) throw new Error('the edit did not reach the graph');
        ownEdits.push(performance.now() - start);
      }
      analyzer.setDocument(file, fileText(f));
    }
    // Edits to a file with a step whose return type is unwritten: its warning, quick fix and hover
    // need the type checker, so each edit builds the typed program's next version (libs included,
    // unchanged files reused) and asks it.
    const typedEdits: number[] = [];
    for (let i = 0; i < EDITS / 2; i++) {
      const f = (i * 11) % FILES;
      const start = performance.now();
      analyzer.setDocument(files[f], fileText(f, `  s${f}_1(rows, ${i});`, 3));
      const own = analyzer.analyze(files[f]);
      typedEdits.push(performance.now() - start);
      const inferred = own.steps.find((s) => s.name === `s${f}_3`)?.returnType;
      if (inferred !== '{ id: number; value: number; }[]' || !own.diagnostics.some((d) => d.code === 'missing-return-type')) throw new Error(`the type checker was not asked (return type ${inferred})`);
      analyzer.setDocument(files[f], fileText(f));
    }
    const firstTyped = typedEdits[0];
    typedEdits.sort((a, b) => a - b);
    const all = [...ownEdits, ...crossEdits].sort((a, b) => a - b);
    ownEdits.sort((a, b) => a - b);
    crossEdits.sort((a, b) => a - b);
    const rssMb = (Math.max(...cold.map((r) => r.rss)) / 1024 / 1024).toFixed(0);
    const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
    return [
      {
        name: `cold analysis, ${FILES} files / ${FILES * STEPS_PER_FILE} steps (fresh process, engine bundle; median of ${COLD_RUNS}, in turns with tsc)`,
        value: `${coldMs.toFixed(0)} ms wall (${list(cold.map((r) => r.wall))}; in-process from loading the engine to the last result: ${list(cold.map((r) => r.ms))}), RSS ${rssMb} MB; pipewright check: ${check.ms.toFixed(0)} ms`,
        baseline: `tsc --noEmit on the same workspace: ${tscMs.toFixed(0)} ms wall (${list(tscRuns)}); ratio of medians ${(coldMs / tscMs).toFixed(2)}, ${perTurn(runs)}; parse and bind the program alone: ${floor.ms.toFixed(0)} ms (ratio ${(floor.ms / tscMs).toFixed(2)}); parse the 300 files alone: ${parseOnly.ms.toFixed(0)} ms`,
        target: 'at most a fifth of tsc --noEmit (ratio ≤ 0.2)',
      },
      smallWorkspaceLine(list),
      {
        name: 'analysis of the whole workspace in a running server (engine loaded)',
        value: `${inProcessMs.toFixed(0)} ms, heap in use ${heapAfterMb.toFixed(0)} MB after it (${heapBeforeMb.toFixed(0)} MB before)`,
        baseline: `tsc --noEmit: ${tscMs.toFixed(0)} ms (ratio ${(inProcessMs / tscMs).toFixed(2)})`,
        target: 'under a third of tsc --noEmit',
      },
      {
        name: `edit to updated graph (${EDITS} edits)`,
        value: `median ${percentile(all, 0.5).toFixed(1)} ms, p95 ${percentile(all, 0.95).toFixed(1)} ms (body edits: median ${percentile(ownEdits, 0.5).toFixed(1)} / p95 ${percentile(ownEdits, 0.95).toFixed(1)}; step renames + importing file: median ${percentile(crossEdits, 0.5).toFixed(1)} / p95 ${percentile(crossEdits, 0.95).toFixed(1)})`,
        baseline: `whole-workspace analysis above: ${inProcessMs.toFixed(0)} ms`,
        target: 'median < 30 ms, p95 < 100 ms',
      },
      {
        name: `edit to updated graph when the file needs the type checker (an unannotated return; ${EDITS / 2} edits)`,
        value: `median ${percentile(typedEdits, 0.5).toFixed(1)} ms, p95 ${percentile(typedEdits, 0.95).toFixed(1)} ms (the first, which builds the typed program with its libs from nothing: ${firstTyped.toFixed(0)} ms)`,
        baseline: `the same edits' analysis with every type written (above): median ${percentile(all, 0.5).toFixed(1)} ms`,
        target: 'median < 30 ms, p95 < 100 ms',
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
