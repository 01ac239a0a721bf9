/**
 * The Workers section of the Orchestrator view, from the orchestrator's `GET /v1/workers`:
 * pools (workers, running / capacity, queue depth), under each its workers (state, running /
 * concurrency, heartbeat age, labels), under each worker its running attempts, and the queued
 * tasks of each pool. No vscode.
 */
import type { HeldJobInfo, WorkersAnswer } from '../../runtime/src/model/workerProtocol';
import { formatDuration, formatHeartbeatAge } from '../../contracts/src/heartbeat';

export interface WorkersTreeNode {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon id. */
  icon: string;
  children: WorkersTreeNode[];
}

/** The section's root: `Workers`, with its pools below (nothing below when the daemon runs steps itself, or before the first answer). */
export function workersTree(answer: WorkersAnswer | undefined): WorkersTreeNode {
  if (!answer) return node('Workers', 'not known yet', 'The orchestrator has not answered GET /v1/workers yet.', 'server-environment');
  if (answer.workersMode === 'local') return node('Workers', 'none: the daemon runs steps itself', 'Started with --workers local: it forks its own runners; there are no remote workers and no queue.', 'server-environment');
  const running = answer.workers.reduce((sum, worker) => sum + worker.running.length, 0);
  const root = node('Workers', `${count(answer.workers.length, 'worker')} · ${running} running · ${answer.queued.length} queued`, 'Remote workers (pipewright worker) by pool, with the tasks waiting for each pool.', 'server-environment');
  for (const pool of answer.pools) {
    const waiting = pool.queued > 0 && pool.capacity === 0;
    const description = `${count(pool.workers, 'worker')} · ${pool.running}/${pool.capacity} running · ${pool.queued} queued${waiting ? ' · waiting for a worker' : ''}`;
    const poolNode = node(`pool ${pool.name}`, description, `Pool ${pool.name}: ${description}`, waiting ? 'warning' : 'layers');
    for (const worker of answer.workers.filter((candidate) => candidate.pool === pool.name)) {
      const labels = Object.entries(worker.labels).map(([key, value]) => `${key}=${value}`).join(', ');
      const age = formatHeartbeatAge(Math.max(0, answer.at - worker.lastSeenAt));
      const workerDescription = `${worker.state} · ${worker.running.length}/${worker.concurrency} running · ♥ ${age}${labels ? ` · ${labels}` : ''}`;
      const workerNode = node(worker.id, workerDescription, `${worker.id} (pool ${worker.pool})\n${worker.state}, concurrency ${worker.concurrency}\nlast heartbeat: ${age === 'just now' ? age : `${age} ago`}${labels ? `\nlabels: ${labels}` : ''}`, worker.state === 'draining' ? 'debug-pause' : 'vm-running');
      workerNode.children = worker.running.map((job) => jobNode(job, answer.at, 'play'));
      poolNode.children.push(workerNode);
    }
    poolNode.children.push(...answer.queued.filter((job) => job.pool === pool.name).map((job) => jobNode(job, answer.at, 'watch')));
    root.children.push(poolNode);
  }
  const anyPool = answer.queued.filter((job) => job.pool === undefined);
  if (anyPool.length > 0) {
    const anyNode = node('any pool', `${anyPool.length} queued`, 'Tasks any worker may take (compiling a run).', 'layers');
    anyNode.children = anyPool.map((job) => jobNode(job, answer.at, 'watch'));
    root.children.push(anyNode);
  }
  return root;
}

function jobNode(job: HeldJobInfo, at: number, icon: 'play' | 'watch'): WorkersTreeNode {
  const label = job.invocationId ?? job.kind;
  const how = icon === 'play' ? 'running' : 'queued';
  const description = [job.runId ? `run ${job.runId}` : undefined, job.attempt === undefined ? undefined : `attempt ${job.attempt}`, job.kind === 'execute' ? undefined : job.kind, `${how} ${formatDuration(Math.max(0, at - job.since))}`]
    .filter((part) => part !== undefined)
    .join(' · ');
  return node(label, description, `${label}: ${description}`, icon);
}

function node(label: string, description: string, tooltip: string, icon: string): WorkersTreeNode {
  return { label, description, tooltip, icon, children: [] };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
