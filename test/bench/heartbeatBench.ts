/**
 * Orchestrator benchmarks: heartbeat ingestion on the embedded store (beside a loopback HTTP
 * floor measured in the same run) and lost-runner detection latency (beside the configured timeout).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineEvent } from '../../runtime/src/model/events';
import { HeartbeatRecorder } from '../../runtime/src/engine/heartbeatRecorder';
import { LeaseServer } from '../../runtime/src/engine/leaseServer';
import { Orchestrator } from '../../runtime/src/daemon/orchestrator';
import { LeaseTable, leaseKey } from '../../runtime/src/engine/leases';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import type { BenchLine } from './engineBench';

const repoRoot = path.resolve(__dirname, '..', '..');

/** Runs the load generator in a worker thread (another core); returns successful requests per second. */
async function hammer(url: string, token: string, runId: string, attempts: number): Promise<number> {
  const worker = new Worker(path.join(__dirname, 'heartbeatLoad.mjs'), { workerData: { url, token, clients: 32, ms: 3000, attempts, runId } });
  const result = await new Promise<{ done: number; failed: number; seconds: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  if (result.failed > 0) throw new Error(`${result.failed} heartbeats failed`);
  return result.done / result.seconds;
}

/**
 * Heartbeats renewing 200 leases over loopback HTTP, as the executor takes them; with
 * `throughStream`, also published on the daemon's event stream as the orchestrator does (which
 * keeps and records only each attempt's newest beat).
 */
async function ingestion(throughStream: boolean): Promise<BenchLine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-hb-'));
  const store = await openRunStore(dir, 'readWrite');
  const attempts = 200;
  try {
    // A run with 200 running attempts whose leases are renewed.
    const runId = 'bench-run';
    const nodes = Array.from({ length: attempts }, (_, i) => ({ id: `s${i}`, step: 's', namespace: [], params: [], inputs: {}, outputs: ['output'], after: [], options: { hooks: {} }, codeHash: 'x' }));
    await store.createRun({ id: runId, name: 'bench', pipeline: 'bench', sourceFile: 'bench.ts', parameters: {}, options: {}, dag: { pipeline: 'bench', parameters: {}, nodes, edges: [], outputs: {}, options: { executionMode: 'continueOnFailure', hooks: { onSuccess: false, onFailure: false } } }, bundlePath: 'x', workingDir: dir, projectDir: dir, at: Date.now() });
    const table = new LeaseTable();
    for (const node of nodes) {
      await store.startAttempt(runId, node.id, 1, Date.now(), null);
      table.grant(leaseKey(runId, node.id), 1, Date.now(), 60_000, 60_000);
    }
    // The same path the executor takes: renew the in-memory lease, record the beat, flush to SQLite.
    const recorder = new HeartbeatRecorder(store);
    const orchestrator = throughStream ? new Orchestrator(store, () => ({ url: 'http://127.0.0.1:0', token: 'x' })) : undefined;
    const publish = orchestrator && (orchestrator as unknown as { publish(event: EngineEvent): void }).publish.bind(orchestrator);
    const flusher = setInterval(() => void recorder.flush(), 100);
    const server = await LeaseServer.start((request) => {
      const now = Date.now();
      const renewed = table.renew(leaseKey(request.runId, request.invocationId), request.attempt, now);
      if (!renewed.ok) return { fenced: true, reason: renewed.reason };
      recorder.note({ runId: request.runId, invocationId: request.invocationId, attempt: request.attempt, at: now });
      publish?.({ type: 'heartbeat', runId: request.runId, invocationId: request.invocationId, attempt: request.attempt, at: now });
      return { fenced: false, stop: false };
    });
    const rate = await hammer(server.url, server.token, runId, attempts);
    clearInterval(flusher);
    await recorder.flush();
    const recorded = (await store.getAttempts(runId)).filter((a) => a.heartbeatAt !== null).length;
    if (recorded !== attempts) throw new Error(`only ${recorded}/${attempts} attempts have a recorded heartbeat`);
    await server.close();
    await orchestrator?.close();

    const floorServer = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"stop":false}'));
    });
    await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
    const floorRate = await hammer(`http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`, 'x', runId, attempts);
    floorServer.close();
    return {
      name: throughStream
        ? "heartbeat ingestion through the daemon's event stream (HTTP + lease renewal + event published and stored as the daemon does, 32 connections, 200 leases)"
        : 'heartbeat ingestion (HTTP + lease renewal + SQLite write, 32 connections, 200 leases)',
      value: `${Math.round(rate).toLocaleString('en-US')} heartbeats/s`,
      baseline: `bare loopback HTTP server answering the same requests: ${Math.round(floorRate).toLocaleString('en-US')} requests/s`,
      target: '≥ 10,000 heartbeats/s',
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function detection(rounds: number): Promise<BenchLine> {
  const latencies: number[] = [];
  const timeoutMs = 500;
  for (let round = 0; round < rounds; round++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-detect-'));
    const events: EngineEvent[] = [];
    const run = runPipelineFile({
      file: path.join(repoRoot, 'test', 'fixtures', 'pipelines', 'faults.ts'),
      pipeline: 'faults',
      parameters: { dir },
      options: { storeDir: path.join(dir, 'store'), enableCache: false },
      listener: (event) => events.push(event),
    });
    const pidFile = path.join(dir, 'attempt-1.pid');
    while (!fs.existsSync(pidFile) || !events.some((e) => e.type === 'heartbeat')) await new Promise((resolve) => setTimeout(resolve, 5));
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGSTOP');
    while (!events.some((e) => e.type === 'attempt' && e.status === 'lost')) await new Promise((resolve) => setTimeout(resolve, 5));
    const lastBeat = events.filter((e) => e.type === 'heartbeat' && e.attempt === 1).at(-1) as EngineEvent & { at: number };
    const lost = events.find((e) => e.type === 'attempt' && e.status === 'lost') as EngineEvent & { at: number };
    latencies.push(lost.at - (lastBeat.at + timeoutMs));
    process.kill(pid, 'SIGKILL');
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    await run;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  return {
    name: `lost-runner detection (SIGSTOP, heartbeat 0.1 s, timeout 0.5 s, ${rounds} rounds)`,
    value: `expiry to lost: median ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies.at(-1)} ms`,
    baseline: `configured timeout ${timeoutMs} ms (so lost ${timeoutMs + (latencies.at(-1) ?? 0)} ms at most after the last heartbeat)`,
    target: 'within timeout + 1 s',
  };
}

export async function heartbeatBench(): Promise<BenchLine[]> {
  return [await ingestion(false), await ingestion(true), await detection(5)];
}
