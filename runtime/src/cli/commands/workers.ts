/** `pipewright workers list`: the orchestrator's remote workers by pool, their last beat and attempts, and each pool's queue. */
import type { Command } from 'commander';
import type { HeldJobInfo, WorkersAnswer } from '../../model/workerProtocol';
import { addOrchestratorOptions, orchestratorClient } from '../remoteOrchestrator';
import { formatTable } from '../table';
import { labelsMatch } from '../../model/runOptions';

export function registerWorkersCommands(program: Command): void {
  const workers = program.command('workers').description('remote workers of the orchestrator (started with --workers remote): pools, workers, queue');
  addOrchestratorOptions(
    workers
      .command('list', { isDefault: true })
      .description('list pools (workers, running, capacity, queue depth), workers (labels, last heartbeat, running attempts) and queued tasks')
      .option('--json', 'print the answer of GET /v1/workers as one JSON object'),
  ).action(async (flags: { json?: boolean }, command: Command) => {
    const answer = await (await orchestratorClient(command)).listWorkers({});
    process.stdout.write(flags.json ? `${JSON.stringify(answer)}\n` : workersText(answer));
  });
}

/** The text of `workers list`. */
export function workersText(answer: WorkersAnswer): string {
  if (answer.workersMode === 'local') return 'this orchestrator runs steps itself (server start --workers local): it has no workers and no queue\n';
  const out: string[] = [];
  out.push(
    answer.pools.length === 0
      ? 'no pools: no worker is connected and nothing is queued'
      : formatTable(
          ['POOL', 'WORKERS', 'RUNNING', 'CAPACITY', 'QUEUED'],
          answer.pools.map((pool) => [pool.name, String(pool.workers), String(pool.running), String(pool.capacity), `${pool.queued}${pool.queued > 0 && pool.capacity === 0 ? ' (no worker: waiting for one)' : ''}`]),
          [1, 2, 3],
        ),
  );
  out.push('');
  if (answer.workers.length === 0) out.push('no workers');
  else {
    const rows: string[][] = [];
    for (const worker of answer.workers) {
      rows.push([
        worker.id,
        worker.pool,
        worker.state,
        `${worker.running.length}/${worker.concurrency}`,
        `${seconds(answer.at - worker.lastSeenAt)} ago`,
        Object.entries(worker.labels).map(([key, value]) => `${key}=${value}`).join(',') || '-',
      ]);
    }
    const lines = formatTable(['WORKER', 'POOL', 'STATE', 'RUNNING', 'HEARTBEAT', 'LABELS'], rows).split('\n');
    out.push(lines[0]!);
    answer.workers.forEach((worker, index) => {
      out.push(lines[index + 1]!);
      for (const job of worker.running) out.push(`  → ${jobText(job, answer.at)}`);
    });
  }
  if (answer.queued.length > 0) {
    out.push('', `queued (${answer.queued.length}, oldest first):`);
    for (const job of answer.queued) out.push(`  ${(job.pool ?? 'any pool').padEnd(12)} ${jobText(job, answer.at)}${labelsNeeded(job, answer)}`);
  }
  return `${out.join('\n')}\n`;
}

function jobText(job: HeldJobInfo, now: number): string {
  const what = job.invocationId === undefined ? `${job.kind}${job.runId ? ` (run ${job.runId})` : ''}` : `${job.invocationId} (run ${job.runId}, attempt ${job.attempt}${job.kind === 'execute' ? '' : `, ${job.kind}`})`;
  return `${what} for ${seconds(now - job.since)}`;
}

/** What a queued job waits for besides its pool: the labels its step requires, and whether a live worker of its pool has them. */
function labelsNeeded(job: HeldJobInfo, answer: WorkersAnswer): string {
  if (job.labels === undefined) return '';
  const wanted = Object.entries(job.labels).map(([key, value]) => `${key}=${value}`).join(',');
  const served = answer.workers.some((worker) => worker.state === 'serving' && (job.pool === undefined || worker.pool === job.pool) && labelsMatch(job.labels, worker.labels));
  return `, needs labels ${wanted}${served ? '' : ` (no worker of pool ${job.pool ?? 'any'} has them: waiting for one)`}`;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
