import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../processAlive';
import { probe, type HealthResult } from './healthProbe';
import { parseServiceSpec, type ServiceSpec } from './serviceSpec';

export type ServiceState = 'starting' | 'healthy' | 'unhealthy' | 'running' | 'stopped' | 'exited' | 'failed';

export interface ServiceStatus {
  name: string;
  type: string;
  state: ServiceState;
  pid: number | null;
  since: string;
  lastHealth: HealthResult | null;
  detail?: string;
}

/** Raised for a service request the manager cannot carry out; names the service. */
export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

interface Record_ {
  spec: ServiceSpec;
  pid: number | null;
  /** Kernel start time of the process (from /proc), so a reused pid is never taken for it. */
  startTicks: string | null;
  state: ServiceState;
  since: string;
  lastHealth: HealthResult | null;
  detail?: string;
}

/**
 * Long-lived services the daemon runs beside pipelines (a model server a step deployed, say):
 * detached process groups with their output in `<dir>/<name>.log`, records in
 * `<dir>/services.json`, and a health monitor. Services outlive the daemon; a new manager on the
 * same folder adopts the ones still alive.
 */
export class ServiceManager {
  private readonly records = new Map<string, Record_>();
  private readonly monitors = new Map<string, NodeJS.Timeout>();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.reconcile();
  }

  async start(input: unknown): Promise<ServiceStatus> {
    const spec = parseServiceSpec(input);
    const existing = this.records.get(spec.name);
    if (existing && this.isRunning(existing)) throw new ServiceError(`service "${spec.name}" is already running (pid ${existing.pid}); stop it first`);
    const logFile = this.logFile(spec.name);
    const log = fs.openSync(logFile, 'a', 0o600);
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const spawned = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', (error) => reject(new ServiceError(`service "${spec.name}": cannot start ${spec.command}: ${error.message}`)));
    });
    child.unref();
    const record: Record_ = { spec, pid: spawned, startTicks: startTicks(spawned), state: spec.health ? 'starting' : 'running', since: new Date().toISOString(), lastHealth: null };
    this.records.set(spec.name, record);
    this.save();
    if (spec.health) {
      const deadline = Date.now() + spec.startTimeoutMs;
      for (;;) {
        if (!this.isRunning(record)) {
          this.settle(record, 'failed', `exited during start-up; last log lines:\n${this.logs(spec.name, 10)}`);
          break;
        }
        record.lastHealth = await probe(spec.health);
        if (record.lastHealth.ok) {
          this.settle(record, 'healthy');
          break;
        }
        if (Date.now() > deadline) {
          this.killGroup(record, 'SIGKILL');
          this.settle(record, 'failed', `not healthy within ${spec.startTimeoutMs} ms (${record.lastHealth.detail}); last log lines:\n${this.logs(spec.name, 10)}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(200, spec.health?.intervalMs ?? 200)));
      }
      if (record.state === 'healthy') this.monitor(record);
    }
    return this.status(spec.name);
  }

  async stop(name: string, graceMs = 5000): Promise<ServiceStatus> {
    const record = this.find(name);
    this.unmonitor(name);
    if (this.isRunning(record)) {
      this.killGroup(record, 'SIGTERM');
      const until = Date.now() + graceMs;
      while (this.isRunning(record) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
      if (this.isRunning(record)) this.killGroup(record, 'SIGKILL');
      while (record.pid !== null && isProcessAlive(record.pid) && Date.now() < until + 5000) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    this.settle(record, 'stopped');
    return this.status(name);
  }

  status(name: string): ServiceStatus {
    const record = this.find(name);
    if ((record.state === 'running' || record.state === 'healthy' || record.state === 'unhealthy' || record.state === 'starting') && !this.isRunning(record)) {
      this.settle(record, 'exited', 'the process is gone');
    }
    return { name, type: record.spec.type, state: record.state, pid: record.pid, since: record.since, lastHealth: record.lastHealth, ...(record.detail ? { detail: record.detail } : {}) };
  }

  list(): ServiceStatus[] {
    return [...this.records.keys()].sort().map((name) => this.status(name));
  }

  logs(name: string, tail?: number): string {
    this.find(name);
    let text = '';
    try {
      text = fs.readFileSync(this.logFile(name), 'utf8');
    } catch {
      return '';
    }
    return tail === undefined ? text : text.trimEnd().split('\n').slice(-tail).join('\n');
  }

  /** Stops the health monitors (the services themselves keep running). */
  close(): void {
    for (const name of [...this.monitors.keys()]) this.unmonitor(name);
  }

  private reconcile(): void {
    let saved: Record_[] = [];
    try {
      saved = JSON.parse(fs.readFileSync(this.stateFile(), 'utf8')) as Record_[];
    } catch {
      return;
    }
    for (const record of saved) {
      this.records.set(record.spec.name, record);
      if (this.isRunning(record)) {
        if (record.spec.health) this.monitor(record);
      } else if (record.state !== 'stopped' && record.state !== 'failed') {
        this.settle(record, 'exited', 'not running when the daemon started');
      }
    }
    this.save();
  }

  private monitor(record: Record_): void {
    const health = record.spec.health;
    if (!health) return;
    const timer = setInterval(() => {
      if (!this.isRunning(record)) {
        this.unmonitor(record.spec.name);
        this.settle(record, 'exited', 'the process is gone');
        return;
      }
      void probe(health).then((result) => {
        record.lastHealth = result;
        const state = result.ok ? 'healthy' : 'unhealthy';
        if (record.state !== state) this.settle(record, state, result.ok ? undefined : result.detail);
      });
    }, health.intervalMs);
    timer.unref();
    this.monitors.set(record.spec.name, timer);
  }

  private unmonitor(name: string): void {
    const timer = this.monitors.get(name);
    if (timer) clearInterval(timer);
    this.monitors.delete(name);
  }

  private isRunning(record: Record_): boolean {
    return record.pid !== null && isProcessAlive(record.pid) && startTicks(record.pid) === record.startTicks;
  }

  private killGroup(record: Record_, signal: NodeJS.Signals): void {
    if (record.pid === null) return;
    try {
      process.kill(-record.pid, signal);
    } catch {
      // Already gone.
    }
  }

  private settle(record: Record_, state: ServiceState, detail?: string): void {
    record.state = state;
    record.since = new Date().toISOString();
    record.detail = detail;
    this.save();
  }

  private find(name: string): Record_ {
    const record = this.records.get(name);
    if (!record) throw new ServiceError(`no service named "${name}" (services: ${[...this.records.keys()].sort().join(', ') || 'none'})`);
    return record;
  }

  private save(): void {
    const file = this.stateFile();
    fs.writeFileSync(`${file}.tmp`, JSON.stringify([...this.records.values()], null, 2), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
  }

  private stateFile(): string {
    return path.join(this.dir, 'services.json');
  }

  private logFile(name: string): string {
    return path.join(this.dir, `${name}.log`);
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTicks(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
