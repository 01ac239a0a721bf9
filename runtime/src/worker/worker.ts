/**
 * A remote worker (`pipewright worker`): claims jobs from its orchestrator (long-poll), runs each
 * in a runner process of this machine (the local runner pool, one per bundle), and answers. It
 * fetches the bundle by hash and the input artifacts over the API, so it needs none of the
 * author's files; it uploads outputs (checked against their hashes on arrival) before the result.
 * One beat per interval renews the leases of all its attempts; an attempt the orchestrator fenced
 * is taken out of service and its result is refused there. A worker that cannot reach its
 * orchestrator for the lease timeout stops its runners and itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalArtifactStore } from '../artifacts/localArtifactStore';
import type { ExecuteTask, ResolvedInput, RunnerConfig } from '../model/runnerProtocol';
import type { ArtifactRef } from '../model/artifactRef';
import type { ArtifactBytes, BeatAnswer, ChildRunAnswer, ClaimAnswer, WorkerJob, WorkerReply } from '../model/workerProtocol';
import { WORKER_PATHS } from '../model/workerProtocol';
import type { TaskOwner } from '../engine/launcher';
import { PipelineCompileError } from '../sdk/compile';
import { BundleLoadError, RunnerPool } from '../runnerPool/runnerPool';
import { FencedAnswer, OrchestratorWire } from './orchestratorWire';

export interface WorkerOptions {
  orchestrator: string;
  token: string;
  /** The CA that signed an https orchestrator's certificate, when not one Node trusts. */
  caFile?: string;
  concurrency: number;
  pool: string;
  labels: Record<string, string>;
  /** Where the worker keeps fetched bundles, artifacts and working folders. */
  workDir: string;
  /** The folder whose node_modules a bundle's externals resolve from. */
  projectDir: string;
  log(line: string): void;
}

interface RunningJob {
  job: WorkerJob;
  owner?: TaskOwner;
  pool?: RunnerPool;
  /** Logs, then the result, posted in order. */
  chain: Promise<unknown>;
}

const CLAIM_WAIT_MS = 10_000;

export class Worker {
  readonly id = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly wire: OrchestratorWire;
  private readonly running = new Map<string, RunningJob>();
  private readonly pools = new Map<string, RunnerPool>();
  private readonly artifacts: LocalArtifactStore;
  private intervalMs = 1000;
  private timeoutMs = 15_000;
  private lastReachedAt = Date.now();
  private stopping = false;
  private beatTimer?: NodeJS.Timeout;
  private wakeClaim?: () => void;
  private readonly stopped: Promise<number>;
  private finish!: (code: number) => void;

  constructor(private readonly options: WorkerOptions) {
    this.wire = new OrchestratorWire(options.orchestrator.replace(/\/+$/, ''), options.token, { caFile: options.caFile });
    this.artifacts = new LocalArtifactStore(path.join(options.workDir, 'artifacts'));
    this.stopped = new Promise((resolve) => (this.finish = resolve));
  }

  /** Runs until stopped; resolves with the exit code. */
  async run(): Promise<number> {
    this.options.log(`worker ${this.id} serving ${this.options.orchestrator} (pool ${this.options.pool}, concurrency ${this.options.concurrency})`);
    this.scheduleBeat();
    void this.claimLoop();
    return this.stopped;
  }

  /** Stops claiming, ends its runners, and exits with `code`. */
  async stop(code: number, why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.options.log(`worker ${this.id} stopping: ${why}`);
    clearTimeout(this.beatTimer);
    this.wakeClaim?.();
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.finish(code);
  }

  private reached(): void {
    this.lastReachedAt = Date.now();
  }

  private unreachable(error: unknown): void {
    const silentMs = Date.now() - this.lastReachedAt;
    if (silentMs > this.timeoutMs) void this.stop(1, `cannot reach the orchestrator at ${this.options.orchestrator} for ${silentMs} ms (${(error as Error).message})`);
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping) {
      if (this.running.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => (this.wakeClaim = resolve));
        continue;
      }
      try {
        const answer = await this.wire.call<ClaimAnswer>('POST', WORKER_PATHS.claim, { workerId: this.id, pool: this.options.pool, labels: this.options.labels, waitMs: CLAIM_WAIT_MS }, CLAIM_WAIT_MS + 10_000);
        this.reached();
        this.intervalMs = answer.intervalMs;
        this.timeoutMs = answer.timeoutMs;
        if (answer.job && !this.stopping) this.start(answer.job);
      } catch (error) {
        this.unreachable(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, this.intervalMs)));
      }
    }
  }

  /** Beats as often as the most demanding lease it holds asks (and the orchestrator's interval otherwise). */
  private scheduleBeat(): void {
    const intervals = [...this.running.values()].flatMap((running) => (running.job.kind === 'execute' && running.job.task.lease ? [running.job.task.lease.intervalMs] : []));
    this.beatTimer = setTimeout(() => void this.beat(), Math.min(this.intervalMs, ...intervals));
  }

  /** One request for every job held: renews their leases; answers what to stop or abandon. */
  private async beat(): Promise<void> {
    if (this.stopping) return;
    // Resumed after a freeze (or cut off) past an attempt's lease timeout: it has been replaced.
    const silentMs = Date.now() - this.lastReachedAt;
    for (const running of this.running.values()) {
      const timeoutMs = running.job.kind === 'execute' ? (running.job.task.lease?.timeoutMs ?? this.timeoutMs) : this.timeoutMs;
      if (silentMs > timeoutMs) this.abandon(running, `no beat reached the orchestrator for ${silentMs} ms (lease timeout ${timeoutMs} ms)`);
    }
    try {
      const answer = await this.wire.call<BeatAnswer>('POST', WORKER_PATHS.beat, { workerId: this.id, jobs: [...this.running.keys()] }, Math.max(1000, this.intervalMs * 2));
      this.reached();
      for (const id of answer.abandon) {
        const job = this.running.get(id);
        if (job) this.abandon(job, 'the orchestrator fenced it');
      }
      for (const id of answer.stop) {
        const job = this.running.get(id);
        if (job?.owner) job.pool?.stop(job.owner);
      }
    } catch (error) {
      this.unreachable(error);
    }
    if (!this.stopping) this.scheduleBeat();
  }

  private abandon(job: RunningJob, why: string): void {
    if (!job.owner || (job as { abandoned?: boolean }).abandoned) return;
    (job as { abandoned?: boolean }).abandoned = true;
    this.options.log(`attempt ${job.owner.attempt} of "${job.owner.invocationId}" (run ${job.owner.runId}) abandoned: ${why}`);
    job.pool?.abandon(job.owner);
  }

  private start(job: WorkerJob): void {
    const owner = 'task' in job ? { runId: job.task.run.runId, invocationId: job.task.invocationId, attempt: job.kind === 'cacheKey' ? job.attempt : job.task.attempt } : undefined;
    const running: RunningJob = { job, owner, chain: Promise.resolve() };
    this.running.set(job.jobId, running);
    void this.perform(running)
      .catch((error: Error): WorkerReply => ({ kind: 'failed', error: { name: error.name, message: error.message, retryable: true } }))
      .then((reply) => this.answer(running, reply))
      .finally(() => {
        this.running.delete(job.jobId);
        this.wakeClaim?.();
      });
  }

  private async answer(running: RunningJob, reply: WorkerReply): Promise<void> {
    const { job } = running;
    try {
      // Uploaded even when fenced: content-addressed bytes are garbage, not state, until a commit names them.
      if (reply.kind === 'executed') for (const ref of Object.values(reply.outputs)) await this.upload(job.jobId, ref);
      await running.chain;
      await this.wire.call('POST', `/worker-jobs/${job.jobId}/result`, { workerId: this.id, reply });
      this.reached();
    } catch (error) {
      if (error instanceof FencedAnswer) this.options.log(`result of ${describe(running)} refused as fenced: ${error.message}`);
      else this.options.log(`result of ${describe(running)} not delivered: ${(error as Error).message}`);
    }
  }

  private async perform(running: RunningJob): Promise<WorkerReply> {
    const { job } = running;
    const pool = await this.poolFor(job);
    running.pool = pool;
    switch (job.kind) {
      case 'compile':
        try {
          return { kind: 'compiled', dag: await pool.compile(job.target, job.parameters) };
        } catch (error) {
          if (error instanceof PipelineCompileError) return { kind: 'compileFailed', detail: error.detail, location: error.location };
          if (error instanceof BundleLoadError) return { kind: 'compileFailed', detail: error.message, bundleLoad: error.error };
          throw error;
        }
      case 'execute': {
        await this.fetchInputs(job.jobId, job.task.inputs);
        // The worker's beat renews the lease for all its attempts; its runners beat nobody.
        const task: ExecuteTask = { ...job.task, lease: undefined };
        const outcome = await pool.execute(task, () => undefined);
        return outcome.ok ? { kind: 'executed', outputs: outcome.outputs } : { kind: 'failed', error: outcome.error };
      }
      case 'hook': {
        await this.fetchInputs(job.jobId, job.task.inputs);
        const result = await pool.hook(job.task);
        return 'source' in result ? { kind: 'hookDone', source: result.source } : { kind: 'failed', error: result.error };
      }
      case 'cacheKey': {
        await this.fetchInputs(job.jobId, job.task.inputs);
        const result = await pool.cacheKey(job.task, job.attempt);
        return 'key' in result ? { kind: 'cacheKeyDone', key: result.key } : { kind: 'failed', error: result.error };
      }
    }
  }

  /** The runner pool of the job's bundle, fetched by its hash (and checked) the first time. */
  private async poolFor(job: WorkerJob): Promise<RunnerPool> {
    const known = this.pools.get(job.bundleHash);
    if (known) return known;
    const bundlePath = path.join(this.options.workDir, 'bundles', `${job.bundleHash}.cjs`);
    if (!fs.existsSync(bundlePath)) {
      const text = await this.wire.call<string>('GET', `/worker-jobs/${job.jobId}/bundle`);
      const hash = createHash('sha256').update(text).digest('hex');
      if (hash !== job.bundleHash) throw new Error(`bundle ${job.bundleHash} arrived with hash ${hash}`);
      fs.mkdirSync(path.dirname(bundlePath), { recursive: true, mode: 0o700 });
      fs.writeFileSync(`${bundlePath}.tmp`, text, { mode: 0o600 });
      fs.renameSync(`${bundlePath}.tmp`, bundlePath);
    }
    const again = this.pools.get(job.bundleHash);
    if (again) return again;
    const workingDir = path.join(this.options.workDir, 'work', job.bundleHash.slice(0, 16));
    fs.mkdirSync(workingDir, { recursive: true, mode: 0o700 });
    const config: RunnerConfig = { bundlePath, artifactsDir: this.artifacts.rootDir, workingDir, projectDir: this.options.projectDir };
    const pool = new RunnerPool(config, {
      onLog: (owner, stream, text) => this.onLog(owner, stream, text),
      onChildRun: async (request) => {
        const running = this.jobOf(request.parentRunId, request.parentInvocation);
        if (!running) throw new Error(`no job of ${request.parentInvocation} on this worker`);
        const answer = await this.wire.call<ChildRunAnswer>('POST', `/worker-jobs/${running.job.jobId}/child-runs`, { workerId: this.id, pipeline: request.pipeline, parameters: request.parameters }, 24 * 3600_000);
        if (!answer.outcome) throw new Error(answer.error ?? 'the child run failed');
        for (const refs of Object.values(answer.outcome.outputs)) for (const ref of [refs].flat()) await this.download(running.job.jobId, ref);
        return answer.outcome;
      },
    });
    this.pools.set(job.bundleHash, pool);
    return pool;
  }

  private jobOf(runId: string, invocationId: string, attempt?: number): RunningJob | undefined {
    for (const running of this.running.values()) {
      const owner = running.owner;
      if (owner?.runId === runId && owner.invocationId === invocationId && (attempt === undefined || owner.attempt === attempt)) return running;
    }
    return undefined;
  }

  private onLog(owner: TaskOwner | undefined, stream: 'stdout' | 'stderr', text: string): void {
    const running = owner && this.jobOf(owner.runId, owner.invocationId, owner.attempt);
    if (!running) {
      process[stream].write(text);
      return;
    }
    running.chain = running.chain
      .then(() => this.wire.call('POST', `/worker-jobs/${running.job.jobId}/logs`, { workerId: this.id, lines: [{ stream, text }] }))
      .catch(() => undefined);
  }

  private async fetchInputs(jobId: string, inputs: Record<string, ResolvedInput>): Promise<void> {
    for (const input of Object.values(inputs)) {
      const items = input.kind === 'fanIn' ? input.items : [input];
      for (const item of items) if (item.kind === 'artifact') await this.download(jobId, item.ref);
    }
  }

  private async download(jobId: string, ref: ArtifactRef): Promise<void> {
    if (await this.artifacts.has(ref.hash)) return;
    const bytes = await this.wire.call<ArtifactBytes>('GET', `/worker-jobs/${jobId}/artifacts/${ref.hash}?materializer=${encodeURIComponent(ref.materializer)}`);
    await this.artifacts.putBytes(ref, Buffer.from(bytes.base64, 'base64'));
  }

  private async upload(jobId: string, ref: ArtifactRef): Promise<void> {
    const bytes = await this.artifacts.getBytes(ref);
    await this.wire.call('POST', `/worker-jobs/${jobId}/artifacts`, { workerId: this.id, hash: ref.hash, materializer: ref.materializer, base64: bytes.toString('base64') });
  }
}

function describe(running: RunningJob): string {
  return running.owner ? `attempt ${running.owner.attempt} of "${running.owner.invocationId}" (run ${running.owner.runId})` : `job ${running.job.jobId} (${running.job.kind})`;
}
