/**
 * Engine benchmarks (issue: runtime). Prints figures beside a floor measured in the same run:
 * per-step overhead of a 1,000-step no-op chain and a 1,000-wide fan-out against the same
 * 1,000 calls as plain function calls, and a fully cached re-run of a 100-step pipeline.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { Scheduler } from '../../runtime/src/engine/scheduler';

const repoRoot = path.resolve(__dirname, '..', '..');

export function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-bench-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repoRoot, 'runtime'), path.join(dir, 'node_modules', 'pipewright'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"bench","private":true}');
  return dir;
}

const STEP = `import { pipeline, step } from 'pipewright';
export function noopFn(value: number): number { return value + 1; }
export const noop = step(function noop(value: number): number { return noopFn(value); });
export const gather = step(function gather(values: number[]): number { return values.length; });
`;

export function writePipeline(dir: string, name: string, body: string): string {
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(file, `${STEP}\nexport const ${name} = pipeline(function ${name}(n: number) {\n${body}\n});\n`);
  return file;
}

function floorMs(calls: number): number {
  // The same calls as plain function calls in one process (best of 5).
  let best = Infinity;
  const noopFn = (value: number) => value + 1;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    let value = 0;
    for (let i = 0; i < calls; i++) value = noopFn(value);
    if (value !== calls) throw new Error('floor miscounted');
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export interface BenchLine {
  name: string;
  value: string;
  baseline: string;
  target: string;
}

export async function engineBench(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  const dir = project();
  try {
    const storeDir = path.join(dir, '.pipewright');
    const floor = floorMs(1000);

    const chain = writePipeline(dir, 'chain', '  let value = noop(n);\n  for (let i = 1; i < 1000; i++) value = noop(value);');
    const chainRun = await timedRun(chain, storeDir);
    lines.push({
      name: '1,000-step no-op chain',
      value: `${(chainRun.executeMs / 1000).toFixed(2)} ms/step engine overhead (${chainRun.executeMs.toFixed(0)} ms executing, ${chainRun.totalMs.toFixed(0)} ms total with bundle+analysis+compile)`,
      baseline: `the same 1,000 calls as plain function calls: ${floor.toFixed(3)} ms in all (${floor.toFixed(4)} µs/call)`,
      target: '< 5 ms/step',
    });

    const wide = writePipeline(dir, 'wide', '  const outs = [];\n  for (let i = 0; i < 1000; i++) outs.push(noop(i));\n  gather(outs);');
    const wideRun = await timedRun(wide, storeDir);
    lines.push({
      name: '1,000-wide fan-out (+1 fan-in)',
      value: `${(wideRun.executeMs / 1001).toFixed(2)} ms/step engine overhead (${wideRun.executeMs.toFixed(0)} ms executing, ${wideRun.totalMs.toFixed(0)} ms total)`,
      baseline: `the same 1,000 calls as plain function calls: ${floor.toFixed(3)} ms in all (${floor.toFixed(4)} µs/call)`,
      target: '< 5 ms/step',
    });

    const fanIn = (width: number) => schedulerFanInUs(width);
    const [narrowUs, wideUs] = [fanIn(1000), fanIn(10_000)];
    lines.push({
      name: 'scheduler alone, 10,000-wide fan-out + fan-in (readiness of the fan-in as each upstream ends)',
      value: `${wideUs.toFixed(2)} µs/step (${(wideUs / narrowUs).toFixed(2)}× the 1,000-wide figure)`,
      baseline: `the same scheduler, 1,000 wide: ${narrowUs.toFixed(2)} µs/step`,
      target: 'within 1.2× of the 1,000-wide figure (linear)',
    });

    const hundred = writePipeline(dir, 'hundred', '  let value = noop(n);\n  for (let i = 1; i < 100; i++) value = noop(value);');
    const first = await timedRun(hundred, storeDir, true);
    const cached = await timedRun(hundred, storeDir, true);
    if (cached.cachedSteps !== 100) throw new Error(`cached re-run reused ${cached.cachedSteps}/100 steps`);
    lines.push({
      name: 'fully cached re-run, 100 steps',
      value: `${cached.totalMs.toFixed(0)} ms end to end (bundle, manifest, runners, compile, 100 cache hits)`,
      baseline: `first (uncached) run: ${first.totalMs.toFixed(0)} ms`,
      target: '< 1000 ms',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

/** Per-step time (µs, best of 3) of the pure scheduler driving `width` roots into one fan-in step. */
function schedulerFanInUs(width: number): number {
  const roots = Array.from({ length: width }, (_, i) => ({ id: `r${i}`, upstream: [] as string[] }));
  const nodes = [...roots, { id: 'gather', upstream: roots.map((root) => root.id) }];
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    const scheduler = new Scheduler(nodes, { mode: 'continueOnFailure', maxParallel: Number.MAX_SAFE_INTEGER });
    scheduler.start();
    for (const root of roots) scheduler.handle({ type: 'succeeded', id: root.id });
    scheduler.handle({ type: 'succeeded', id: 'gather' });
    best = Math.min(best, performance.now() - start);
  }
  return (best * 1000) / (width + 1);
}

export async function timedRun(file: string, storeDir: string, cache = false, n = 0): Promise<{ totalMs: number; executeMs: number; cachedSteps: number }> {
  let executeStart = 0;
  let executeEnd = 0;
  const start = performance.now();
  const summary = await runPipelineFile({
    file,
    parameters: { n },
    options: { storeDir, enableCache: cache },
    listener: (event) => {
      if (event.type === 'run' && event.status === 'running') executeStart = performance.now();
      if (event.type === 'run' && event.status !== 'running') executeEnd = performance.now();
    },
  });
  const totalMs = performance.now() - start;
  if (summary.status !== 'completed') throw new Error(`${path.basename(file)} ended ${summary.status}`);
  return { totalMs, executeMs: executeEnd - executeStart, cachedSteps: summary.steps.filter((s) => s.cached).length };
}
