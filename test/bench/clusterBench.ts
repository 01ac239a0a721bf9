/**
 * Cluster mode's per-step overhead (issue 12): a 1,000-step no-op chain and a 1,000-wide fan-out
 * into one fan-in through a daemon on a private PostgreSQL (durable: fsync on) whose steps all run
 * on two remote workers (`pipewright worker` processes on loopback, concurrency 2 each), beside
 * the same pipelines through a daemon on the embedded SQLite store with its local runners,
 * measured in the same run, in turns. Each figure is the median of the rounds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli } from '../support/cli';
import { startPostgres } from '../support/postgres';
import { startWorker, type WorkerProcess } from '../support/workerProcess';
import { daemonRun } from './daemonBench';
import { project, writePipeline, type BenchLine } from './engineBench';

const ROUNDS = 3;
const STEPS = 1000;
const WORKERS = 2;
const CONCURRENCY = 2;
type Shape = 'chain' | 'wide';
const JOBS: Record<Shape, number> = { chain: STEPS, wide: STEPS + 1 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function clusterBench(): Promise<BenchLine[]> {
  const dir = project();
  const files: Record<Shape, string> = {
    chain: writePipeline(dir, 'chain', `  let value = noop(n);\n  for (let i = 1; i < ${STEPS}; i++) value = noop(value);`),
    wide: writePipeline(dir, 'wide', `  const outs = [];\n  for (let i = 0; i < ${STEPS}; i++) outs.push(noop(n + i));\n  gather(outs);`),
  };
  const local = path.join(dir, 'store-sqlite');
  const clustered = path.join(dir, 'store-postgres');
  const postgres = await startPostgres({ durable: process.env.BENCH_PG_DURABLE !== '0' });
  const storeUrl = await postgres.createDatabase();
  const workers: WorkerProcess[] = [];
  const figures = new Map<string, number[]>();
  const note = (key: string, msPerStep: number) => figures.set(key, [...(figures.get(key) ?? []), msPerStep]);
  try {
    const started = await cli(['--store', clustered, 'server', 'start', '--workers', 'remote', '--json'], { env: { PIPEWRIGHT_STORE_URL: storeUrl } });
    if (started.code !== 0) throw new Error(`the PostgreSQL daemon did not start: ${started.stderr}`);
    const { url } = JSON.parse(started.stdout) as { url: string };
    for (let i = 0; i < WORKERS; i++) workers.push(startWorker(url, daemonFiles(clustered).runnerToken, path.join(dir, `worker-${i}`), ['--concurrency', String(CONCURRENCY)]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const shape of ['chain', 'wide'] as const) {
        const n = (round + 1) * 1_000_000 + (shape === 'wide' ? 100_000 : 0);
        note(`${shape} sqlite`, (await daemonRun(local, files[shape], shape, n)).executeMs / JOBS[shape]);
        note(`${shape} postgres`, (await daemonRun(clustered, files[shape], shape, n, storeUrl)).executeMs / JOBS[shape]);
      }
    }
  } finally {
    for (const worker of workers) worker.signalGroup('SIGTERM');
    await Promise.all(workers.map((worker) => worker.done.catch(() => undefined)));
    await stopDaemon(clustered).catch(() => undefined);
    await stopDaemon(local).catch(() => undefined);
    await postgres.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const shapeName: Record<Shape, string> = { chain: '1,000-step no-op chain', wide: '1,000-wide fan-out + fan-in' };
  return (['chain', 'wide'] as const).map((shape) => {
    const clusteredMs = median(figures.get(`${shape} postgres`) ?? []);
    const localMs = median(figures.get(`${shape} sqlite`) ?? []);
    return {
      name: `${shapeName[shape]} on PostgreSQL (durable) with ${WORKERS} remote workers × ${CONCURRENCY} (${os.cpus().length} cores), median of ${ROUNDS}`,
      value: `${clusteredMs.toFixed(2)} ms/step (${(clusteredMs / localMs).toFixed(2)}× the embedded daemon's)`,
      baseline: `${localMs.toFixed(2)} ms/step through a daemon on the embedded SQLite store with local runners, same run`,
      target: '< 5 ms/step',
    };
  });
}
