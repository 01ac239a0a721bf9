import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../paths';
import { OrchestratorClient } from './apiClient';
import { ensureToken, readEndpoint, readToken, serverFiles, type ServerFiles } from './serverFiles';
import { isProcessAlive } from '../processAlive';

/** ZenML's service states for the local daemon. */
export type DaemonState = 'inactive' | 'pendingStartup' | 'active' | 'pendingShutdown' | 'error';

export interface DaemonStatus {
  state: DaemonState;
  pid?: number;
  url?: string;
  detail: string;
}

/** The pid in the pid file, if that process is alive and really is this store's daemon. */
export function verifiedDaemonPid(files: ServerFiles, storeDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(files.pid, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    // A reused pid belongs to some other program: its command line says so.
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('__server') && argv.includes(path.resolve(storeDir)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function daemonStatus(storeDir: string): Promise<DaemonStatus> {
  const files = serverFiles(storeDir);
  const pid = verifiedDaemonPid(files, storeDir);
  if (pid === undefined) {
    const starting = fs.existsSync(files.pid) ? 'a stale pid file (no such daemon process)' : 'no daemon';
    return { state: 'inactive', detail: starting };
  }
  const endpoint = readEndpoint(files);
  const token = readToken(files);
  if (!endpoint || !token) return { state: 'pendingStartup', pid, detail: 'process started, endpoint not written yet' };
  const url = `http://${endpoint.host === '0.0.0.0' ? '127.0.0.1' : endpoint.host}:${endpoint.port}`;
  if (fs.existsSync(files.state) && fs.readFileSync(files.state, 'utf8').trim() === 'pendingShutdown') return { state: 'pendingShutdown', pid, url, detail: 'stopping' };
  try {
    const health = await new OrchestratorClient(url, token).health();
    if (health.pid !== pid || health.instanceId !== endpoint.instanceId) return { state: 'error', pid, url, detail: `the process answering at ${url} is not the daemon in the pid file` };
    return { state: 'active', pid, url, detail: `${health.runsInFlight} run(s) in flight, up since ${health.startedAt}` };
  } catch (error) {
    return { state: 'error', pid, url, detail: `health check failed: ${(error as Error).message}` };
  }
}

export interface StartOptions {
  host?: string;
  port?: number;
  token?: string;
  timeoutMs?: number;
  /** Concurrency limits (`global=8,gpu=1`), as PIPEWRIGHT_LIMITS for the daemon. */
  limits?: string;
}

/** Starts the daemon (if it is not active) and resolves once its health endpoint answers. */
export async function startDaemon(storeDir: string, options: StartOptions = {}): Promise<DaemonStatus> {
  const store = path.resolve(storeDir);
  const files = serverFiles(store);
  const current = await daemonStatus(store);
  if (current.state === 'active') return current;
  if (current.state !== 'inactive') throw new Error(`the daemon for ${store} is ${current.state}: ${current.detail}`);
  // A daemon that died leaves its endpoint behind: reusing its port lets its orphaned runners reconnect.
  const previousPort = readEndpoint(files)?.port;
  for (const file of [files.pid, files.endpoint, files.state]) fs.rmSync(file, { force: true });
  ensureToken(files, options.token);
  const port = options.port ?? previousPort ?? 0;
  const log = fs.openSync(files.log, 'a', 0o600);
  const child = spawn(process.execPath, [path.join(packageRoot, 'dist', 'cli.js'), '__server', store, options.host ?? '127.0.0.1', String(port), options.port === undefined && previousPort !== undefined ? 'fallback' : 'exact'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...(options.token ? { PIPEWRIGHT_SERVER_TOKEN: options.token } : {}), ...(options.limits ? { PIPEWRIGHT_LIMITS: options.limits } : {}) },
  });
  child.unref();
  fs.closeSync(log);
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    const status = await daemonStatus(store);
    if (status.state === 'active') return status;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the daemon did not become active; last lines of ${files.log}:\n${tail(files.log, 10)}`);
}

/** Stops the daemon: asks it over the API, then SIGTERM, then SIGKILL. */
export async function stopDaemon(storeDir: string, graceMs = 10_000): Promise<DaemonStatus> {
  const store = path.resolve(storeDir);
  const files = serverFiles(store);
  const status = await daemonStatus(store);
  if (status.state === 'inactive' || status.pid === undefined) return status;
  const pid = status.pid;
  const token = readToken(files);
  if (status.url && token) await new OrchestratorClient(status.url, token).shutdown().catch(() => undefined);
  else process.kill(pid, 'SIGTERM');
  const gone = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (verifiedDaemonPid(files, store) === undefined && !isProcessAlive(pid)) return true;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return false;
  };
  if (!(await gone(graceMs))) {
    process.kill(pid, 'SIGKILL');
    await gone(5000);
  }
  for (const file of [files.pid, files.endpoint, files.state]) fs.rmSync(file, { force: true });
  return { state: 'inactive', detail: 'stopped' };
}

/** A client for the active daemon of this store, starting it when needed. */
export async function connectDaemon(storeDir: string, options: StartOptions = {}): Promise<OrchestratorClient> {
  const status = await startDaemon(storeDir, options);
  const token = readToken(serverFiles(storeDir));
  if (!status.url || !token) throw new Error('the daemon is active but its endpoint or token is missing');
  return new OrchestratorClient(status.url, token);
}

export function daemonLogs(storeDir: string, lines: number): string {
  return tail(serverFiles(storeDir).log, lines);
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
