import * as path from 'node:path';
import { stopDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli } from '../support/cli';
import { startPostgres } from '../support/postgres';
import { startWorker, type WorkerProcess } from '../support/workerProcess';
import { daemonRun } from './daemonBench';
import { project, writePipeline } from './engineBench';
(async () => {
  const dir = project();
  const STEPS = Number(process.env.STEPS ?? 300);
  const file = writePipeline(dir, 'chain', `  let value = noop(n);\n  for (let i = 1; i < ${STEPS}; i++) value = noop(value);`);
  const clustered = path.join(dir, 'store-postgres');
  const postgres = await startPostgres({ durable: true });
  const storeUrl = await postgres.createDatabase();
  const workers: WorkerProcess[] = [];
  const started = await cli(['--store', clustered, 'server', 'start', '--workers', 'remote', '--json'], { env: { PIPEWRIGHT_STORE_URL: storeUrl, NODE_OPTIONS: process.env.PRELOAD ? '--require /tmp/prof/pgtime.cjs' : '' } });
  if (started.code !== 0) throw new Error(started.stderr);
  const { url } = JSON.parse(started.stdout) as { url: string };
  for (let i = 0; i < 2; i++) workers.push(startWorker(url, daemonFiles(clustered).runnerToken, path.join(dir, `worker-${i}`), ['--concurrency', '2']));
  for (let r = 0; r < 3; r++) {
    const res = await daemonRun(clustered, file, 'chain', (r + 1) * 1_000_000, storeUrl);
    console.log(`chain ${STEPS}: ${(res.executeMs / STEPS).toFixed(2)} ms/step`);
  }
  for (const w of workers) w.signalGroup('SIGTERM');
  await Promise.all(workers.map((w) => w.done.catch(() => undefined)));
  await stopDaemon(clustered).catch(() => undefined);
  await postgres.stop?.();
  process.exit(0);
})();
