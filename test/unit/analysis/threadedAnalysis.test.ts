// A batch analysed on several threads (server/src/analysis/threadedAnalysis.ts): real worker
// threads running the built engine bundle (runtime/dist/analysis.js, whose entry serves them),
// answers compared with one analyzer's on one thread; threads that crash or cannot start; the
// open documents' texts on every thread; `pipewright check` on a workspace large enough to share.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import type { FileAnalysis } from '../../../server/src/analysis/model';
import { analyzeInThreads, FILES_PER_THREAD, workersFor, type BatchReport } from '../../../server/src/analysis/threadedAnalysis';
import { cli } from '../../support/cli';
import { repoRoot, tempProject } from '../../support/tempDir';

const ENGINE_BUNDLE = path.join(repoRoot, 'runtime', 'dist', 'analysis.js');
const FILES = 90;

/** File `f` of the workspace: a pipeline of its own steps and one of the previous file's; some files hold a problem. */
function fileText(f: number): string {
  const previous = (f + FILES - 1) % FILES;
  const lines = ["import { pipeline, step } from 'pipewright';", `import { s${previous}_0 } from './f${previous}';`];
  // Every seventh file leaves a step's return type unwritten (only the type checker can say it).
  const returns = f % 7 === 0 ? '' : ': number[]';
  lines.push(`export const s${f}_0 = step(function s${f}_0(rows: number[], factor: number)${returns} { return rows.map((r) => r * factor); });`);
  lines.push(`export const s${f}_1 = step(function s${f}_1(rows: number[]): number { return rows.length; });`);
  // Every eleventh file wires a number where a list goes.
  const wiring = f % 11 === 0 ? `s${f}_0(s${f}_1([]), 2);` : `s${f}_1(s${f}_0([], 2));`;
  lines.push(`export const p${f} = pipeline(function p${f}() {`, `  ${wiring}`, `  s${previous}_0([], 1);`, '});');
  return `${lines.join('\n')}\n`;
}

function workspace(): string[] {
  const root = tempProject();
  fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true, types: [] }, include: ['*.ts'] }));
  return Array.from({ length: FILES }, (_, f) => {
    const file = path.join(root, `f${f}.ts`);
    fs.writeFileSync(file, fileText(f));
    return file;
  });
}

/** A thread of the built engine bundle, which serves the batch it is given. */
const bundleThread = (workerData: unknown) => new Worker(ENGINE_BUNDLE, { workerData });

describe('analysis on several threads', () => {
  const files = workspace();
  const alone = new Analyzer().analyzeAll(files);

  it('answers exactly as one analyzer on one thread, in order, with the worker threads doing the work', async () => {
    assert.ok(alone.some((a) => a.diagnostics.some((d) => d.code === 'missing-return-type')), 'the workspace needs the type checker somewhere');
    assert.ok(alone.some((a) => a.diagnostics.some((d) => d.severity === 'error')), 'the workspace has a wiring error');
    let report: BatchReport | undefined;
    const threaded = await analyzeInThreads(files, { start: bundleThread, workers: 3, report: (r) => (report = r) });
    assert.deepEqual(threaded, alone);
    assert.ok(report);
    assert.equal(report.workers, 3);
    assert.deepEqual(report.failures, []);
    // No analyzer of the calling thread's: every part was the workers'.
    assert.equal(report.byWorkers, report.chunks);
    assert.ok(report.chunks > 3, `the batch was shared in parts (${report.chunks})`);
  });

  it('shares the batch with the calling thread, whose analyzer then holds what it analysed', async () => {
    const analyzer = new Analyzer();
    let report: BatchReport | undefined;
    const threaded = await analyzeInThreads(files, { analyzer, start: bundleThread, workers: 1, report: (r) => (report = r) });
    assert.deepEqual(threaded, alone);
    assert.deepEqual(report?.failures, []);
    assert.ok(report!.byWorkers < report!.chunks, 'the calling thread took parts too');
  });

  it('loses nothing to a thread that crashes or cannot start, and says why', async () => {
    let started = 0;
    let report: BatchReport | undefined;
    const threaded = await analyzeInThreads(files, {
      workers: 3,
      report: (r) => (report = r),
      start: (workerData) => {
        started += 1;
        if (started === 1) throw new Error('no thread for you');
        if (started === 2) return new Worker("throw new Error('the thread broke')", { eval: true });
        return bundleThread(workerData);
      },
    });
    assert.deepEqual(threaded, alone);
    assert.equal(report?.workers, 2);
    assert.equal(report?.failures.length, 2, report?.failures.join('\n'));
    assert.match(report!.failures[0], /could not start: no thread for you/);
    assert.match(report!.failures[1], /the thread broke/);
  });

  it("gives every thread the open documents' texts", async () => {
    // f1 imports f0's step; the open f0 renames it, unsaved.
    const renamed = fileText(0).replace('function s0_0(', "{ name: 'renamed' }, function s0_0(");
    const documents = new Map([[files[0], renamed]]);
    const threaded = await analyzeInThreads(files, { documents, start: bundleThread, workers: 2 });
    const f1 = threaded.find((a) => a.file === files[1])!;
    assert.ok(f1.pipelines[0].nodes.some((n) => n.id === 'renamed'), JSON.stringify(f1.pipelines[0].nodes.map((n) => n.id)));
    // And the answer is the one analyzer with that document open would give.
    const open = new Analyzer();
    open.setDocument(files[0], renamed);
    assert.deepEqual(threaded, open.analyzeAll(files));
  });

  it('starts threads only for a batch large enough to share', () => {
    assert.equal(workersFor(FILES_PER_THREAD - 1, true, 8), 0);
    assert.equal(workersFor(FILES_PER_THREAD * 2, true, 8), 1);
    assert.equal(workersFor(FILES_PER_THREAD * 2, false, 8), 2);
    assert.equal(workersFor(FILES_PER_THREAD * 100, true, 2), 1, 'never more threads than cores');
    assert.equal(workersFor(1, false, 2), 1, 'without a calling analyzer, one thread at least');
  });

  it('pipewright check reports what one analyzer finds', async () => {
    const result = await cli(['check', path.dirname(files[0]), '--json']);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.includes('analysis thread failed'), false, result.stderr);
    const reported = (JSON.parse(result.stdout) as { file: string; code: string; range: { start: { line: number } } }[]).map((d) => `${path.basename(d.file)}:${d.range.start.line}:${d.code}`).sort();
    const expected = alone.flatMap((a: FileAnalysis) => a.diagnostics.map((d) => `${path.basename(a.file)}:${d.range.start.line}:${d.code}`)).sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(reported, expected);
  });
});
