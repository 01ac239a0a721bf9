/**
 * Per-step overhead beside BullMQ (issue 15): a 1,000-step no-op chain and a 1,000-wide fan-out
 * into one fan-in, in-process and through the daemon, with every output new and with every output
 * already stored, beside the same DAGs as BullMQ flows on a private Redis without persistence and
 * with an append-only file flushed every second. Each round runs every configuration once, in
 * turns, so a slower stretch of the machine falls on all of them; each figure is the median.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopDaemon } from '../../runtime/src/api/daemonControl';
import { bullmqFlowMs, redisMissing, startRedis, type RedisServer, type Shape } from './bullmqBaseline';
import { daemonRun } from './daemonBench';
import { project, timedRun, writePipeline, type BenchLine } from './engineBench';

const ROUNDS = 5;
const STEPS = 1000;
/** The steps each shape runs: the chain's 1,000, or the fan-out's 1,000 and its fan-in. */
const JOBS: Record<Shape, number> = { chain: STEPS, wide: STEPS + 1 };
/** Pipewright's default parallelism (`maxParallel`), given to BullMQ's worker as its concurrency. */
const PARALLEL = Math.max(2, os.cpus().length);

type Where = 'in-process' | 'daemon';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The two pipelines; `n` shifts every step's value, so a new `n` makes every output new. */
function pipelines(dir: string): Record<Shape, string> {
  return {
    chain: writePipeline(dir, 'chain', `  let value = noop(n);\n  for (let i = 1; i < ${STEPS}; i++) value = noop(value);`),
    wide: writePipeline(dir, 'wide', `  const outs = [];\n  for (let i = 0; i < ${STEPS}; i++) outs.push(noop(n + i));\n  gather(outs);`),
  };
}

export async function stepOverheadBench(): Promise<BenchLine[]> {
  const dir = project();
  const stores: Record<Where, string> = { 'in-process': path.join(dir, 'store-in-process'), daemon: path.join(dir, 'store-daemon') };
  const files = pipelines(dir);
  const missing = redisMissing();
  const redis: Partial<Record<'none' | 'aof-everysec', RedisServer>> = {};
  const pipewright = new Map<string, number[]>();
  const bullmq = new Map<string, number[]>();
  const note = (map: Map<string, number[]>, key: string, msPerStep: number) => map.set(key, [...(map.get(key) ?? []), msPerStep]);
  try {
    if (!missing) {
      redis.none = await startRedis('none');
      redis['aof-everysec'] = await startRedis('aof-everysec');
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const shape of ['chain', 'wide'] as const) {
        for (const where of ['in-process', 'daemon'] as const) {
          // A value no earlier run stored; the second run stores exactly the same outputs again.
          const n = (round + 1) * 1_000_000 + (where === 'daemon' ? 500_000 : 0) + (shape === 'wide' ? 100_000 : 0);
          for (const outputs of ['new', 'stored'] as const) {
            const ms =
              where === 'in-process'
                ? (await timedRun(files[shape], stores[where], false, n)).executeMs
                : (await daemonRun(stores[where], files[shape], shape, n)).executeMs;
            note(pipewright, `${shape} ${where} ${outputs}`, ms / JOBS[shape]);
          }
        }
        for (const server of Object.values(redis)) {
          if (server) note(bullmq, `${shape} ${server.persistence}`, (await bullmqFlowMs(server, shape, STEPS, PARALLEL)) / JOBS[shape]);
        }
      }
    }
  } finally {
    for (const server of Object.values(redis)) await server?.stop();
    await stopDaemon(stores.daemon).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const lines: BenchLine[] = [];
  const shapeName: Record<Shape, string> = { chain: '1,000-step no-op chain', wide: '1,000-wide fan-out + fan-in' };
  for (const shape of ['chain', 'wide'] as const) {
    const plain = bullmq.get(`${shape} none`);
    const aof = bullmq.get(`${shape} aof-everysec`);
    const bullPlain = plain ? median(plain) : undefined;
    const bullAof = aof ? median(aof) : undefined;
    for (const where of ['in-process', 'daemon'] as const) {
      for (const outputs of ['new', 'stored'] as const) {
        const ours = median(pipewright.get(`${shape} ${where} ${outputs}`) ?? []);
        const ratio = (of: number | undefined) => (of === undefined ? '' : ` = ${(ours / of).toFixed(2)}×`);
        lines.push({
          name: `${shapeName[shape]}, ${where === 'daemon' ? 'through the daemon' : 'in-process'}, ${outputs === 'new' ? 'every output new' : 'outputs already stored'} (median of ${ROUNDS}, taken in turns)`,
          value: `${ours.toFixed(3)} ms/step${ratio(bullPlain)} BullMQ without persistence${ratio(bullAof)} BullMQ with AOF everysec`,
          baseline:
            bullPlain === undefined || bullAof === undefined
              ? (missing ?? 'BullMQ not measured')
              : `BullMQ ${shape === 'chain' ? 'flow chain' : 'flow with 1,000 children'}, worker concurrency ${PARALLEL} in this process, private redis-server on loopback: ${bullPlain.toFixed(3)} ms/step without persistence, ${bullAof.toFixed(3)} ms/step with appendonly + appendfsync everysec`,
          target: '≤ 1.0× BullMQ without persistence',
        });
      }
    }
  }
  return lines;
}
