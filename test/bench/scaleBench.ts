/**
 * Growth benchmarks (issue #15, "linear at any size"): each larger figure beside the smaller one
 * measured in the same run. A 10,000-wide fan-out's per-step engine overhead beside the 1,000-wide
 * one (in-process), the pure scheduler at 100,000 steps through 4 slots beside 10,000, `runs show`
 * of the 10,000-step run beside the 1,000-step run (per step, net of the command's start-up), and a
 * 100,000-step pipeline bundled, compiled, run in-process and shown, in a process of its own so its
 * peak memory is its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Scheduler } from '../../runtime/src/engine/scheduler';
import { project, timedRun, writePipeline, type BenchLine } from './engineBench';
import type { BigRunReport } from './bigRun';

const repoRoot = path.resolve(__dirname, '..', '..');
const bin = path.join(repoRoot, 'runtime', 'bin', 'pipewright.js');

export async function scaleBench(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  const dir = project();
  try {
    // First, while this process's heap is small: the pure scheduler, the two sizes in turns (best of 5 each).
    let [tenK, hundredK] = [Infinity, Infinity];
    for (let round = 0; round < 5; round++) {
      tenK = Math.min(tenK, schedulerThroughSlotsUs(10_000));
      hundredK = Math.min(hundredK, schedulerThroughSlotsUs(100_000));
    }
    lines.push({
      name: 'scheduler alone, 100,000-wide fan-out + fan-in through 4 slots (ready queue, fan-in readiness)',
      value: `${hundredK.toFixed(2)} µs/step (${(hundredK / tenK).toFixed(2)}× the 10,000-wide figure)`,
      baseline: `the same, 10,000 wide: ${tenK.toFixed(2)} µs/step`,
      target: 'within 1.2× (linear)',
    });
    const storeDir = path.join(dir, '.pipewright');
    const fanOut = (width: number) => writePipeline(dir, `wide${width}`, `  const outs = [];\n  for (let i = 0; i < ${width}; i++) outs.push(noop(i));\n  gather(outs);`);
    // The 1,000-wide run before and after the 10,000-wide one, the faster of the two kept.
    const narrowFile = fanOut(1000);
    const narrowFirst = await timedRun(narrowFile, storeDir);
    const wide = await timedRun(fanOut(10_000), storeDir);
    const narrowAgain = await timedRun(narrowFile, storeDir);
    const narrow = narrowAgain.executeMs < narrowFirst.executeMs ? narrowAgain : narrowFirst;
    const [narrowMs, wideMs] = [narrow.executeMs / 1001, wide.executeMs / 10_001];
    lines.push({
      name: '10,000-wide fan-out (+1 fan-in), in-process, every output new',
      value: `${wideMs.toFixed(2)} ms/step engine overhead (${(wide.executeMs / 1000).toFixed(1)} s executing): ${(wideMs / narrowMs).toFixed(2)}× the 1,000-wide figure`,
      baseline: `1,000-wide fan-out in the same run: ${narrowMs.toFixed(2)} ms/step (${(narrow.executeMs / 1000).toFixed(1)} s executing)`,
      target: 'within 1.2× of the 1,000-wide figure',
    });

    // `runs show` of a one-step run of the same store: the command's start-up and store opening, without the run's steps.
    const single = await timedRun(writePipeline(dir, 'single', '  noop(n);'), storeDir);
    const showMs = medianCliMs([['runs', 'show', single.runId], ['runs', 'show', narrow.runId], ['runs', 'show', wide.runId]], storeDir, 5);
    const [startMs, showNarrowMs, showWideMs] = showMs;
    const perStep = (ms: number, steps: number) => Math.max(0, ms - startMs) / steps;
    const [narrowShow, wideShow] = [perStep(showNarrowMs, 1001), perStep(showWideMs, 10_001)];
    lines.push({
      name: '`runs show` of the 10,000-step run (medians of 5, in turns)',
      value: `${showWideMs.toFixed(0)} ms: ${(wideShow * 1000).toFixed(1)} µs/step net of start-up, ${(wideShow / narrowShow).toFixed(2)}× the 1,000-step run's`,
      baseline: `the 1,000-step run: ${showNarrowMs.toFixed(0)} ms, ${(narrowShow * 1000).toFixed(1)} µs/step net of start-up; start-up (\`runs show\` of a one-step run): ${startMs.toFixed(0)} ms`,
      target: 'within 1.5× of the 1,000-step run per step',
    });

    const big = await bigRun();
    const bigPerStep = big.executeMs / big.steps;
    lines.push({
      name: `${big.steps.toLocaleString('en')}-step chain, in-process, in a process of its own`,
      value:
        `prepared (bundle, analysis, compile, ${big.steps.toLocaleString('en')} step rows) in ${(big.prepareMs / 1000).toFixed(1)} s, executed in ${(big.executeMs / 1000).toFixed(1)} s ` +
        `(${bigPerStep.toFixed(2)} ms/step, ${(bigPerStep / wideMs).toFixed(2)}× the 10,000-wide figure), ${(big.totalMs / 1000).toFixed(1)} s in all; ` +
        `peak RSS ${(big.peakRssKb / 1024).toFixed(0)} MB, ${(((big.peakRssKb - big.startRssKb) * 1024) / big.steps).toFixed(0)} bytes/step over the process at start; ` +
        `\`runs show\`: ${(big.showMs / 1000).toFixed(1)} s, peak RSS ${(big.showPeakRssKb / 1024).toFixed(0)} MB (${((big.showPeakRssKb * 1024) / big.steps).toFixed(0)} bytes/step)`,
      baseline: `10,000-wide fan-out in the same run: ${wideMs.toFixed(2)} ms/step`,
      target: 'compiles, runs and is shown; time and memory per step reported',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

/** Per-step time (µs) of the pure scheduler: `width` roots into one fan-in, 4 slots, each started step then succeeding. */
function schedulerThroughSlotsUs(width: number): number {
  const roots = Array.from({ length: width }, (_, i) => ({ id: `r${i}`, upstream: [] as string[] }));
  const nodes = [...roots, { id: 'gather', upstream: roots.map((root) => root.id) }];
  const startedIds = (actions: ReturnType<Scheduler['start']>) => actions.flatMap((action) => (action.type === 'start' ? [action.id] : []));
  const start = performance.now();
  const scheduler = new Scheduler(nodes, { mode: 'continueOnFailure', maxParallel: 4 });
  const running = startedIds(scheduler.start());
  for (let at = 0; at < running.length; at++) running.push(...startedIds(scheduler.handle({ type: 'succeeded', id: running[at] })));
  if (scheduler.status('gather') !== 'completed') throw new Error('the scheduler did not finish the fan-in');
  return ((performance.now() - start) * 1000) / (width + 1);
}

/** Median wall time (ms) of each CLI command on `storeDir`, the commands taken in turns `rounds` times. */
function medianCliMs(commands: string[][], storeDir: string, rounds: number): number[] {
  const times = commands.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    commands.forEach((args, index) => {
      const start = performance.now();
      const result = spawnSync(process.execPath, [bin, '--store', storeDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
      if (result.status !== 0) throw new Error(`pipewright ${args.join(' ')} exited ${result.status}: ${String(result.stderr)}`);
      times[index].push(performance.now() - start);
    });
  }
  return times.map(median);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs `bigRun.ts` in a child process (its peak memory is then its own) and reads its report. */
async function bigRun(): Promise<BigRunReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'bigRun.ts')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`bigRun.ts exited ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as BigRunReport;
}
