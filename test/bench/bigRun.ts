/**
 * The 100,000-step pipeline of `scaleBench.ts` (`BIG_RUN_STEPS` for another size), run in this
 * process of its own: bundled, analysed, compiled, run in-process, then shown by the real CLI.
 * Prints one JSON line (BigRunReport): times and peak memory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { project, writePipeline } from './engineBench';

export interface BigRunReport {
  steps: number;
  prepareMs: number;
  executeMs: number;
  totalMs: number;
  startRssKb: number;
  peakRssKb: number;
  showMs: number;
  showPeakRssKb: number;
}

async function main(): Promise<void> {
  const steps = Number(process.env.BIG_RUN_STEPS ?? 100_000);
  const dir = project();
  try {
    const storeDir = path.join(dir, '.pipewright');
    const file = writePipeline(dir, 'chain', `  let value = noop(n);\n  for (let i = 1; i < ${steps}; i++) value = noop(value);`);
    const startRssKb = process.memoryUsage().rss / 1024;
    let running = 0;
    let ended = 0;
    const start = performance.now();
    const summary = await runPipelineFile({
      file,
      parameters: { n: 0 },
      options: { storeDir, enableCache: false },
      listener: (event) => {
        if (event.type === 'run' && event.status === 'running') running = performance.now();
        if (event.type === 'run' && event.status !== 'running') ended = performance.now();
      },
    });
    const totalMs = performance.now() - start;
    if (summary.status !== 'completed' || summary.steps.length !== steps) throw new Error(`the ${steps}-step run ended ${summary.status} with ${summary.steps.length} steps`);
    const peakRssKb = process.resourceUsage().maxRSS;

    const peakFile = path.join(dir, 'show-peak-rss');
    const showStart = performance.now();
    const show = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'runtime', 'bin', 'pipewright.js'), '--store', storeDir, 'runs', 'show', summary.runId], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: `--require ${path.join(__dirname, 'peakRss.cjs')}`, PEAK_RSS_FILE: peakFile },
    });
    const showMs = performance.now() - showStart;
    if (show.status !== 0) throw new Error(`runs show exited ${show.status}: ${String(show.stderr)}`);
    const report: BigRunReport = { steps, prepareMs: running - start, executeMs: ended - running, totalMs, startRssKb, peakRssKb, showMs, showPeakRssKb: Number(fs.readFileSync(peakFile, 'utf8')) };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bigRun failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
