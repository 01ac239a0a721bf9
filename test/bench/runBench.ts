/** `npm run bench`: every benchmark, each figure beside a baseline measured in the same run. */
import { engineBench, type BenchLine } from './engineBench';
import { analysisBench } from './analysisBench';
import { daemonBench } from './daemonBench';
import { heartbeatBench } from './heartbeatBench';

async function main(): Promise<void> {
  const sections: [string, () => Promise<BenchLine[]>][] = [
    ['runtime engine', engineBench],
    ['orchestrator heartbeats', heartbeatBench],
    ['orchestrator daemon', daemonBench],
    ['language server', analysisBench],
  ];
  for (const [title, bench] of sections) {
    process.stdout.write(`\n${title}\n`);
    for (const line of await bench()) {
      process.stdout.write(`  ${line.name}\n    measured: ${line.value}\n    baseline: ${line.baseline}\n    target:   ${line.target}\n`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
