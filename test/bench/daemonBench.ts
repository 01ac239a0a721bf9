/** Per-step overhead of a 1,000-step no-op DAG run through the orchestrator daemon (HTTP submit, event stream). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeStructured } from '../../runtime/src/artifacts/structured';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import type { BenchLine } from './engineBench';

const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * Runs pipeline `name` of `file` on the daemon of `store` (started on demand), caching off;
 * the milliseconds from the run's start to its end as the daemon's events tell them, and from
 * the submission to the last event.
 */
/** Runs pipeline `name` of `file` through the daemon of `store` (on the PostgreSQL store at `storeUrl` if given): its execute and total times. */
export async function daemonRun(store: string, file: string, name: string, n = 0, storeUrl?: string): Promise<{ executeMs: number; totalMs: number }> {
  const bundle = await bundlePipelineFile(file, store);
  const client = await connectDaemon(store, storeUrl === undefined ? {} : { storeUrl });
  const text = fs.readFileSync(bundle.path, 'utf8');
  let firstStart = 0;
  let end = 0;
  const submitted = performance.now();
  const run = await client.submitRun({ file, target: { kind: 'pipeline', name }, parameters: encodeStructured({ n }) as Record<string, unknown>, options: { enableCache: false }, bundle: text });
  await client.follow(
    (event) => {
      const data = event.data as { type: string; status?: string; at: number };
      if (data.type === 'run' && data.status === 'running') firstStart = data.at;
      if (data.type === 'run' && data.status !== 'running') {
        end = data.at;
        return true;
      }
      return false;
    },
    { runId: run.runId },
  );
  const totalMs = performance.now() - submitted;
  const detail = await client.getRun({ run: run.runId });
  if (detail.status !== 'completed') throw new Error(`daemon ${name} ended ${detail.status}`);
  return { executeMs: end - firstStart, totalMs };
}

export async function daemonBench(): Promise<BenchLine[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-daemon-bench-'));
  const store = path.join(dir, '.pipewright');
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(path.join(repoRoot, 'runtime'), path.join(dir, 'node_modules', 'pipewright'), 'dir');
    const file = path.join(dir, 'chain.ts');
    fs.writeFileSync(
      file,
      `import { pipeline, step } from 'pipewright';
export const noop = step(function noop(value: number): number { return value + 1; });
export const chain = pipeline(function chain(n: number) { let value = noop(n); for (let i = 1; i < 1000; i++) value = noop(value); });
`,
    );
    const { executeMs, totalMs } = await daemonRun(store, file, 'chain');
    return [
      {
        name: '1,000-step no-op chain through the daemon',
        value: `${(executeMs / 1000).toFixed(2)} ms/step engine overhead (${executeMs} ms executing; ${totalMs.toFixed(0)} ms from submit to the last event)`,
        baseline: 'the in-process figure above (same DAG, same machine, same run of the bench)',
        target: '< 5 ms/step',
      },
    ];
  } finally {
    await stopDaemon(store).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
