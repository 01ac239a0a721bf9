import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../system/processAlive';
import { ServiceError } from './errors';
import { probeHealth, type HealthResult } from './healthProbe';
import { launchProcess } from './launch';
import { groupHasLiveMembers, isSameProcess, processIdentity, signalGroup } from './processGroups';
import { describeExit, restartDecision, type ExitInfo } from './restartPolicy';
import { appendManagerLine, readLog } from './serviceLogs';
import { serviceTypes, type BaseServiceSpec, type HealthSpec, type RestartPolicy, type ServiceTypeRegistry } from './serviceSpec';
import { LIVE_STATES, loadState, saveState, type PersistedService, type ServiceState } from './serviceState';

export type { ServiceState } from './serviceState';
export { ServiceError } from './errors';

/** What `status`, `list` and `start` report about a service (plain data, JSON-ready). */
export interface ServiceStatus {
  name: string;
  type: string;
  state: ServiceState;
  /** The current process, or the last one once it has ended. */
  pid: number | null;
  /** When `state` last changed (ISO 8601). */
  since: string;
  /** When the current (or last) process started. */
  startedAt: string | null;
  lastHealth: HealthResult | null;
  /** Why the service is in this state (an exit, a failed probe, the end of the log...). */
  detail?: string;
  exitCode: number | null;
  signal: string | null;
  restart: RestartPolicy;
  /** Automatic restarts since the last `start`. */
  restarts: number;
  /** Whether this manager found the process already running (after a daemon restart). */
  adopted: boolean;
}

/** Options of a `ServiceManager`. */
export interface ServiceManagerOptions {
  /** The service types accepted (the built-in ones by default). */
  types?: ServiceTypeRegistry;
  /** Problems that do not fail a request (an unreadable state file, say); silent by default. */
  onWarning?: (message: string) => void;
}

interface Entry extends Omit<PersistedService, 'spec'> {
  spec: BaseServiceSpec;
  adopted: boolean;
  launchReason: 'start' | 'restart';
  /** Only for a process this manager spawned: its exit event is the truth about it. */
  child?: ChildProcess;
  /** Bumped whenever a process is launched or stopped, so stale waits and probes give up. */
  generation: number;
  launching?: Promise<void>;
  stopping?: Promise<ServiceStatus>;
  monitor?: NodeJS.Timeout;
  probing: boolean;
  wake?: () => void;
}

const START_LOG_LINES = 10;

/**
 * Long-lived services the daemon runs beside pipelines (a model server a step deployed, say):
 * detached process groups with their output appended to `<dir>/<name>.log`, records in
 * `<dir>/services.json` (written atomically), HTTP or TCP health monitors, bounded restarts.
 * Services outlive the manager: `close()` only stops watching, and a new manager on the same
 * folder adopts the processes that are provably still the ones it started.
 */
export class ServiceManager {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(status: ServiceStatus) => void>();
  private readonly types: ServiceTypeRegistry;
  private readonly warn: (message: string) => void;
  private closed = false;

  constructor(
    readonly dir: string,
    options: ServiceManagerOptions = {},
  ) {
    this.types = options.types ?? serviceTypes;
    this.warn = options.onWarning ?? (() => undefined);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new ServiceError(`cannot keep services in ${dir}: ${(error as Error).message}`, 'io');
    }
    this.reconcile();
  }

  /**
   * Starts a service from a spec (validated here: `ServiceSpecError` names the field). Resolves
   * once it is healthy (or `running`, without a health check), or with state `failed` and the
   * end of its log in `detail` when it cannot start, exits, or is not healthy in `startTimeoutMs`.
   */
  async start(input: unknown): Promise<ServiceStatus> {
    this.assertOpen();
    const spec = this.types.parse(input);
    const existing = this.entries.get(spec.name);
    if (existing && this.busy(existing)) {
      const pid = existing.pid === null ? '' : ` (pid ${existing.pid})`;
      throw new ServiceError(`service "${spec.name}" is already ${existing.state === 'starting' ? 'starting' : 'running'}${pid}; stop it first`, 'conflict', spec.name);
    }
    if (existing) this.forgetProcess(existing);
    const entry = newEntry(spec);
    this.entries.set(spec.name, entry);
    await this.launch(entry, 'start');
    // Stopped while starting: report the outcome of the stop, not a half-way state.
    if (entry.stopping) await entry.stopping;
    return this.snapshot(entry);
  }

  /**
   * Stops a service: SIGTERM to its process group, SIGKILL after `graceMs` (default 5000), and
   * resolves once the group is gone. Stopping a service that is not running changes nothing.
   */
  async stop(name: string, options: { graceMs?: number } | number = {}): Promise<ServiceStatus> {
    const graceMs = typeof options === 'number' ? options : options.graceMs ?? 5000;
    if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0 || graceMs > 600_000) {
      throw new ServiceError(`cannot stop service ${quote(name)}: graceMs must be a number of milliseconds from 0 to 600000`, 'invalid-argument', String(name));
    }
    const entry = this.find(name);
    entry.stopping ??= this.stopEntry(entry, graceMs).finally(() => (entry.stopping = undefined));
    return entry.stopping;
  }

  /** One service's state. */
  status(name: string): ServiceStatus {
    const entry = this.find(name);
    this.refresh(entry);
    return this.snapshot(entry);
  }

  /** Every known service (running or not), by name. */
  /** Services starting, running or stopping now (a daemon with any of them is not idle). */
  get live(): number {
    let live = 0;
    for (const entry of this.entries.values()) if (this.busy(entry)) live += 1;
    return live;
  }

  list(): ServiceStatus[] {
    return [...this.entries.keys()].sort().map((name) => this.status(name));
  }

  /** The service's output (and the manager's start/exit lines): all of it up to 1 MiB, or the last `tail` lines. */
  logs(name: string, options: { tail?: number } | number = {}): string {
    const tail = typeof options === 'number' ? options : options.tail;
    if (tail !== undefined && (typeof tail !== 'number' || !Number.isInteger(tail) || tail < 0 || tail > 1_000_000)) {
      throw new ServiceError(`cannot read the log of service ${quote(name)}: tail must be a whole number of lines from 0 to 1000000`, 'invalid-argument', String(name));
    }
    this.find(name);
    return readLog(this.logFile(name), { tail });
  }

  /** Forgets a service that is not running, and deletes its log. */
  remove(name: string): void {
    this.assertOpen();
    const entry = this.find(name);
    if (this.busy(entry)) throw new ServiceError(`service "${name}" is still ${entry.state}; stop it first`, 'conflict', name);
    this.forgetProcess(entry);
    this.entries.delete(name);
    fs.rmSync(this.logFile(name), { force: true });
    this.save();
  }

  /** Calls `listener` with the new status whenever a service changes state; returns the unsubscribe. */
  onChange(listener: (status: ServiceStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The log file of a known service (whether or not it exists yet). */
  logPath(name: string): string {
    return this.logFile(this.find(name).spec.name);
  }

  /**
   * Loads `services.json` (run by the constructor, so a restarted daemon picks up where the last
   * one stopped): a service recorded as running is adopted only if its pid is alive and is the very
   * process that was started (same `/proc` start time and boot); any other is marked `exited`.
   */
  reconcile(): { adopted: string[]; exited: string[] } {
    const adopted: string[] = [];
    const exited: string[] = [];
    for (const record of loadState(this.stateFile(), this.warn)) {
      if (this.entries.has(record.spec.name)) continue;
      const entry = this.entryOf(record);
      this.entries.set(entry.spec.name, entry);
      if (!LIVE_STATES.includes(entry.state)) continue;
      if (this.alive(entry)) {
        entry.adopted = true;
        adopted.push(entry.spec.name);
        this.startMonitor(entry);
      } else {
        const reused = entry.pid !== null && isProcessAlive(entry.pid);
        entry.state = 'exited';
        entry.since = new Date().toISOString();
        entry.detail = `the process ended while no daemon was watching${reused ? ` (pid ${entry.pid} now belongs to another process)` : ''}`;
        exited.push(entry.spec.name);
      }
    }
    this.save();
    return { adopted, exited };
  }

  /** Stops every monitor and writes nothing more; the services themselves keep running. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) {
      this.stopMonitor(entry);
      entry.wake?.();
    }
    this.listeners.clear();
  }

  private async launch(entry: Entry, reason: 'start' | 'restart', why?: string): Promise<void> {
    const generation = ++entry.generation;
    entry.launchReason = reason;
    // `launching` settles only once the process is recorded (or has failed to start), so a
    // `stop` waiting on it always finds the pid it has to signal.
    const spawned = this.spawnProcess(entry, generation, why);
    entry.launching = spawned.then(() => undefined);
    const running = await spawned.finally(() => (entry.launching = undefined));
    if (!running || entry.generation !== generation) return;
    if (entry.spec.health) await this.awaitHealthy(entry, generation, entry.spec.health);
    else this.startMonitor(entry);
  }

  /** Spawns the process and records it; false when there is nothing running to watch. */
  private async spawnProcess(entry: Entry, generation: number, why?: string): Promise<boolean> {
    const definition = this.types.get(entry.spec.type);
    if (!definition) {
      this.settle(entry, 'failed', `service type "${entry.spec.type}" is not registered any more`);
      return false;
    }
    const plan = definition.launchPlan(entry.spec);
    const logFile = this.logFile(entry.spec.name);
    appendManagerLine(logFile, entry.launchReason === 'start' ? `starting ${[plan.command, ...plan.args].join(' ')}` : `restarting: the process ${why} (restart ${entry.restartCount})`);
    const result = await launchProcess(plan, logFile);
    if ('error' in result) {
      appendManagerLine(logFile, result.error);
      this.settle(entry, 'failed', result.error);
      return false;
    }
    if (this.closed || entry.generation !== generation) {
      // The manager closed while spawning: leave no process behind that nobody recorded.
      signalGroup(result.pid, 'SIGKILL');
      return false;
    }
    Object.assign(entry, { child: result.child, pid: result.pid, identity: processIdentity(result.pid), startedAt: new Date().toISOString() });
    Object.assign(entry, { exitCode: null, signal: null, lastHealth: null, adopted: false });
    const child = result.child;
    child.once('exit', (code, signal) => this.onExit(entry, child, { code, signal }));
    this.settle(entry, entry.spec.health ? 'starting' : 'running');
    if (child.exitCode === null && child.signalCode === null) return true;
    this.onExit(entry, child, { code: child.exitCode, signal: child.signalCode });
    return false;
  }

  /** Probes until healthy; past the start timeout, fails the service and terminates it. */
  private async awaitHealthy(entry: Entry, generation: number, health: HealthSpec): Promise<void> {
    const deadline = Date.now() + entry.spec.startTimeoutMs;
    const current = () => !this.closed && entry.generation === generation && entry.state === 'starting';
    while (current()) {
      const result = await probeHealth({ ...health, timeoutMs: Math.max(50, Math.min(health.timeoutMs, deadline - Date.now())) });
      if (!current()) return;
      entry.lastHealth = result;
      if (result.ok) {
        this.settle(entry, 'healthy');
        return this.startMonitor(entry);
      }
      if (Date.now() >= deadline) {
        const tail = readLog(this.logFile(entry.spec.name), { tail: START_LOG_LINES });
        // Failed first, so the exit that follows is recorded but not restarted.
        this.settle(entry, 'failed', `not healthy within ${entry.spec.startTimeoutMs} ms (${result.detail}); last log lines:\n${tail}`);
        appendManagerLine(this.logFile(entry.spec.name), `not healthy within ${entry.spec.startTimeoutMs} ms: stopping process ${entry.pid}`);
        await this.terminate(entry, 1000);
        return;
      }
      await this.pause(entry, Math.min(health.intervalMs, 250, deadline - Date.now()));
    }
  }

  private onExit(entry: Entry, child: ChildProcess, exit: ExitInfo): void {
    if (entry.child !== child || entry.exitCode !== null || entry.signal !== null) return;
    entry.exitCode = exit.code;
    entry.signal = exit.signal;
    entry.wake?.();
    if (this.entries.get(entry.spec.name) === entry) this.handleEnd(entry, exit);
  }

  /** The process ended on its own: record it, clean up its group, and restart it if the policy says so. */
  private handleEnd(entry: Entry, exit: ExitInfo): void {
    if (this.closed) return;
    this.stopMonitor(entry);
    if (entry.stopping || !LIVE_STATES.includes(entry.state)) return this.save();
    // Leftover members of its group go too. Safe although the leader is gone: Linux does not
    // reuse a pid while a process group of that id still has members.
    if (entry.pid !== null) signalGroup(entry.pid, 'SIGKILL');
    const what = describeExit(exit);
    const logFile = this.logFile(entry.spec.name);
    appendManagerLine(logFile, `process ${entry.pid} ${what}`);
    if (entry.state === 'starting' && entry.launchReason === 'start') {
      return this.settle(entry, 'failed', `${what} during start-up; last log lines:\n${readLog(logFile, { tail: START_LOG_LINES })}`);
    }
    const decision = restartDecision(entry.spec.restart, exit, entry.restartTimes, Date.now());
    entry.restartTimes = decision.recent;
    if (!decision.restart) {
      const gaveUp = entry.spec.restart === 'on-failure' && exit.code !== 0;
      return this.settle(entry, gaveUp ? 'failed' : 'exited', gaveUp ? `the process ${what}; ${decision.reason}` : `the process ${what}`);
    }
    entry.restartCount += 1;
    this.launch(entry, 'restart', what).catch((error: Error) => this.warn(`service "${entry.spec.name}": restart failed: ${error.message}`));
  }

  private async stopEntry(entry: Entry, graceMs: number): Promise<ServiceStatus> {
    if (entry.launching) await entry.launching;
    entry.generation += 1;
    this.stopMonitor(entry);
    entry.wake?.();
    const wasLive = LIVE_STATES.includes(entry.state);
    let detail: string | undefined;
    if (this.alive(entry)) {
      appendManagerLine(this.logFile(entry.spec.name), `stopping process ${entry.pid} (SIGTERM, then SIGKILL after ${graceMs} ms)`);
      if (!(await this.terminate(entry, graceMs))) detail = `process ${entry.pid} survived SIGKILL (stuck in the kernel?)`;
    }
    if (wasLive || detail) this.settle(entry, 'stopped', detail);
    return this.snapshot(entry);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; true once the leader and its group are gone. */
  private async terminate(entry: Entry, graceMs: number): Promise<boolean> {
    const pid = entry.pid;
    if (pid === null || !this.alive(entry)) return true;
    const gone = () => !this.alive(entry) && !groupHasLiveMembers(pid);
    signalGroup(pid, 'SIGTERM');
    if (await waitUntil(gone, graceMs)) return true;
    signalGroup(pid, 'SIGKILL');
    return waitUntil(gone, 5000);
  }

  private startMonitor(entry: Entry): void {
    this.stopMonitor(entry);
    // A process we spawned without a health check needs no polling: its exit event says it all.
    if (this.closed || (entry.child && !entry.spec.health)) return;
    const generation = entry.generation;
    entry.monitor = setInterval(() => void this.tick(entry, generation), entry.spec.health?.intervalMs ?? 1000);
    entry.monitor.unref();
  }

  private stopMonitor(entry: Entry): void {
    if (entry.monitor) clearInterval(entry.monitor);
    entry.monitor = undefined;
  }

  private async tick(entry: Entry, generation: number): Promise<void> {
    const current = () => !this.closed && entry.generation === generation && !entry.stopping && LIVE_STATES.includes(entry.state);
    if (!current() || entry.probing) return;
    if (!this.alive(entry)) return this.refresh(entry);
    const health = entry.spec.health;
    if (!health) return;
    entry.probing = true;
    const result = await probeHealth(health).finally(() => (entry.probing = false));
    if (!current()) return;
    entry.lastHealth = result;
    const stillStarting = entry.state === 'starting' && Date.now() < Date.parse(entry.startedAt ?? '') + entry.spec.startTimeoutMs;
    const next: ServiceState = result.ok ? 'healthy' : stillStarting ? 'starting' : 'unhealthy';
    if (next !== entry.state) this.settle(entry, next, result.ok ? undefined : result.detail);
    else if (next === 'unhealthy') entry.detail = result.detail;
  }

  /** Notices an adopted process that is gone (spawned ones report their own exit). */
  private refresh(entry: Entry): void {
    if (!entry.child && !entry.stopping && !entry.launching && LIVE_STATES.includes(entry.state) && !this.alive(entry)) {
      this.handleEnd(entry, { code: null, signal: null });
    }
  }

  private alive(entry: Entry): boolean {
    if (entry.pid === null) return false;
    if (entry.child) return entry.child.exitCode === null && entry.child.signalCode === null;
    return isSameProcess(entry.pid, entry.identity);
  }

  private busy(entry: Entry): boolean {
    return entry.launching !== undefined || entry.stopping !== undefined || (LIVE_STATES.includes(entry.state) && this.alive(entry));
  }

  /** Detaches a replaced or removed entry from its (ended) process and any pending work. */
  private forgetProcess(entry: Entry): void {
    entry.generation += 1;
    this.stopMonitor(entry);
    entry.wake?.();
  }

  private pause(entry: Entry, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        entry.wake = undefined;
        resolve();
      }
      entry.wake = done;
    });
  }

  private settle(entry: Entry, state: ServiceState, detail?: string): void {
    entry.state = state;
    entry.since = new Date().toISOString();
    entry.detail = detail;
    this.save();
    if (this.closed || this.entries.get(entry.spec.name) !== entry) return;
    const status = this.snapshot(entry);
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch (error) {
        this.warn(`a service listener failed: ${(error as Error).message}`);
      }
    }
  }

  private snapshot(entry: Entry): ServiceStatus {
    const { spec, state, pid, since, startedAt, lastHealth, detail, exitCode, signal, restartCount, adopted } = entry;
    return { name: spec.name, type: spec.type, state, pid, since, startedAt, lastHealth, ...(detail ? { detail } : {}), exitCode, signal, restart: spec.restart, restarts: restartCount, adopted };
  }

  private find(name: string): Entry {
    const entry = typeof name === 'string' ? this.entries.get(name) : undefined;
    if (entry) return entry;
    const known = [...this.entries.keys()].sort();
    throw new ServiceError(`no service named ${quote(name)} (${known.length > 0 ? `known: ${known.join(', ')}` : 'no services yet'})`, 'unknown-service', String(name));
  }

  private assertOpen(): void {
    if (this.closed) throw new ServiceError('the service manager is closed', 'conflict');
  }

  private save(): void {
    if (this.closed) return;
    const records = [...this.entries.values()].map((entry): PersistedService => {
      const { spec, pid, identity, state, since, startedAt, lastHealth, detail, exitCode, signal, restartTimes, restartCount } = entry;
      return { spec, pid, identity, state, since, startedAt, lastHealth, detail, exitCode, signal, restartTimes, restartCount };
    });
    try {
      saveState(this.stateFile(), records);
    } catch (error) {
      this.warn(`cannot write ${this.stateFile()}: ${(error as Error).message}`);
    }
  }

  private logFile(name: string): string {
    return path.join(this.dir, `${name}.log`);
  }

  private stateFile(): string {
    return path.join(this.dir, 'services.json');
  }

  private entryOf(record: PersistedService): Entry {
    let spec: BaseServiceSpec;
    try {
      spec = this.types.parse(record.spec);
    } catch (error) {
      // Keep watching (and allow stopping) a process whose spec is no longer accepted; it just cannot be restarted.
      this.warn(`service "${record.spec.name}": recorded spec no longer valid (${(error as Error).message}); health checks and restarts are off`);
      spec = { name: record.spec.name, type: record.spec.type, startTimeoutMs: 30_000, restart: 'never' };
    }
    return { ...record, spec, adopted: false, launchReason: 'start', generation: 0, probing: false };
  }
}

function newEntry(spec: BaseServiceSpec): Entry {
  const now = new Date().toISOString();
  return {
    spec,
    pid: null,
    identity: null,
    state: 'starting',
    since: now,
    startedAt: null,
    lastHealth: null,
    exitCode: null,
    signal: null,
    restartTimes: [],
    restartCount: 0,
    adopted: false,
    launchReason: 'start',
    generation: 0,
    probing: false,
  };
}

function quote(name: unknown): string {
  return JSON.stringify(String(name).slice(0, 100));
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
