// A worker process for the PostgreSQL coordination tests: it claims one attempt, renews its lease
// every `heartbeatMs` (0: never), "works" for `workMs`, then commits; it reports each step as a
// JSON line. A fenced heartbeat stops the work: the attempt is never committed.
//   node --import tsx postgresWorkerProcess.ts URL WORKER TTL_MS HEARTBEAT_MS WORK_MS [--freeze-in-commit]
// --freeze-in-commit: the process stops itself (SIGSTOP) inside its commit transaction.
import { claimAttempts, commitAttempt, renewLeases, type Lease } from '../../runtime/src/store/postgres/attemptLeases';
import { openPostgresPool } from '../../runtime/src/store/postgres/connection';

const [url, worker, ttlArg, heartbeatArg, workArg, flag] = process.argv.slice(2);
const ttlMs = Number(ttlArg);
const heartbeatMs = Number(heartbeatArg);
const workMs = Number(workArg);
const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

async function main(): Promise<void> {
  const pool = openPostgresPool(url!, { max: 2 });
  let claimed;
  while (!(claimed = (await claimAttempts(pool, worker!, { ttlMs }))[0])) await new Promise((resolve) => setTimeout(resolve, 20));
  const lease: Lease = { attemptId: claimed.attemptId, epoch: claimed.epoch };
  report({ event: 'claimed', ...lease });
  let fenced = false;
  const stopWork = new AbortController();
  const beat =
    heartbeatMs > 0
      ? setInterval(() => {
          renewLeases(pool, worker!, [lease], ttlMs).then(
            (check) => {
              if (check.fenced.length === 0 || fenced) return;
              fenced = true;
              report({ event: 'fenced', by: 'heartbeat' });
              stopWork.abort();
            },
            (error: Error) => report({ event: 'heartbeat-error', message: error.message }),
          );
        }, heartbeatMs)
      : undefined;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, workMs);
    stopWork.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  clearInterval(beat);
  if (!fenced) {
    try {
      const { committed } = await commitAttempt(pool, worker!, lease, { outputs: { result: `hash-of-${worker}` } }, {
        ttlMs,
        alsoWrite: async () => {
          if (flag !== '--freeze-in-commit') return;
          report({ event: 'in-commit' });
          process.kill(process.pid, 'SIGSTOP');
        },
      });
      report(committed ? { event: 'committed' } : { event: 'fenced', by: 'commit' });
    } catch (error) {
      report({ event: 'commit-failed', message: (error as Error).message });
    }
  }
  await pool.end();
}

main().catch((error: unknown) => {
  report({ event: 'error', message: String(error) });
  process.exitCode = 1;
});
