/**
 * CLI start-up (issue #15): `pipewright --version`, `runs list` and `runs show` beside a bare
 * `node -e 0`, each the median of 15 runs taken in turns, on a store holding one small run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { project, timedRun, writePipeline, type BenchLine } from './engineBench';
import { median } from './scaleBench';

const bin = path.resolve(__dirname, '..', '..', 'runtime', 'bin', 'pipewright.js');

export async function startupBench(): Promise<BenchLine[]> {
  const dir = project();
  try {
    const storeDir = path.join(dir, '.pipewright');
    const run = await timedRun(writePipeline(dir, 'small', '  let value = noop(n);\n  for (let i = 1; i < 10; i++) value = noop(value);'), storeDir);
    const commands: [string, string[]][] = [
      ['node -e 0', ['-e', '0']],
      ['pipewright --version', [bin, '--version']],
      ['pipewright runs list', [bin, '--store', storeDir, 'runs', 'list']],
      ['pipewright runs show (10 steps)', [bin, '--store', storeDir, 'runs', 'show', run.runId]],
    ];
    const times = commands.map(() => [] as number[]);
    for (let round = 0; round < 15; round++) {
      commands.forEach(([label, args], index) => {
        const start = performance.now();
        const result = spawnSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        if (result.status !== 0) throw new Error(`${label} exited ${result.status}: ${String(result.stderr)}`);
        times[index].push(performance.now() - start);
      });
    }
    const [nodeMs, ...cliMs] = times.map(median);
    return commands.slice(1).map(([label], index) => ({
      name: `${label} start-up (median of 15, in turns)`,
      value: `${cliMs[index].toFixed(0)} ms: ${(cliMs[index] / nodeMs).toFixed(2)}× a bare node`,
      baseline: `node -e 0: ${nodeMs.toFixed(0)} ms`,
      target: 'within 2× of node -e 0',
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
