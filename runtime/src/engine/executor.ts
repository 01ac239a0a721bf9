import { ArtifactIntegrityError, type ArtifactRef } from '../artifacts/artifactStore';
import type { TypeDescriptor } from '../prepare/typeDescriptor';
import { reasonError, type AttemptError } from '../model/attemptError';
import type { DagNode, HeartbeatSettings, NodeOptions, NodeOverride, PipelineDag } from '../model/dag';
import { definedOptions } from '../model/optionMerge';
import type { ExecutionMode, RunStatus, StepStatus } from '../model/status';
import { FencedError, isDiskFull, LeaseNotHeldError } from '../model/errorCodes';
import { upstreamIds } from '../sdk/compile';
import type { RunStore } from '../store/runStore';
import { cacheKey, customCacheKey } from './cacheKey';
import { cacheEnabled, cacheSince, resolveInputs } from './cacheRules';
import type { Clock } from './clock';
import type { EngineListener } from '../model/events';
import type { AttemptAnswer } from '../model/heartbeatProtocol';
import { HeartbeatRecorder } from './heartbeatRecorder';
import { heartbeatTiming } from './heartbeatSettings';
import { LeaseTable, leaseKey } from './leases';
import type { AttemptWorker, ExecuteOutcome, Launcher } from './launcher';
import type { ExecuteTask, FromRunner, ResolvedInput, RunIdentity, TaskError } from '../model/runnerProtocol';
import { Scheduler, type SchedulerAction } from './scheduler';
import type { SlotPool } from './slots';

/** Everything the executor needs to drive one run that already exists in the store. */
export interface RunPlan {
  run: RunIdentity;
  dag: PipelineDag;
  executionMode: ExecutionMode;
  maxParallel: number;
  /** Run-level cache switch (`undefined`: steps and pipeline decide). */
  enableCache?: boolean;
  /** Per-invocation overrides from the run config (each effect reads them through `optionsOf`). */
  overrides: Record<string, NodeOverride>;
  /** Declared parameter types per step name, for checking values that cross between steps. */
  inputTypes: Record<string, Record<string, TypeDescriptor>>;
  /** Run-level heartbeat settings (steps and pipelines may override). */
  heartbeat?: HeartbeatSettings;
  /** Disruptions (lost attempts) retried per step before it is `crashed` (default 2). */
  maxLostRetries?: number;
  /** Continue a run found unfinished in the store (its engine died): keep what was committed. */
  resume?: boolean;
}

export interface ExecutorDeps {
  store: RunStore;
  pool: Launcher;
  clock: Clock;
  runtimeVersion: string;
  /** The run's working folder, part of the default cache key (a relative path names another file elsewhere). */
  workingDir: string;
  listener?: EngineListener;
  /** Where runners renew leases (the session's lease server or the daemon). */
  leaseEndpoint: { url: string; token: string };
  /** Concurrency slots, shared by every run of the engine or daemon. */
  slots: SlotPool;
}

/**
 * Drives one run: feeds the scheduler's decisions to runner processes and the store, and the
 * outcomes back to the scheduler. Outputs are committed to the store before the scheduler
 * hears of success, so what a reader sees is always committed.
 */
export class RunExecutor {
  private readonly nodes = new Map<string, DagNode>();
  private readonly outputs = new Map<string, Record<string, ArtifactRef>>();
  private readonly startedAt = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  /** Why each step's latest failed attempt failed, for its status, the retry notice and its onFailure hook. */
  private readonly failures = new Map<string, AttemptError>();
  /** Cache keys computed from steps' own cacheKey functions, by invocation id. */
  private readonly customKeys = new Map<string, string>();
  private readonly scheduler: Scheduler;
  private readonly hooks: Promise<void>[] = [];
  private readonly timers = new Set<() => void>();
  private readonly leases = new LeaseTable();
  private readonly fenced = new Set<string>();
  /** Steps of a resumed run whose attempt was lost with the engine (see resumeState). */
  private readonly lostWhileAway: string[] = [];
  private readonly beats: HeartbeatRecorder;
  /** Outcome records the store refused, oldest first, written once there is room. */
  private readonly unrecorded: (() => Promise<void>)[] = [];
  /**
   * Steps the scheduler made `running` whose status is not written yet, by when: a first attempt
   * that starts at once writes it with the attempt's start (one write, not two); any other is
   * written by itself before the scheduler's actions of that turn are done (see {@link apply}).
   */
  private readonly runningUnwritten = new Map<string, number>();
  /** The run's store writes, in the order the engine made them (see {@link enqueue}). */
  private writes: Promise<void> = Promise.resolve();
  /** Store failures already reported (a full disk fails every heartbeat flush: say it once). */
  private readonly reported = new Set<string>();
  private stopMonitor?: () => void;
  private monitorTick = Infinity;
  private finish?: (status: RunStatus) => void;

  private constructor(
    private readonly deps: ExecutorDeps,
    private readonly plan: RunPlan,
    initial: Map<string, { status: StepStatus; attempt?: number; lost?: number }>,
  ) {
    for (const node of plan.dag.nodes) this.nodes.set(node.id, node);
    this.beats = new HeartbeatRecorder(deps.store);
    if (plan.dag.options.maxConcurrency !== undefined) deps.slots.limit(`pipeline:${plan.dag.pipeline}`, plan.dag.options.maxConcurrency);
    this.scheduler = new Scheduler(
      plan.dag.nodes.map((node) => ({
        id: node.id,
        upstream: upstreamIds(node),
        retry: this.optionsOf(node).retry,
        maxLostRetries: plan.maxLostRetries,
      })),
      { mode: plan.executionMode, maxParallel: plan.maxParallel },
      initial,
    );
  }

  /** An executor for the run of `plan`, ready to run (a resumed run's state read from the store first). */
  static async create(deps: ExecutorDeps, plan: RunPlan): Promise<RunExecutor> {
    const state = new ResumedState();
    const initial = plan.resume ? await resumeState(deps, plan, state) : new Map<string, { status: StepStatus; attempt?: number; lost?: number }>();
    const executor = new RunExecutor(deps, plan, initial);
    executor.adopt(state);
    return executor;
  }

  /** Takes over what a resume found: orphans' leases, attempt numbers, committed outputs, failures. */
  private adopt(state: ResumedState): void {
    const at = this.deps.clock.now();
    for (const [id, attempt] of state.attempts) this.attempts.set(id, attempt);
    for (const [id, started] of state.startedAt) this.startedAt.set(id, started);
    for (const [id, outputs] of state.outputs) this.outputs.set(id, outputs);
    for (const [id, failure] of state.failures) this.failures.set(id, failure);
    for (const orphan of state.orphans) {
      const timing = heartbeatTiming(this.nodes.get(orphan.id)?.options.heartbeat, this.plan.heartbeat);
      this.leases.grant(leaseKey(this.plan.run.runId, orphan.id), orphan.attempt, at, timing.timeoutMs, timing.timeoutMs, timing.intervalMs);
      this.ensureMonitor(timing.intervalMs);
      if (orphan.reattach) this.reattach(orphan.id, orphan.attempt);
    }
    this.lostWhileAway.push(...state.lostWhileAway);
  }

  /** An attempt a remote worker still runs for the engine that is gone: its launcher hands this engine its outcome. */
  private reattach(id: string, attempt: number): void {
    const node = this.nodes.get(id) as DagNode;
    const inputs = this.resolveInputs(node);
    // A custom key computed by the engine that died is not known here: no cache entry then.
    const stepCacheKey = node.options.customCacheKey ? undefined : cacheKey(node, inputs, this.deps.runtimeVersion, this.deps.workingDir);
    void this.deps.pool
      .reattach!(this.taskFor(node, attempt, inputs))
      .catch((error: Error): ExecuteOutcome => ({ ok: false, error: { name: error.name, message: error.message, retryable: true, lost: true } }))
      .then((outcome) => this.settleAttempt(node, attempt, outcome, stepCacheKey));
  }

  /** Runs to the end and resolves with the run's final status. */
  run(): Promise<RunStatus> {
    const done = new Promise<RunStatus>((resolve) => (this.finish = resolve));
    this.apply(this.scheduler.start());
    for (const id of this.lostWhileAway.splice(0)) this.apply(this.scheduler.handle({ type: 'lost', id, error: ENGINE_STOPPED }));
    return done;
  }

  cancel(): void {
    this.apply(this.scheduler.handle({ type: 'cancel' }));
  }

  /** A runner renews the lease of attempt `attempt` of `id`; a stale epoch is refused. */
  heartbeat(id: string, attempt: number): AttemptAnswer {
    const now = this.deps.clock.now();
    const renewed = this.leases.renew(leaseKey(this.plan.run.runId, id), attempt, now);
    if (!renewed.ok) {
      void this.record(() => this.deps.store.recordRefusal(this.plan.run.runId, id, attempt, `heartbeat refused: ${renewed.reason}`, now));
      return { fenced: true, reason: renewed.reason };
    }
    this.beats.note({ runId: this.plan.run.runId, invocationId: id, attempt, at: now });
    // A late beat is the one kept trace of a silence (beats are stored batched, the newest only): the timeline marks it.
    if (renewed.lateAfter !== undefined) void this.record(() => this.deps.store.recordHeartbeatGap(this.plan.run.runId, id, attempt, { from: renewed.lateAfter!, to: now }));
    this.deps.listener?.({ type: 'heartbeat', runId: this.plan.run.runId, invocationId: id, attempt, at: now });
    return { fenced: false, stop: renewed.stop };
  }

  /** Whether this attempt was lost and replaced: its output is refused like its results. */
  isFenced(id: string, attempt: number): boolean {
    return this.fenced.has(`${id}\u0000${attempt}`);
  }

  /** Leases held right now (for checks that nothing leaks). */
  get leasesHeld(): number {
    return this.leases.size;
  }

  private apply(actions: SchedulerAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'start':
          this.startAttempt(action.id, action.attempt);
          break;
        case 'retryLater':
          this.emitRetry(action.id, action.nextAttempt, action.delayMs);
          break;
        case 'stop':
          this.leases.requestStop(leaseKey(this.plan.run.runId, action.id));
          this.deps.pool.stop({ runId: this.plan.run.runId, invocationId: action.id });
          this.leases.release(leaseKey(this.plan.run.runId, action.id));
          this.deps.slots.release(this.slotHolder(action.id, this.attempts.get(action.id) ?? 1));
          void this.recordOutcome(() => this.deps.store.endAttempt(this.plan.run.runId, action.id, this.attempts.get(action.id) ?? 1, 'cancelled', this.deps.clock.now(), 'the step was stopped'));
          break;
        case 'status':
          this.onStatus(action.id, action.status, action.error);
          break;
        case 'finished':
          void this.finishRun(action.status);
          break;
      }
    }
    for (const id of [...this.runningUnwritten.keys()]) this.writeRunning(id);
  }

  /** Writes the `running` status of `id` by itself, if it is not written yet. */
  private writeRunning(id: string): void {
    const at = this.runningUnwritten.get(id);
    if (at === undefined) return;
    this.runningUnwritten.delete(id);
    this.recordRunning(id, at);
  }

  /** Records that step `id` has been running since `at` (an outcome: kept and written later if the store refuses it now). */
  private recordRunning(id: string, at: number): void {
    void this.recordOutcome(() => this.deps.store.setStepStatus(this.plan.run.runId, id, 'running', at));
  }

  private startAttempt(id: string, attempt: number): void {
    const node = this.nodes.get(id) as DagNode;
    const inputs = this.resolveInputs(node);
    const now = this.deps.clock.now();
    if (!this.startedAt.has(id)) this.startedAt.set(id, now);
    this.attempts.set(id, attempt);
    if (!node.options.customCacheKey) {
      const key = cacheKey(node, inputs, this.deps.runtimeVersion, this.deps.workingDir);
      if (this.looksUp(node, attempt, key)) void this.lookupOrDispatch(node, attempt, inputs, key);
      else this.acquireAndDispatch(node, attempt, inputs, key);
      return;
    }
    const known = this.customKeys.get(id);
    if (known !== undefined || attempt > 1 || !this.cacheEnabled(node)) {
      void this.lookupOrDispatch(node, attempt, inputs, known);
      return;
    }
    // The step's own cacheKey is user code: a runner computes it, once per invocation.
    const task = { run: this.plan.run, invocationId: id, stepName: node.step, pool: this.optionsOf(node).pool, labels: this.optionsOf(node).labels, inputs };
    void this.deps.pool.cacheKey(task, attempt).then((result) => {
      if (this.stoppedMeanwhile(id, attempt)) return;
      if ('error' in result) {
        const at = this.deps.clock.now();
        void this.record(() => this.deps.store.startAttempt(this.plan.run.runId, id, attempt, at, null));
        const failure = attemptFailure(result.error);
        this.failures.set(id, failure);
        void this.recordOutcome(() => this.deps.store.endAttempt(this.plan.run.runId, id, attempt, 'failed', at, failure));
        this.apply(this.scheduler.handle({ type: 'failed', id, error: result.error.message, retryable: false }));
        return;
      }
      const key = customCacheKey(node, result.key, this.deps.runtimeVersion);
      this.customKeys.set(id, key);
      void this.lookupOrDispatch(node, attempt, inputs, key);
    });
  }

  /** Whether attempt `attempt` of `node` first looks for a cache entry under `stepCacheKey` (first attempts only). */
  private looksUp(node: DagNode, attempt: number, stepCacheKey: string | undefined): boolean {
    return attempt === 1 && stepCacheKey !== undefined && this.cacheEnabled(node);
  }

  /** Reuses a fresh cache entry under `stepCacheKey` (first attempts only), or else runs the attempt once it holds its slots. */
  private async lookupOrDispatch(node: DagNode, attempt: number, inputs: Record<string, ResolvedInput>, stepCacheKey: string | undefined): Promise<void> {
    const id = node.id;
    if (stepCacheKey !== undefined && this.looksUp(node, attempt, stepCacheKey)) {
      const now = this.deps.clock.now();
      const since = cacheSince(node, now);
      // Awaited, so the scheduler finishes the current batch of actions first. A lookup that fails is a miss.
      const hit = await this.deps.store.lookupCache(stepCacheKey, since).catch(() => undefined);
      if (this.stoppedMeanwhile(id, attempt)) return;
      if (hit) {
        // Committed (outputs, cache hit, status in one store call) before the scheduler hears of it.
        const failure = await this.record(() => this.deps.store.commitOutputs(this.plan.run.runId, id, hit, now, { cacheKey: stepCacheKey, cached: true, stepName: node.step, cacheable: true }));
        if (this.stoppedMeanwhile(id, attempt)) return;
        if (failure) {
          this.apply(this.scheduler.handle({ type: 'failed', id, error: failure.message, retryable: true }));
          return;
        }
        this.outputs.set(id, hit);
        this.apply(this.scheduler.handle({ type: 'succeeded', id, cached: true }));
        return;
      }
    }
    this.acquireAndDispatch(node, attempt, inputs, stepCacheKey);
  }

  /**
   * Runs the attempt once it holds its slots. One whose slots are free now starts at once, its
   * step's `running` status (if not written yet) written with its start; one that waits for them
   * has the status written first, so the step shows running while it waits.
   */
  private acquireAndDispatch(node: DagNode, attempt: number, inputs: Record<string, ResolvedInput>, stepCacheKey: string | undefined): void {
    const id = node.id;
    const holder = this.slotHolder(id, attempt);
    const slots = ['global', `pipeline:${this.plan.dag.pipeline}`, ...(node.options.limits ?? []).map((limit) => `limit:${limit}`)];
    if (this.deps.slots.tryAcquire(holder, slots)) {
      const runningAt = this.runningUnwritten.get(id);
      this.runningUnwritten.delete(id);
      void this.dispatch(node, attempt, inputs, stepCacheKey, runningAt);
      return;
    }
    this.writeRunning(id);
    void this.deps.slots.acquire(holder, slots).then(() => this.dispatch(node, attempt, inputs, stepCacheKey));
  }

  /** Whether attempt `attempt` of `id` was stopped (cancelled, or replaced) while the engine waited. */
  private stoppedMeanwhile(id: string, attempt: number): boolean {
    return this.scheduler.status(id) !== 'running' || this.attempts.get(id) !== attempt;
  }

  /** Runs an attempt that holds its slots: lease, runner, outcome; `runningAt`: its step's `running` status, written with its start. */
  private async dispatch(node: DagNode, attempt: number, inputs: Record<string, ResolvedInput>, stepCacheKey: string | undefined, runningAt?: number): Promise<void> {
    const id = node.id;
    if (this.stoppedMeanwhile(id, attempt)) {
      // Stopped while it waited for its slots.
      if (runningAt !== undefined) this.recordRunning(id, runningAt);
      this.deps.slots.release(this.slotHolder(id, attempt));
      return;
    }
    const now = this.deps.clock.now();
    // A full disk may have given up the store's reserve earlier: put it back while there is room.
    await this.deps.store.restoreReserve();
    void this.replayUnrecorded();
    const notStarted = await this.record(() => this.deps.store.startAttempt(this.plan.run.runId, id, attempt, now, null, runningAt));
    // The status is an outcome: one the store refused is kept and written once it can be (a full disk).
    if (notStarted && runningAt !== undefined) this.recordRunning(id, runningAt);
    if (this.stoppedMeanwhile(id, attempt)) {
      // Stopped while its start was recorded (the stop recorded its end).
      this.deps.slots.release(this.slotHolder(id, attempt));
      return;
    }
    if (notStarted) {
      this.deps.slots.release(this.slotHolder(id, attempt));
      this.apply(this.scheduler.handle({ type: 'failed', id, error: notStarted.message, retryable: true }));
      return;
    }
    const timing = heartbeatTiming(node.options.heartbeat, this.plan.heartbeat);
    const key = leaseKey(this.plan.run.runId, id);
    this.leases.grant(key, attempt, now, timing.startTimeoutMs, timing.timeoutMs, timing.intervalMs);
    this.ensureMonitor(timing.intervalMs);
    const task = this.taskFor(node, attempt, inputs);
    const queuedFor = this.deps.pool.queuedFor?.(task);
    const runId = this.plan.run.runId;
    if (queuedFor !== undefined) void this.record(() => this.deps.store.recordPlacement(runId, id, attempt, 'queued', queuedFor, now));
    const onStart = ({ pid }: AttemptWorker) => {
      if (queuedFor !== undefined) void this.record(() => this.deps.store.recordPlacement(runId, id, attempt, 'claimed', null, this.deps.clock.now()));
      if (pid !== undefined) void this.record(() => this.deps.store.setAttemptRunner(this.plan.run.runId, id, attempt, pid));
      this.deps.listener?.({ type: 'attempt', runId: this.plan.run.runId, invocationId: id, attempt, status: 'running', pid, heartbeat: { intervalMs: timing.intervalMs, timeoutMs: timing.timeoutMs }, at: this.deps.clock.now() });
    };
    void this.deps.pool
      .execute(task, onStart)
      .catch((error: Error): ExecuteOutcome => ({ ok: false, error: { name: error.name, message: error.message, retryable: true } }))
      .then((outcome) => this.settleAttempt(node, attempt, outcome, stepCacheKey));
  }

  /** What a launcher is given to run attempt `attempt` of `node`. */
  private taskFor(node: DagNode, attempt: number, inputs: Record<string, ResolvedInput>): ExecuteTask {
    const timing = heartbeatTiming(node.options.heartbeat, this.plan.heartbeat);
    return {
      run: this.plan.run,
      invocationId: node.id,
      stepName: node.step,
      pool: this.optionsOf(node).pool,
      labels: this.optionsOf(node).labels,
      attempt,
      inputs,
      inputTypes: this.plan.inputTypes[node.step] ?? {},
      lease: { ...this.deps.leaseEndpoint, intervalMs: timing.intervalMs, timeoutMs: timing.timeoutMs },
    };
  }

  /**
   * Applies the outcome of an attempt, unless the attempt was fenced meanwhile; resolves with
   * whether it counted once what it changed is recorded. Fencing is decided at once, before
   * any store call, so of two outcomes of one attempt only the first ever counts.
   */
  private async settleAttempt(node: DagNode, attempt: number, outcome: ExecuteOutcome, stepCacheKey: string | undefined): Promise<boolean> {
    const id = node.id;
    const key = leaseKey(this.plan.run.runId, id);
    const at = this.deps.clock.now();
    if (!this.leases.isCurrent(key, attempt)) {
      // Fencing: this attempt was lost (or stopped) and replaced; its word no longer counts.
      await this.record(() => this.deps.store.recordRefusal(this.plan.run.runId, id, attempt, outcome.ok ? 'result refused: attempt no longer current' : `failure refused: ${outcome.error.message}`, at));
      return false;
    }
    this.leases.release(key, attempt);
    this.deps.slots.release(this.slotHolder(id, attempt));
    if (this.scheduler.status(id) !== 'running') {
      await this.recordOutcome(() => this.deps.store.endAttempt(this.plan.run.runId, id, attempt, 'cancelled', at, 'the step was stopped'));
      return true;
    }
    if (!outcome.ok && outcome.error.relinquished) {
      this.markRelinquished(id, attempt, outcome.error.message);
      return true;
    }
    if (!outcome.ok && outcome.error.lost) {
      this.markLost(id, attempt, outcome.error.message);
      return true;
    }
    // A commit the store refuses (a full disk) ends the attempt failed, and the step's retry policy decides.
    // Outputs, cache entry and status are one store call, committed before the scheduler hears of success.
    const notCommitted = outcome.ok
      ? await this.record(() =>
          this.deps.store.commitOutputs(this.plan.run.runId, id, outcome.outputs, at, { attempt, cacheKey: stepCacheKey, cached: false, stepName: node.step, cacheable: this.cacheEnabled(node), carried: outcome.carried }),
        )
      : undefined;
    if (notCommitted instanceof FencedError) {
      await this.record(() => this.deps.store.recordRefusal(this.plan.run.runId, id, attempt, `result refused by the store: ${notCommitted.message}`, at));
      // The store no longer holds the remote worker's lease, and nobody else ends the attempt: it is lost here.
      if (notCommitted instanceof LeaseNotHeldError) {
        this.markLost(id, attempt, notCommitted.message);
        return true;
      }
      // Otherwise the attempt was ended (lost) by whoever drives the run now. This engine says nothing more of it.
      return false;
    }
    if (outcome.ok && !notCommitted) {
      this.outputs.set(id, outcome.outputs);
      this.apply(this.scheduler.handle({ type: 'succeeded', id }));
    } else {
      const error: TaskError = notCommitted ? { name: notCommitted.name, message: notCommitted.message, retryable: true } : (outcome as { error: TaskError }).error;
      const failure = attemptFailure(error);
      this.failures.set(id, failure);
      const recorded = this.recordOutcome(() => this.deps.store.endAttempt(this.plan.run.runId, id, attempt, 'failed', at, failure));
      this.apply(this.scheduler.handle({ type: 'failed', id, error: error.message, retryable: error.retryable }));
      await recorded;
    }
    return true;
  }

  /**
   * Runs `work` after every store write queued before it: the run's writes reach the store in
   * the order the engine made them, whatever the store (calls to a database server could
   * otherwise overtake each other).
   */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.writes.then(work);
    this.writes = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Runs one store write, in order. One the store refuses (a full disk, say) must not stall the
   * run: it is reported on stderr (the daemon's log), once per message, and returned; the run goes on.
   */
  private record(write: () => Promise<void>): Promise<Error | undefined> {
    return this.enqueue(() => this.tryWrite(write));
  }

  private async tryWrite(write: () => Promise<void>): Promise<Error | undefined> {
    try {
      await write();
      return undefined;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (!this.reported.has(failure.message)) {
        this.reported.add(failure.message);
        process.stderr.write(`pipewright: run ${this.plan.run.runName} (${this.plan.run.runId}): ${failure.message}\n`);
      }
      return failure;
    }
  }

  /**
   * Records how something ended (an attempt, a step, the run). One the store refuses is kept and
   * written later, in order, once there is room, so freeing space leaves no run shown running.
   */
  private recordOutcome(write: () => Promise<void>): Promise<void> {
    return this.enqueue(async () => {
      await this.replayNow();
      if (this.unrecorded.length > 0) {
        this.unrecorded.push(write);
        return;
      }
      if (await this.tryWrite(write)) this.unrecorded.push(write);
    });
  }

  /** Writes kept outcomes in order (after the writes queued before), stopping at the first the store still refuses. */
  private replayUnrecorded(): Promise<void> {
    return this.enqueue(() => this.replayNow());
  }

  private async replayNow(): Promise<void> {
    while (this.unrecorded.length > 0) {
      try {
        await this.unrecorded[0]();
      } catch (error) {
        // Still no room; a store closed meanwhile (the engine stopped) will never take them.
        if (!isDiskFull(error)) this.unrecorded.length = 0;
        return;
      }
      this.unrecorded.shift();
    }
  }

  /** After the run: tries the kept outcomes every second until they are written (never keeps the process alive). */
  private replayLater(): void {
    if (this.unrecorded.length === 0) return;
    setTimeout(() => void this.replayUnrecorded().then(() => this.replayLater()), 1000).unref();
  }

  /** A result an orphaned runner delivered over HTTP after its engine died (fenced like any other). */
  async acceptResult(id: string, attempt: number, reply: FromRunner): Promise<AttemptAnswer> {
    const node = this.nodes.get(id);
    if (!node) return { fenced: true, reason: `no step "${id}" in run ${this.plan.run.runId}` };
    const outcome: ExecuteOutcome | undefined =
      reply.type === 'executed' ? { ok: true, outputs: reply.outputs } : reply.type === 'taskFailed' ? { ok: false, error: reply.error } : undefined;
    if (!outcome) return { fenced: true, reason: `unexpected result ${reply.type}` };
    // A custom key computed by the engine that died is not known here: no cache entry then.
    const stepCacheKey = node.options.customCacheKey ? this.customKeys.get(id) : cacheKey(node, this.resolveInputs(node), this.deps.runtimeVersion, this.deps.workingDir);
    const counted = await this.settleAttempt(node, attempt, outcome, stepCacheKey);
    return counted ? { fenced: false, stop: false } : { fenced: true, reason: `attempt ${attempt} of "${id}" is no longer current` };
  }

  private slotHolder(id: string, attempt: number): string {
    return `${this.plan.run.runId}\u0000${id}\u0000${attempt}`;
  }

  /** Records a lost attempt, frees what it held and lets the scheduler retry it. */
  private markLost(id: string, attempt: number, reason: string): void {
    const at = this.deps.clock.now();
    this.leases.release(leaseKey(this.plan.run.runId, id), attempt);
    this.deps.slots.release(this.slotHolder(id, attempt));
    this.fenced.add(`${id}\u0000${attempt}`);
    void this.recordOutcome(() => this.deps.store.endAttempt(this.plan.run.runId, id, attempt, 'lost', at, reason));
    this.deps.listener?.({ type: 'attempt', runId: this.plan.run.runId, invocationId: id, attempt, status: 'lost', detail: reason, at });
    this.apply(this.scheduler.handle({ type: 'lost', id, error: reason }));
  }

  /** Records an attempt its drained worker handed back; it is dispatched again at once, charged to no budget (its lease and slots were released by the caller). */
  private markRelinquished(id: string, attempt: number, reason: string): void {
    const at = this.deps.clock.now();
    this.fenced.add(`${id}\u0000${attempt}`);
    void this.recordOutcome(() => this.deps.store.endAttempt(this.plan.run.runId, id, attempt, 'relinquished', at, reason));
    this.deps.listener?.({ type: 'attempt', runId: this.plan.run.runId, invocationId: id, attempt, status: 'relinquished', detail: reason, at });
    this.apply(this.scheduler.handle({ type: 'relinquished', id }));
  }

  /** Checks leases often enough to notice an expiry well within a second (and within half the shortest interval). */
  private ensureMonitor(intervalMs: number): void {
    const tick = Math.max(20, Math.min(250, intervalMs / 2));
    if (this.stopMonitor && tick >= this.monitorTick) return;
    this.stopMonitor?.();
    this.monitorTick = tick;
    const loop = () => {
      this.stopMonitor = this.deps.clock.setTimer(tick, () => {
        void this.record(() => this.beats.flush());
        void this.replayUnrecorded();
        const now = this.deps.clock.now();
        for (const lease of this.leases.expired(now)) {
          const id = lease.key.slice(this.plan.run.runId.length + 1);
          const late = lease.lastBeatAt === undefined ? 'no first heartbeat' : `no heartbeat for ${now - lease.lastBeatAt} ms`;
          // The runner may still be alive (stopped, partitioned): take it out of service, never reuse it.
          this.deps.pool.abandon({ runId: this.plan.run.runId, invocationId: id, attempt: lease.epoch });
          this.markLost(id, lease.epoch, `lease expired: ${late}`);
        }
        if (this.stopMonitor) loop();
      });
    };
    loop();
  }

  /** Why the step's latest failed attempt failed (read from the store on a resume, when this engine did not see it). */
  private lastFailure(id: string): AttemptError | undefined {
    return this.failures.get(id);
  }

  private emitRetry(id: string, nextAttempt: number, delayMs: number): void {
    const error = this.lastFailure(id) ?? reasonError('the attempt failed');
    this.deps.listener?.({ type: 'retry', runId: this.plan.run.runId, invocationId: id, nextAttempt, delayMs, error, at: this.deps.clock.now() });
    const cancel = this.deps.clock.setTimer(delayMs, () => {
      this.timers.delete(cancel);
      this.apply(this.scheduler.handle({ type: 'retryDue', id }));
    });
    this.timers.add(cancel);
  }

  private onStatus(id: string, status: StepStatus, reason?: string): void {
    const node = this.nodes.get(id) as DagNode;
    const at = this.deps.clock.now();
    // A failed step failed as its last attempt did; other reasons are the engine's own words.
    const error = status === 'failed' ? (this.lastFailure(id) ?? reasonError(reason ?? 'the step failed')) : reason === undefined ? undefined : reasonError(reason);
    // Completed and cached were written with the outputs, in the same transaction; running, with the attempt's start if it starts at once (see apply).
    if (status === 'running' && error === undefined) this.runningUnwritten.set(id, at);
    else if (status !== 'completed' && status !== 'cached') void this.recordOutcome(() => this.deps.store.setStepStatus(this.plan.run.runId, id, status, at, error === undefined ? {} : { error }));
    const started = this.startedAt.get(id);
    this.deps.listener?.({
      type: 'step',
      runId: this.plan.run.runId,
      invocationId: id,
      stepName: node.step,
      status,
      attempt: this.attempts.get(id) ?? 0,
      cached: status === 'cached',
      durationMs: started === undefined || status === 'running' ? undefined : at - started,
      error,
      at,
    });
    if (status === 'completed' && node.options.hooks.onSuccess) this.runHook(node, 'onSuccess');
    if (status === 'failed' && node.options.hooks.onFailure) this.runHook(node, 'onFailure', error);
  }

  private runHook(node: DagNode, hook: 'onSuccess' | 'onFailure', error?: AttemptError): void {
    const task = { run: this.plan.run, invocationId: node.id, stepName: node.step, pool: this.optionsOf(node).pool, labels: this.optionsOf(node).labels, attempt: this.attempts.get(node.id) ?? 1, hook, inputs: this.resolveInputs(node, true), error };
    this.hooks.push(
      this.deps.pool.hook(task).catch((error: Error) => ({ error: { message: error.message, retryable: false } })).then(async (result) => {
        const at = this.deps.clock.now();
        const failure = 'error' in result ? result.error.message : undefined;
        await this.record(() => this.deps.store.recordHook(this.plan.run.runId, node.id, hook, 'source' in result ? result.source : (node.options.hooks[hook] ?? 'unknown'), failure, at));
        this.deps.listener?.({ type: 'hook', runId: this.plan.run.runId, invocationId: node.id, hook, ok: failure === undefined, error: failure, at });
      }),
    );
  }

  private async finishRun(status: RunStatus): Promise<void> {
    const stopMonitor = this.stopMonitor;
    this.stopMonitor = undefined;
    stopMonitor?.();
    await this.record(() => this.beats.flush());
    await Promise.all(this.hooks);
    for (const cancel of this.timers) cancel();
    const at = this.deps.clock.now();
    await this.recordOutcome(() => this.deps.store.setRunStatus(this.plan.run.runId, status, at));
    // Outcomes the full disk refused are written as soon as there is room, even after the run ended.
    this.replayLater();
    this.deps.listener?.({ type: 'run', runId: this.plan.run.runId, runName: this.plan.run.runName, pipeline: this.plan.run.pipeline, status, at });
    this.finish?.(status);
  }

  /** A node's options with the run's override of it over them: where an option's effect reads it (the cache switch has the run's own level between the two, see `cacheEnabled`). */
  private optionsOf(node: DagNode): NodeOptions {
    return { ...node.options, ...definedOptions(this.plan.overrides[node.id] ?? {}) };
  }

  private cacheEnabled(node: DagNode): boolean {
    return cacheEnabled(node, this.plan.dag, this.plan);
  }

  /** Input bindings with upstream outputs replaced by their artifacts (`lenient`: missing ones left out, for hooks). */
  private resolveInputs(node: DagNode, lenient = false): Record<string, ResolvedInput> {
    const { inputs, missing } = resolveInputs(node, (from) => this.outputs.get(from));
    if (missing.length > 0 && !lenient) throw new Error(`internal: output "${missing[0].output}" of "${missing[0].from}" is not committed`);
    return inputs;
  }
}

const ENGINE_STOPPED = 'the engine running this attempt stopped';

/** What a resume found in the store, for the executor to take over. */
class ResumedState {
  /** Attempts still at work for the engine that died: on a runner of this machine, or (`reattach`) on a remote worker that still holds its lease. */
  readonly orphans: { id: string; attempt: number; reattach?: boolean }[] = [];
  readonly attempts = new Map<string, number>();
  readonly startedAt = new Map<string, number>();
  readonly outputs = new Map<string, Record<string, ArtifactRef>>();
  /** Why each step's latest failed attempt failed (for its status, retry notice and onFailure hook). */
  readonly failures = new Map<string, AttemptError>();
  readonly lostWhileAway: string[] = [];
}

/**
 * Where a resumed run stands: settled steps keep their status and committed outputs; an
 * attempt that was running when the engine died is lost (its runner went with the engine)
 * and is handed to the scheduler as a loss when the run starts, counted with the losses
 * already in the store against the one `maxLostRetries` budget: a run that keeps losing its
 * engine ends `crashed` instead of looping. An attempt whose runner outlived the engine gets
 * a lease to renew, and the executor waits for its result.
 */
async function resumeState(deps: ExecutorDeps, plan: RunPlan, found: ResumedState): Promise<Map<string, { status: StepStatus; attempt?: number; lost?: number }>> {
  const runId = plan.run.runId;
  const initial = new Map<string, { status: StepStatus; attempt?: number; lost?: number }>();
  const attempts = await deps.store.getAttempts(runId);
  const at = deps.clock.now();
  const nodes = new Set(plan.dag.nodes.map((node) => node.id));
  for (const step of await deps.store.getSteps(runId)) {
    const id = step.invocationId;
    const mine = attempts.filter((a) => a.invocationId === id);
    const failed = mine.filter((a) => a.status === 'failed').at(-1)?.error;
    if (failed) found.failures.set(id, failed);
    const lostBefore = mine.filter((a) => a.status === 'lost').length;
    const orphan = mine.find((a) => a.status === 'running' && deps.pool.mayStillRun({ pid: a.runnerPid ?? undefined }));
    const current = mine.find((a) => a.status === 'running' && a.attempt === step.attempts);
    const alone = current !== undefined && mine.filter((a) => a.status === 'running').length === 1;
    const held = !orphan && alone && nodes.has(id) && step.status === 'running' && (await deps.pool.stillHeld?.({ runId, invocationId: id, attempt: current.attempt })) === true;
    if (held && current) {
      // A remote worker still holds it: this engine takes it over and awaits its result.
      found.orphans.push({ id, attempt: current.attempt, reattach: true });
      found.attempts.set(id, current.attempt);
      found.startedAt.set(id, current.startedAt);
      initial.set(id, { status: 'running', attempt: current.attempt, lost: lostBefore });
      continue;
    }
    if (orphan && nodes.has(id) && step.status === 'running') {
      found.orphans.push({ id, attempt: orphan.attempt });
      found.attempts.set(id, orphan.attempt);
      found.startedAt.set(id, orphan.startedAt);
      initial.set(id, { status: 'running', attempt: orphan.attempt, lost: lostBefore });
      continue;
    }
    const running = mine.filter((a) => a.status === 'running');
    for (const attempt of running) await deps.store.endAttempt(runId, id, attempt.attempt, 'lost', at, ENGINE_STOPPED);
    if (step.status === 'running' && running.length > 0) {
      // In flight when the engine died: the scheduler hears of the loss once the run starts.
      found.attempts.set(id, step.attempts);
      found.startedAt.set(id, step.startedAt ?? at);
      initial.set(id, { status: 'running', attempt: step.attempts, lost: lostBefore + running.length - 1 });
      found.lostWhileAway.push(id);
    } else if (step.status === 'running' || step.status === 'pending') {
      initial.set(id, { status: 'pending', attempt: step.attempts, lost: lostBefore + running.length });
      if (step.status === 'running') await deps.store.setStepStatus(runId, id, 'pending', at);
    } else {
      initial.set(id, { status: step.status, attempt: step.attempts, lost: lostBefore + running.length });
      if (step.status === 'completed' || step.status === 'cached') found.outputs.set(id, await deps.store.getOutputs(runId, id));
    }
  }
  await redoUnreadableOutputs(deps, plan, initial, found);
  return initial;
}

/**
 * A committed step whose outputs a step still to run needs, and whose output no longer reads
 * back whole (a power loss kept the commit but not the bytes: artifacts are not fsynced one by
 * one), runs again: it is pending, so the steps after it read what it writes anew.
 */
async function redoUnreadableOutputs(deps: ExecutorDeps, plan: RunPlan, initial: Map<string, { status: StepStatus; attempt?: number; lost?: number }>, found: ResumedState): Promise<void> {
  const unfinished = (id: string) => {
    const status = initial.get(id)?.status ?? 'pending';
    return status === 'pending' || status === 'running';
  };
  const needed = new Set(plan.dag.nodes.filter((node) => unfinished(node.id)).flatMap((node) => upstreamIds(node)));
  for (const id of needed) {
    const outputs = found.outputs.get(id);
    if (!outputs) continue;
    const unreadable = await firstUnreadable(deps, Object.values(outputs));
    if (unreadable === undefined) continue;
    const at = deps.clock.now();
    process.stderr.write(`pipewright: run ${plan.run.runName} (${plan.run.runId}): step "${id}" runs again: ${unreadable}\n`);
    found.outputs.delete(id);
    await makePending(deps, plan, initial, id, at);
    // A step after it whose attempt was lost with the engine waits for it now, its loss counted.
    for (const node of plan.dag.nodes.filter((candidate) => upstreamIds(candidate).includes(id))) {
      const waiting = found.lostWhileAway.indexOf(node.id);
      if (waiting < 0) continue;
      found.lostWhileAway.splice(waiting, 1);
      await makePending(deps, plan, initial, node.id, at, 1);
    }
  }
}

async function makePending(deps: ExecutorDeps, plan: RunPlan, initial: Map<string, { status: StepStatus; attempt?: number; lost?: number }>, id: string, at: number, lostNow = 0): Promise<void> {
  const before = initial.get(id);
  initial.set(id, { status: 'pending', attempt: before?.attempt, lost: (before?.lost ?? 0) + lostNow });
  await deps.store.setStepStatus(plan.run.runId, id, 'pending', at);
}

/** Why the first of `refs` that does not read back whole cannot, or undefined when all do. */
async function firstUnreadable(deps: ExecutorDeps, refs: ArtifactRef[]): Promise<string | undefined> {
  for (const ref of refs) {
    try {
      await deps.store.artifacts.getBytes(ref);
    } catch (error) {
      if (error instanceof ArtifactIntegrityError) return error.message;
      throw error;
    }
  }
  return undefined;
}

/** The failure a runner reported, without how the engine should treat it. */
function attemptFailure(error: TaskError): AttemptError {
  const failure: AttemptError = { name: error.name, message: error.message };
  if (error.stack !== undefined) failure.stack = error.stack;
  if (error.value !== undefined) failure.value = error.value;
  return failure;
}
