import { fork, type ChildProcess } from 'node:child_process';
import type { AttemptWorker, ExecuteOutcome, Launcher, LauncherCallbacks, LauncherFactory, TaskOwner } from '../engine/launcher';
import { isRunnerProcess } from './runnerProcess';
import type { PipelineDag } from '../model/dag';
import { formatLocation } from '../model/location';
import { parseFrame } from '../sdk/callSite';
import { runnerEntry } from '../system/packagePaths';
import { runnerPoolSettingsFromEnv, type RunnerPoolSettings } from './settings';
import type { CacheKeyTask, ExecuteBytes, ExecuteTask, FromRunner, HookTask, RunnerConfig, TaskError, ToRunner } from '../model/runnerProtocol';
import { UnprocessableError } from '../model/errorCodes';
import type { RunTarget } from '../model/runTarget';
import { ENV } from '../model/environment';
import { PipelineCompileError } from '../sdk/compile';

export type RunnerPoolOptions = LauncherCallbacks;

/** Raised when the pipeline bundle itself fails to load in a runner. */
export class BundleLoadError extends UnprocessableError {
  constructor(readonly error: TaskError) {
    // A compile error names its location already; anything else the module threw gets the top
    // frame of its (user-only) stack.
    const where = error.location
      ? undefined
      : (error.stack ?? '')
          .split('\n')
          .filter((line) => /^\s+at /.test(line))
          .map(parseFrame)
          .find((frame) => frame !== undefined);
    super(where ? `${formatLocation(where)}: ${error.message}` : error.message);
    this.name = 'BundleLoadError';
  }
}

interface Pending {
  owner?: TaskOwner;
  settle(message: FromRunner): void;
}

class Runner {
  readonly ready: Promise<void>;
  pending?: Pending;
  exited = false;
  abandoned = false;
  /** Armed while the runner is idle: retires it if it is beyond the warm pool by then. */
  idleTimer?: NodeJS.Timeout;
  private requestId = 0;

  constructor(
    readonly child: ChildProcess,
    private readonly pool: RunnerPool,
  ) {
    this.ready = new Promise((resolve, reject) => {
      child.once('message', (message: FromRunner) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'loadFailed') reject(new BundleLoadError(message.error));
        else reject(new Error(`runner sent ${message.type} before it was ready`));
      });
      child.once('exit', (code, signal) => reject(new Error(`runner process exited during start-up (${signal ?? `code ${code}`})`)));
    });
    this.ready.catch(() => undefined);
    child.on('message', (message: FromRunner) => this.onMessage(message));
    child.on('exit', (code, signal) => this.onExit(code, signal));
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (text: string) => pool.options.onLog(this.pending?.owner, stream, text));
    }
  }

  request(message: DistributiveOmit<ToRunner, 'requestId'>, owner?: TaskOwner): Promise<FromRunner> {
    return new Promise((resolve) => {
      const requestId = ++this.requestId;
      this.pending = { owner, settle: resolve };
      this.child.send({ ...message, requestId } as ToRunner);
    });
  }

  private onMessage(message: FromRunner): void {
    switch (message.type) {
      case 'log':
        this.pool.options.onLog(this.pending?.owner, message.stream, message.text);
        return;
      case 'childRun':
        this.pool.options.onChildRun(message).then(
          (result) => this.child.connected && this.child.send({ type: 'childRunDone', requestId: message.requestId, result } satisfies ToRunner),
          (error: Error) => this.child.connected && this.child.send({ type: 'childRunDone', requestId: message.requestId, error: error.message } satisfies ToRunner),
        );
        return;
      case 'ready':
      case 'loadFailed':
        return;
      default: {
        const pending = this.pending;
        this.pending = undefined;
        pending?.settle(message);
      }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.settle({
      type: 'taskFailed',
      requestId: 0,
      error: { name: 'Error', message: `runner process ${this.child.pid} exited (${signal ?? `code ${code}`}) during the task`, retryable: true, lost: true },
    });
    this.pool.forget(this);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Runner processes for one pipeline bundle, reused across steps (a fork per step would cost
 * tens of milliseconds). Each runner does one task at a time; the scheduler bounds how many
 * run at once, so the pool grows to meet demand, and shrinks back after a burst: an idle
 * runner beyond the `warm` ones exits once it has been idle for `idleTimeoutMs`.
 */
/** The local launcher: a pool of runner processes on this machine, reused across attempts. */
export class RunnerPool implements Launcher {
  /** Idle runners, the longest idle first (the next task takes the most recently used one). */
  private readonly idle: Runner[] = [];
  private readonly all = new Set<Runner>();
  private closed = false;

  constructor(
    private readonly config: RunnerConfig,
    readonly options: RunnerPoolOptions,
    private readonly settings: RunnerPoolSettings = runnerPoolSettingsFromEnv(),
    /** Node flags for the runners (`pipewright debug`: the inspector), after this process's own minus its inspector flags. */
    private readonly nodeFlags: readonly string[] = [],
  ) {}

  async compile(target: RunTarget, parameters: Record<string, unknown>): Promise<PipelineDag> {
    const reply = await this.withRunner((runner) => runner.request({ type: 'compile', target, parameters }));
    if (reply.type === 'compiled') return reply.dag;
    throw taskErrorToError(reply);
  }

  /** `carry`: artifact bytes to hand the runner and to have back, instead of files (a remote worker's); the outputs that came back as bytes are the outcome's `carried`. */
  async execute(task: ExecuteTask, onStart: (worker: AttemptWorker) => void, carry: ExecuteBytes = {}): Promise<ExecuteOutcome> {
    const owner = { runId: task.run.runId, invocationId: task.invocationId, attempt: task.attempt };
    const reply = await this.withRunner((runner) => {
      onStart({ pid: runner.child.pid });
      return runner.request({ type: 'execute', task, ...carry }, owner);
    });
    if (reply.type === 'executed') {
      if (!reply.outputBytes) return { ok: true, outputs: reply.outputs };
      const carried = new Map([...reply.outputBytes].map(([hash, bytes]) => [hash, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)] as const));
      return { ok: true, outputs: reply.outputs, carried };
    }
    if (reply.type === 'taskFailed') return { ok: false, error: reply.error };
    return { ok: false, error: { name: 'Error', message: `unexpected runner reply ${reply.type}`, retryable: true } };
  }

  async hook(task: HookTask): Promise<{ source: string } | { error: TaskError }> {
    const owner = { runId: task.run.runId, invocationId: task.invocationId, attempt: task.attempt };
    const reply = await this.withRunner((runner) => runner.request({ type: 'hook', task }, owner));
    if (reply.type === 'hookDone') return { source: reply.source };
    if (reply.type === 'taskFailed') return { error: reply.error };
    return { error: { name: 'Error', message: `unexpected runner reply ${reply.type}`, retryable: false } };
  }

  /** The inputs part of a cache key, from the step's own `cacheKey` function (user code, so in a runner). */
  async cacheKey(task: CacheKeyTask, attempt: number): Promise<{ key: string } | { error: TaskError }> {
    const owner = { runId: task.run.runId, invocationId: task.invocationId, attempt };
    const reply = await this.withRunner((runner) => runner.request({ type: 'cacheKey', task }, owner));
    if (reply.type === 'cacheKeyDone') return { key: reply.key };
    if (reply.type === 'taskFailed') return { error: reply.error };
    return { error: { name: 'Error', message: `unexpected runner reply ${reply.type}`, retryable: false } };
  }

  /** Kills the runner executing this attempt (its task then fails as cancelled). */
  stop(owner: Omit<TaskOwner, 'attempt'>): void {
    for (const runner of this.all) {
      const current = runner.pending?.owner;
      if (current && current.runId === owner.runId && current.invocationId === owner.invocationId) runner.child.kill('SIGKILL');
    }
  }

  /**
   * Kills the runner executing exactly this attempt, at once (its task then fails as lost): for a
   * host that knows the attempt is fenced, so nothing it still does can count.
   */
  kill(owner: TaskOwner): void {
    for (const runner of this.all) {
      const current = runner.pending?.owner;
      if (current && current.runId === owner.runId && current.invocationId === owner.invocationId && current.attempt === owner.attempt) runner.child.kill('SIGKILL');
    }
  }

  /**
   * Takes the runner executing this attempt out of service without killing it: its lease was
   * lost, so whatever it still does is fenced, and it must not be handed new work.
   */
  abandon(owner: TaskOwner): void {
    for (const runner of this.all) {
      const current = runner.pending?.owner;
      if (current && current.runId === owner.runId && current.invocationId === owner.invocationId && current.attempt === owner.attempt) {
        runner.abandoned = true;
        this.takeIdle(runner);
        return;
      }
    }
  }

  /** A runner outlives its engine only as a process of this machine that is still a runner. */
  mayStillRun(worker: AttemptWorker): boolean {
    return worker.pid !== undefined && isRunnerProcess(worker.pid);
  }

  /** Runner processes alive now. */
  get size(): number {
    return this.all.size;
  }

  /** Runner processes idle now. */
  get idleCount(): number {
    return this.idle.length;
  }

  forget(runner: Runner): void {
    this.all.delete(runner);
    this.takeIdle(runner);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const runner of this.all) clearTimeout(runner.idleTimer);
    const exits = [...this.all].map((runner) => new Promise<void>((resolve) => (runner.exited ? resolve() : runner.child.once('exit', () => resolve()))));
    for (const runner of this.all) runner.child.kill('SIGTERM');
    await Promise.all(exits);
  }

  private async withRunner<T>(use: (runner: Runner) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the runner pool is closed');
    const reused = this.idle.at(-1);
    const runner = reused && this.takeIdle(reused) ? reused : this.spawn();
    await runner.ready;
    try {
      return await use(runner);
    } finally {
      if (!runner.exited && !runner.abandoned && !this.closed) this.putIdle(runner);
      // An abandoned runner (its lease was lost) that finished its fenced attempt gets no more
      // work: cutting its channel makes it exit, now idle, instead of lingering until the pool closes.
      else if (runner.abandoned && !runner.exited && runner.child.connected) runner.child.disconnect();
    }
  }

  private putIdle(runner: Runner): void {
    this.idle.push(runner);
    runner.idleTimer = setTimeout(() => {
      runner.idleTimer = undefined;
      if (this.idle.length <= this.settings.warm || !this.takeIdle(runner)) return;
      // Idle for the timeout and beyond the warm pool: cutting its channel makes it exit (then forget() runs).
      if (runner.child.connected) runner.child.disconnect();
      else runner.child.kill('SIGTERM');
    }, this.settings.idleTimeoutMs);
    runner.idleTimer.unref();
  }

  /** Takes `runner` out of the idle list (stopping its idle timer); false if it was not idle. */
  private takeIdle(runner: Runner): boolean {
    clearTimeout(runner.idleTimer);
    runner.idleTimer = undefined;
    const index = this.idle.indexOf(runner);
    if (index < 0) return false;
    this.idle.splice(index, 1);
    return true;
  }

  private spawn(): Runner {
    const child = fork(runnerEntry, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, [ENV.runnerConfig]: JSON.stringify(this.config) },
      ...(this.nodeFlags.length > 0 ? { execArgv: [...process.execArgv.filter((flag) => !/^--inspect/.test(flag)), ...this.nodeFlags] } : {}),
    });
    const runner = new Runner(child, this);
    this.all.add(runner);
    return runner;
  }
}

function taskErrorToError(reply: FromRunner): Error {
  if (reply.type !== 'taskFailed') return new Error(`unexpected runner reply ${reply.type}`);
  // The runner only compiles: every failure here is the pipeline's wiring (or its parameters).
  const error = new PipelineCompileError(reply.error.message);
  if (reply.error.location) (error as { location?: TaskError['location'] }).location = reply.error.location;
  return error;
}

/** Sessions of this machine run their attempts in a local runner pool. */
export const localLauncher: LauncherFactory = (config, callbacks) => new RunnerPool(config, callbacks);
