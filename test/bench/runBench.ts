/** `npm run bench`: every benchmark, each figure beside a baseline measured in the same run. */
import { engineBench, type BenchLine } from './engineBench';
import { analysisBench } from './analysisBench';
import { daemonBench } from './daemonBench';
import { stepOverheadBench } from './stepOverheadBench';
import { heartbeatBench } from './heartbeatBench';
import { postgresBench } from './postgresBench';
import { clusterBench } from './clusterBench';
import { webviewBench } from './webviewBench';
import { activationBench } from './activationBench';
import { scaleBench } from './scaleBench';
import { startupBench } from './startupBench';
import { planBench } from './planBench';

async function main(): Promise<void> {
  const sections: [string, () => Promise<BenchLine[]>][] = [
    ['runtime engine', engineBench],
    ['runtime at scale', scaleBench],
    ['CLI start-up', startupBench],
    ['plan before a run', planBench],
    ['orchestrator heartbeats', heartbeatBench],
    ['orchestrator daemon', daemonBench],
    ['per-step overhead beside BullMQ', stepOverheadBench],
    ['PostgreSQL coordination', postgresBench],
    ['cluster mode: PostgreSQL and remote workers', clusterBench],
    ['language server', analysisBench],
    ['DAG webview', webviewBench],
    ['extension activation', activationBench],
  ];
  // `npm run bench -- webview activation`: only the sections whose titles contain these words.
  const only = process.argv.slice(2);
  for (const [title, bench] of sections.filter(([title]) => only.length === 0 || only.some((word) => title.includes(word)))) {
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
