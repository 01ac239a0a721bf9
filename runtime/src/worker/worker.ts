/**
 * A remote worker (`pipewright worker`): claims jobs from its orchestrator (long-poll), runs each
 * in a runner process of this machine (the local runner pool, one per bundle), and answers. It
 * fetches the bundle by hash and the input artifacts over the API, so it needs none of the
 * author's files; it sends outputs (checked against their hashes on arrival) inside the result
 * when small, or uploads them before it.
 * One beat per interval renews the leases of all its attempts. An attempt the orchestrator fenced,
 * or whose lease timeout passed with no beat reaching the orchestrator (cut off, or frozen), has
 * its runner killed at once: the orchestrator has replaced it, so whatever it still did would be
 * work nobody commits (its result is refused there anyway). A worker that cannot reach its
 * orchestrator for the worker timeout stops its runners and itself. Drained (SIGTERM), it claims
 * nothing more, lets what runs finish within the drain timeout, then stops the runners of the
 * rest and hands those jobs back (`relinquished`), which the orchestrator runs again elsewhere.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalArtifactStore } from '../artifacts/localArtifactStore';
import type { ExecuteTask, ResolvedInput, RunnerConfig } from '../model/runnerProtocol';
import type { ArtifactRef } from '../model/artifactRef';
import type { BeatAnswer, BeatRequest, ChildRunAnswer, ClaimAnswer, ClaimRequest, ResultRequest, WorkerJob, WorkerReply } from '../model/workerProtocol';
import { INLINE_OUTPUT_BYTES, INLINE_RESULT_BYTES, relinquishedError, WORKER_PATHS, workerArtifactPath } from '../model/workerProtocol';
import { readVerified, verifyArtifact } from '../artifacts/contentAddress';
import { RecentArtifacts } from './recentArtifacts';
import type { TaskOwner } from '../engine/launcher';
import { PipelineCompileError } from '../sdk/compile';
import { BundleLoadError, RunnerPool } from '../runnerPool/runnerPool';
import { FencedAnswer, mayHealOnRetry, OrchestratorWire } from './orchestratorWire';

export interface WorkerOptions {
  /** The daemons of its store (one, or a leader and its replicas): tried in turn when one is unreachable. */
  orchestrators: string[];
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
  /** How long a drained worker lets its running jobs finish before it hands the rest back. */
  drainTimeoutMs: number;
  log(line: string): void;
}

interface RunningJob {
  job: WorkerJob;
  owner?: TaskOwner;
  pool?: RunnerPool;
  /** Fenced: its runner was killed, and its result counts for nothing. */
  fenced?: boolean;
  /** Logs, then the result, posted in order. */
  chain: Promise<unknown>;
  /** Its task ended here (its reply is being delivered): too late to hand it back. */
  settled: boolean;
  /** Handed back unfinished (drained past the timeout): its reply says so, whatever its runner did. */
  relinquished?: string;
  /** Resolves once its reply was delivered (or given up) and it left `running`. */
  done: Promise<void>;
  /** The bytes of its small outputs, which its runner wrote nowhere, until its result is delivered. */
  outputBytes?: ReadonlyMap<string, Buffer>;
}

const CLAIM_WAIT_MS = 10_000;
/** How many bytes of recent small artifacts a worker keeps in memory for its next jobs. */
const RECENT_BYTES = 32 * 1024 * 1024;
/** How often the worker looks for attempts whose lease ran out unrenewed, whatever its beats are waiting on. */
const FENCE_CHECK_MS = 50;
/** After the drain timeout: how long stopping the runners left and handing their jobs back may take before the worker exits anyway. */
const HAND_BACK_MS = 5000;
/** A result the orchestrator could not take (its artifact store failed, say) is sent again after this, then twice as long each time, up to the most. */
const RESULT_RETRY_FIRST_MS = 200;
const RESULT_RETRY_MOST_MS = 2000;

export class Worker {
  readonly id = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly wire: OrchestratorWire;
  private readonly running = new Map<string, RunningJob>();
  private readonly pools = new Map<string, RunnerPool>();
  private readonly artifacts: LocalArtifactStore;
  private readonly recent = new RecentArtifacts(RECENT_BYTES);
  private intervalMs = 1000;
  private timeoutMs = 15_000;
  private lastReachedAt = Date.now();
  private stopping = false;
  private draining = false;
  /** Its runner pools are being closed: no new one is made. */
  private poolsClosing = false;
  /** Ends the drain's wait at once (a second signal). */
  private hurryDrain?: () => void;
  /** Wakes the drain's wait each time a job leaves `running`. */
  private jobLeft?: () => void;
  private claiming: Promise<void> = Promise.resolve();
  private beatTimer?: NodeJS.Timeout;
  private fenceTimer?: NodeJS.Timeout;
  private wakeClaim?: () => void;
  private readonly stopped: Promise<number>;
  private finish!: (code: number) => void;

  constructor(private readonly options: WorkerOptions) {
    this.wire = new OrchestratorWire(
      options.orchestrators.map((url) => url.replace(/\/+$/, '')),
      options.token,
      { caFile: options.caFile },
    );
    this.artifacts = new LocalArtifactStore(path.join(options.workDir, 'artifacts'));
    this.stopped = new Promise((resolve) => (this.finish = resolve));
  }

  /** Runs until stopped; resolves with the exit code. */
  async run(): Promise<number> {
    this.options.log(`worker ${this.id} serving ${this.options.orchestrators.join(', ')} (pool ${this.options.pool}, concurrency ${this.options.concurrency})`);
    this.scheduleBeat();
    this.fenceTimer = setInterval(() => this.fenceOverdue(), FENCE_CHECK_MS);
    this.claiming = this.claimLoop();
    return this.stopped;
  }

  /**
   * Graceful eviction: claims nothing more (the orchestrator hears it at once), lets running jobs
   * finish for `drainTimeoutMs`, then stops the runners of those left and hands them back, and
   * exits 0. Called again (a second signal), it stops waiting and hands back at once.
   */
  async drain(why: string): Promise<void> {
    if (this.stopping) return;
    if (this.draining) {
      this.hurryDrain?.();
      return;
    }
    this.draining = true;
    const timeoutMs = this.options.drainTimeoutMs;
    this.options.log(`worker ${this.id} draining (${why}): ${this.running.size} job(s) running, the rest handed back after ${timeoutMs / 1000} s`);
    this.wakeClaim?.();
    clearTimeout(this.beatTimer);
    void this.beat();
    const deadline = Date.now() + timeoutMs;
    let hurriedNow = false;
    const hurried = new Promise<void>((resolve) => (this.hurryDrain = () => ((hurriedNow = true), resolve())));
    // The claim in flight ends at once (the orchestrator hands a draining worker nothing); what it still brought is handed back.
    await Promise.race([this.claiming, hurried, delay(timeoutMs)]);
    while (this.running.size > 0 && Date.now() < deadline && !hurriedNow) {
      const left = new Promise<void>((resolve) => (this.jobLeft = resolve));
      await Promise.race([left, hurried, delay(deadline - Date.now())]);
    }
    const unfinished = [...this.running.values()].filter((running) => !running.settled);
    if (unfinished.length > 0) {
      this.options.log(`worker ${this.id} hands back ${unfinished.length} job(s) unfinished after the drain timeout: ${unfinished.map(describe).join(', ')}`);
      for (const running of unfinished) {
        running.relinquished = `drained (${why}); not finished within the drain timeout of ${timeoutMs / 1000} s`;
        if (running.owner) running.pool?.stop(running.owner);
      }
    }
    // Closing the pools ends every runner left (a compile or hook has no attempt to stop by itself).
    this.poolsClosing = true;
    const handedBack = Promise.all([...this.pools.values()].map((pool) => pool.close())).then(() => Promise.all([...this.running.values()].map((running) => running.done)));
    await Promise.race([handedBack, delay(HAND_BACK_MS)]);
    await this.stop(0, 'drained');
  }

  /** Stops claiming, ends its runners, and exits with `code`. */
  async stop(code: number, why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.options.log(`worker ${this.id} stopping: ${why}`);
    clearTimeout(this.beatTimer);
    clearInterval(this.fenceTimer);
    this.wakeClaim?.();
    this.poolsClosing = true;
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    // Its last beat takes it off the orchestrator's list of workers at once (best effort: it may be unreachable).
    if (this.running.size === 0) await this.wire.call('POST', WORKER_PATHS.beat, { workerId: this.id, jobs: [], leaving: true } satisfies BeatRequest, 1000).catch(() => undefined);
    this.finish(code);
  }

  private reached(): void {
    this.lastReachedAt = Date.now();
  }

  private unreachable(error: unknown): void {
    this.fenceOverdue();
    const silentMs = Date.now() - this.lastReachedAt;
    if (silentMs > this.timeoutMs) void this.stop(1, `cannot reach the orchestrator at ${this.options.orchestrators.join(' or ')} for ${silentMs} ms (${(error as Error).message})`);
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping && !this.draining) {
      if (this.running.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => (this.wakeClaim = resolve));
        continue;
      }
      try {
        const claim: ClaimRequest = { workerId: this.id, pool: this.options.pool, labels: this.options.labels, concurrency: this.options.concurrency, waitMs: CLAIM_WAIT_MS };
        const answer = await this.wire.call<ClaimAnswer>('POST', WORKER_PATHS.claim, claim, CLAIM_WAIT_MS + 10_000);
        this.reached();
        this.intervalMs = answer.intervalMs;
        this.timeoutMs = answer.timeoutMs;
        if (answer.job && (this.stopping || this.draining)) await this.handBack(answer.job, 'claimed as the worker began to drain');
        else if (answer.job) this.start(answer.job, answer.inputs ?? {});
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

  /**
   * Cut off (or resumed after a freeze) past an attempt's lease timeout: the orchestrator has
   * replaced that attempt, so its runner is killed now, before the next beat is even tried.
   */
  private fenceOverdue(): void {
    const silentMs = Date.now() - this.lastReachedAt;
    for (const running of this.running.values()) {
      // Fenced while its runner was still starting: the kill is repeated until the task has ended.
      if (running.fenced && running.owner) running.pool?.kill(running.owner);
      const timeoutMs = this.leaseTimeoutOf(running);
      if (silentMs > timeoutMs) this.fence(running, `no beat reached the orchestrator for ${silentMs} ms (lease timeout ${timeoutMs} ms)`);
    }
  }

  /** How long a job's lease lasts unrenewed: its attempt's own timeout, else the orchestrator's. */
  private leaseTimeoutOf(running: RunningJob): number {
    return running.job.kind === 'execute' ? (running.job.task.lease?.timeoutMs ?? this.timeoutMs) : this.timeoutMs;
  }

  /** One request for every job held: renews their leases; answers what to stop or abandon. */
  private async beat(): Promise<void> {
    if (this.stopping) return;
    this.fenceOverdue();
    try {
      const beat: BeatRequest = { workerId: this.id, jobs: [...this.running.keys()], ...(this.draining ? { draining: true } : {}) };
      const answer = await this.wire.call<BeatAnswer>('POST', WORKER_PATHS.beat, beat, Math.max(1000, this.intervalMs * 2));
      this.reached();
      for (const id of answer.abandon) {
        const job = this.running.get(id);
        if (job) this.fence(job, 'the orchestrator fenced it');
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

  /** Kills the runner of a fenced attempt (once): its task ends as lost, and its result is refused. */
  private fence(job: RunningJob, why: string): void {
    if (!job.owner || job.fenced) return;
    job.fenced = true;
    this.options.log(`attempt ${job.owner.attempt} of "${job.owner.invocationId}" (run ${job.owner.runId}) fenced, its runner killed: ${why}`);
    job.pool?.kill(job.owner);
  }

  /** `inputs`: its small input artifacts that came with the claim (by hash, base64). */
  private start(job: WorkerJob, inputs: Record<string, string>): void {
    const owner = ownerOf(job);
    const running: RunningJob = { job, owner, chain: Promise.resolve(), settled: false, done: Promise.resolve() };
    this.running.set(job.jobId, running);
    // Where each attempt ran, in the worker's log (`npm run demo:cluster` prints it per step).
    if (job.kind === 'execute') this.options.log(`worker ${this.id} runs ${describe(running)}`);
    running.done = this.perform(running, inputs)
      .catch((error: Error): WorkerReply => ({ kind: 'failed', error: { name: error.name, message: error.message, retryable: true } }))
      .then((reply) => {
        running.settled = true;
        return this.answer(running, this.handedBackReply(running, reply));
      })
      .finally(() => {
        this.running.delete(job.jobId);
        this.wakeClaim?.();
        this.jobLeft?.();
      });
  }

  /**
   * The reply a job's outcome makes: a job handed back says so, whatever its runner did; so does
   * one whose runner vanished while the worker drained (signalled with its process group, say):
   * the eviction, not the step, ended it.
   */
  private handedBackReply(running: RunningJob, reply: WorkerReply): WorkerReply {
    if (running.relinquished !== undefined) return { kind: 'failed', error: relinquishedError(this.id, running.relinquished) };
    if (this.draining && reply.kind === 'failed' && reply.error.lost) return { kind: 'failed', error: relinquishedError(this.id, `its runner went away while the worker drained (${reply.error.message})`) };
    return reply;
  }

  /** Gives a job back unrun (it arrived as the worker began to drain). */
  private async handBack(job: WorkerJob, why: string): Promise<void> {
    const running: RunningJob = { job, owner: ownerOf(job), chain: Promise.resolve(), settled: true, relinquished: why, done: Promise.resolve() };
    this.options.log(`worker ${this.id} hands back ${describe(running)}: ${why}`);
    await this.answer(running, { kind: 'failed', error: relinquishedError(this.id, why) });
  }

  /**
   * Delivers a job's reply. One the orchestrator could not take, or that did not reach it, is sent
   * again, the job still held (its beats renew its lease meanwhile), for as long as its lease
   * would last unrenewed: every try is safe (outputs are content-addressed, a result is taken once).
   */
  private async answer(running: RunningJob, reply: WorkerReply): Promise<void> {
    const timeoutMs = this.leaseTimeoutOf(running);
    let deadline: number | undefined;
    for (let waitMs = RESULT_RETRY_FIRST_MS; ; waitMs = Math.min(2 * waitMs, RESULT_RETRY_MOST_MS)) {
      try {
        await this.deliver(running, reply);
        this.reached();
        return;
      } catch (error) {
        if (error instanceof FencedAnswer) return this.options.log(`result of ${describe(running)} refused as fenced: ${error.message}`);
        deadline ??= Date.now() + timeoutMs;
        if (!mayHealOnRetry(error) || this.stopping || running.fenced || Date.now() + waitMs > deadline) {
          return this.options.log(`result of ${describe(running)} not delivered: ${(error as Error).message}`);
        }
        this.options.log(`result of ${describe(running)} not delivered, sent again in ${waitMs} ms: ${(error as Error).message}`);
        await delay(waitMs);
      }
    }
  }

  /** One try at delivering a reply: its larger outputs uploaded, then the result with the small ones inside. */
  private async deliver(running: RunningJob, reply: WorkerReply): Promise<void> {
    const { job } = running;
    // Sent even when fenced: content-addressed bytes are garbage, not state, until a commit names them.
    const inline: Record<string, string> = {};
    if (reply.kind === 'executed') {
      let inlineBytes = 0;
      for (const ref of Object.values(reply.outputs)) {
        if (ref.hash in inline) continue;
        const made = running.outputBytes?.get(ref.hash);
        if (ref.size <= INLINE_OUTPUT_BYTES && inlineBytes + ref.size <= INLINE_RESULT_BYTES) {
          inline[ref.hash] = (made ?? (await this.artifacts.getBytes(ref))).toString('base64');
          inlineBytes += ref.size;
        } else await this.upload(job.jobId, ref, made);
      }
    }
    await running.chain;
    const result: ResultRequest = { workerId: this.id, reply, ...(Object.keys(inline).length > 0 ? { outputs: inline } : {}) };
    await this.wire.call('POST', `/worker-jobs/${job.jobId}/result`, result);
  }

  private async perform(running: RunningJob, inline: Record<string, string>): Promise<WorkerReply> {
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
        const inputBytes = await this.fetchInputs(job.jobId, job.task.inputs, inline, true);
        if (running.fenced) return { kind: 'failed', error: { name: 'Error', message: 'fenced before its runner started', retryable: true, lost: true } };
        // The worker's beat renews the lease for all its attempts; its runners beat nobody.
        const task: ExecuteTask = { ...job.task, lease: undefined };
        // Small inputs and outputs cross the runner's channel as bytes: no file is made for them here.
        const outcome = await pool.execute(task, () => undefined, { inputBytes, returnBytesUpTo: INLINE_OUTPUT_BYTES });
        if (!outcome.ok) return { kind: 'failed', error: outcome.error };
        if (outcome.carried) {
          running.outputBytes = outcome.carried;
          for (const [hash, bytes] of outcome.carried) this.recent.keep(hash, bytes);
        }
        return { kind: 'executed', outputs: outcome.outputs };
      }
      case 'hook': {
        await this.fetchInputs(job.jobId, job.task.inputs, inline);
        const result = await pool.hook(job.task);
        return 'source' in result ? { kind: 'hookDone', source: result.source } : { kind: 'failed', error: result.error };
      }
      case 'cacheKey': {
        await this.fetchInputs(job.jobId, job.task.inputs, inline);
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
    if (this.poolsClosing) throw new Error('the worker is stopping its runners');
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

  /**
   * Makes sure each input artifact is at hand: kept in memory (made or sent lately), come with the
   * claim (`inline`, checked first), in the artifact folder, or downloaded into it. `inMemory`:
   * the runner takes bytes at hand as they are (an execute task's), answered by hash; otherwise
   * they are written to the folder, where the runner reads every input.
   */
  private async fetchInputs(jobId: string, inputs: Record<string, ResolvedInput>, inline: Record<string, string>, inMemory = false): Promise<Map<string, Buffer>> {
    const atHand = new Map<string, Buffer>();
    for (const input of Object.values(inputs)) {
      const items = input.kind === 'fanIn' ? input.items : [input];
      for (const item of items) {
        if (item.kind !== 'artifact' || atHand.has(item.ref.hash)) continue;
        const bytes = this.recent.get(item.ref.hash) ?? this.checkedInline(item.ref, inline[item.ref.hash]);
        if (bytes && inMemory) {
          atHand.set(item.ref.hash, bytes);
          continue;
        }
        if (bytes && !(await this.artifacts.has(item.ref.hash))) await this.artifacts.putBytes(item.ref, bytes).catch(() => undefined);
        await this.download(jobId, item.ref);
      }
    }
    return atHand;
  }

  /** Bytes that came with the claim, once they match their content address (those that do not are dropped: the download fetches them again). */
  private checkedInline(ref: ArtifactRef, base64: string | undefined): Buffer | undefined {
    if (base64 === undefined) return undefined;
    const bytes = Buffer.from(base64, 'base64');
    try {
      verifyArtifact(ref, bytes, 'the claim');
    } catch {
      return undefined;
    }
    this.recent.keep(ref.hash, bytes);
    return bytes;
  }

  private async download(jobId: string, ref: ArtifactRef): Promise<void> {
    if (await this.artifacts.has(ref.hash)) return;
    const path = workerArtifactPath(jobId, ref);
    // Raw bytes, hashed as they arrive: what does not match its content address is never kept.
    await this.artifacts.putBytes(ref, await readVerified(ref, await this.wire.download(path), `${this.wire.baseUrl} (${path})`));
  }

  /** `bytes`: the output's, when its runner wrote it nowhere. */
  private async upload(jobId: string, ref: ArtifactRef, bytes?: Buffer): Promise<void> {
    await this.wire.upload(workerArtifactPath(jobId, ref, this.id), bytes ?? (await this.artifacts.getBytes(ref)));
  }
}

function ownerOf(job: WorkerJob): TaskOwner | undefined {
  return 'task' in job ? { runId: job.task.run.runId, invocationId: job.task.invocationId, attempt: job.kind === 'cacheKey' ? job.attempt : job.task.attempt } : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function describe(running: RunningJob): string {
  return running.owner ? `attempt ${running.owner.attempt} of "${running.owner.invocationId}" (run ${running.owner.runId})` : `job ${running.job.jobId} (${running.job.kind})`;
}
