/**
 * The BullMQ baseline of the per-step bench: the same no-op DAGs (a 1,000-step chain, a 1,000-wide
 * fan-out into one fan-in) as BullMQ flows, on a private `redis-server` (Debian's package) listening
 * on loopback in a temporary folder, with a worker in the same process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FlowProducer, Worker, type FlowJob, type Job } from 'bullmq';

/** How Redis keeps its data: nothing at all, or an append-only file flushed every second. */
export type RedisPersistence = 'none' | 'aof-everysec';

export interface RedisServer {
  port: number;
  persistence: RedisPersistence;
  stop(): Promise<void>;
}

/** Why the baseline cannot run here (no `redis-server` on PATH), or undefined when it can. */
export function redisMissing(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) return 'redis-server is not installed (apt-get install redis-server): the BullMQ baseline is skipped';
  return undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a private redis-server on 127.0.0.1 in a temporary folder; resolves once it accepts connections. */
export async function startRedis(persistence: RedisPersistence): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-redis-'));
  const port = await freePort();
  const durability = persistence === 'none' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'everysec'];
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...durability, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code} before it was ready:\n${output}`)));
  });
  return {
    port,
    persistence,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The DAG shapes measured. */
export type Shape = 'chain' | 'wide';

/** A flow for `shape`: a chain's last step is the root and each job's one child is the step before it. */
function flowOf(shape: Shape, queueName: string, steps: number): FlowJob {
  if (shape === 'wide') {
    return { name: 'gather', queueName, data: {}, children: Array.from({ length: steps }, (_, i) => ({ name: 'noop', queueName, data: { value: i } })) };
  }
  let job: FlowJob = { name: 'noop', queueName, data: { value: 0 } };
  for (let i = 1; i < steps; i++) job = { name: 'noop', queueName, data: {}, children: [job] };
  return job;
}

/** A no-op step: reads what its children returned (its inputs), returns one number. */
async function noop(job: Job): Promise<number> {
  const inputs = Object.values(await job.getChildrenValues()) as number[];
  if (job.name === 'gather') return inputs.length;
  return (inputs[0] ?? (job.data as { value: number }).value) + 1;
}

/**
 * Runs one flow of `steps` no-op jobs (`wide`: plus the fan-in) with a worker of `concurrency`
 * in this process; the milliseconds from the flow being added (its jobs stored, like a run's
 * steps created as pending) to the root job's completion.
 */
export async function bullmqFlowMs(redis: RedisServer, shape: Shape, steps: number, concurrency: number): Promise<number> {
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const queueName = `bench-${shape}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const flows = new FlowProducer({ connection });
  let rootId: string | undefined;
  let finishedAt = 0;
  let rootResult: unknown;
  let done!: () => void;
  let failed!: (error: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const worker = new Worker(queueName, noop, { connection, concurrency, autorun: false });
  worker.on('completed', (job: Job, result: unknown) => {
    if (job.id !== rootId) return;
    finishedAt = performance.now();
    rootResult = result;
    done();
  });
  worker.on('failed', (job: Job | undefined, error: Error) => failed(new Error(`BullMQ job ${job?.id} failed: ${error.message}`)));
  try {
    const tree = await flows.add(flowOf(shape, queueName, steps));
    rootId = tree.job.id;
    const start = performance.now();
    void worker.run();
    await finished;
    // The chain's root counts its 1,000 steps; the fan-in counts its 1,000 inputs.
    if (rootResult !== steps) throw new Error(`BullMQ ${shape} returned ${String(rootResult)}, expected ${steps}`);
    return finishedAt - start;
  } finally {
    await worker.close();
    await flows.close();
  }
}
