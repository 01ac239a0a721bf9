import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../system/packagePaths';
import { OrchestratorClient } from './client';
import { ANOTHER_DAEMON_EXIT_CODE, ensureToken, localUrl, readEndpoint, readToken, daemonFiles, type DaemonFiles } from './daemonFiles';
import { readTlsFiles, type TlsPaths } from './tlsFiles';
import { resolveStoreDir } from './storeFolder';
import { isProcessAlive, processIdentity } from '../system/processAlive';
import { runnerPoolSettingsFromEnv } from '../runnerPool/settings';
import { ENV, onDemandIdleTimeout, workersModeFromEnv, type WorkersMode } from '../model/environment';
import { InputError } from '../model/errorCodes';
import { redactUrl } from '../model/storeUrl';

/** ZenML's service states for the local daemon. */
export type DaemonState = 'inactive' | 'pendingStartup' | 'active' | 'pendingShutdown' | 'error';

export interface DaemonStatus {
  state: DaemonState;
  pid?: number;
  url?: string;
  detail: string;
}

/** The pid in the pid file, if that process is alive and really is this store's daemon. */
export function verifiedDaemonPid(files: DaemonFiles, storeDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(files.pid, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // A daemon killed but not reaped yet (a zombie), or a reused pid, is not the daemon.
  const endpoint = readEndpoint(files);
  if (!isProcessAlive(pid, endpoint?.pid === pid ? endpoint.identity : undefined)) return undefined;
  return isDaemonProcessOf(pid, storeDir) ? pid : undefined;
}

/** Whether process `pid` of this machine is a daemon of the store folder `storeDir` (a reused pid belongs to some other program: its command line says so). */
export function isDaemonProcessOf(pid: number, storeDir: string): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('__server') && argv.includes(path.resolve(storeDir));
  } catch {
    return false;
  }
}

export async function daemonStatus(storeDir: string): Promise<DaemonStatus> {
  const files = daemonFiles(storeDir);
  const pid = verifiedDaemonPid(files, storeDir);
  if (pid === undefined) {
    const starting = fs.existsSync(files.pid) ? 'a stale pid file (no such daemon process)' : 'no daemon';
    return { state: 'inactive', detail: starting };
  }
  const endpoint = readEndpoint(files);
  const token = readToken(files);
  if (!endpoint || !token) return { state: 'pendingStartup', pid, detail: 'process started, endpoint not written yet' };
  const url = localUrl(endpoint);
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
  /** Seconds with nothing to do after which the daemon stops (0 or absent: never). */
  idleTimeoutS?: number;
  /** The PostgreSQL database for runs and events (absent: the SQLite store in the folder), as PIPEWRIGHT_STORE_URL for the daemon. */
  storeUrl?: string;
  /** `remote`: attempts run on `pipewright worker` processes, as PIPEWRIGHT_WORKERS for the daemon. */
  workers?: WorkersMode;
  /** Serve HTTPS with this certificate and key (checked before the daemon starts). */
  tls?: TlsPaths;
  /** An S3 bucket for artifacts (`s3://bucket/prefix`, and an endpoint), as PIPEWRIGHT_ARTIFACTS_URL and PIPEWRIGHT_S3_ENDPOINT for the daemon. */
  artifacts?: { url: string; endpoint?: string };
}

/** A store's runs as a message names them, by the database's URL without its password (undefined: the folder's SQLite store). */
function storeName(storeDir: string, redactedUrl: string | undefined): string {
  return redactedUrl === undefined ? `the SQLite store in ${storeDir}` : `the PostgreSQL store ${redactedUrl}`;
}

/**
 * Refuses to use the folder's active daemon when it keeps its runs elsewhere than `storeUrl` says
 * (a PostgreSQL database, or the SQLite store when undefined): runs would land where this
 * command does not look.
 */
export function checkDaemonStore(storeDir: string, storeUrl: string | undefined): void {
  const files = daemonFiles(storeDir);
  const pid = verifiedDaemonPid(files, storeDir);
  const endpoint = readEndpoint(files);
  if (pid === undefined || endpoint?.pid !== pid) return;
  const dir = path.resolve(storeDir);
  const served = endpoint.store;
  const wanted = storeUrl === undefined ? undefined : redactUrl(storeUrl);
  if (served === wanted) return;
  const how = served === undefined ? '' : ' (--store URL or PIPEWRIGHT_STORE_URL)';
  throw new InputError(`the daemon for ${dir} (pid ${pid}) keeps its runs in ${storeName(dir, served)}, not in ${storeName(dir, wanted)}: name the same store${how}, or stop it first (pipewright server stop)`);
}

/** Starts the daemon (if it is not active) and resolves once its health endpoint answers. */
export async function startDaemon(storeDir: string, options: StartOptions = {}): Promise<DaemonStatus> {
  return (await ensureDaemon(storeDir, options)).status;
}

/** Like startDaemon, and says whether this call started it. */
async function ensureDaemon(storeDir: string, options: StartOptions): Promise<{ status: DaemonStatus; started: boolean }> {
  const store = path.resolve(storeDir);
  const files = daemonFiles(store);
  const current = await daemonStatus(store);
  if (current.state === 'active') {
    checkDaemonStore(store, options.storeUrl);
    return { status: current, started: false };
  }
  if (current.state !== 'inactive') throw new Error(`the daemon for ${store} is ${current.state}: ${current.detail}`);
  checkDaemonSettings(options);
  // A daemon that died leaves its endpoint behind: reusing its port lets its orphaned runners reconnect.
  const previousPort = readEndpoint(files)?.port;
  // The old pid, endpoint and state files are the daemon's to replace: removing them here could
  // remove those of a daemon another command has just started.
  ensureToken(files, options.token);
  const port = options.port ?? previousPort ?? 0;
  const log = fs.openSync(files.log, 'a', 0o600);
  const portPolicy = options.port === undefined && previousPort !== undefined ? 'fallback' : 'exact';
  const { command, env } = daemonProcess(store, options, port, portPolicy);
  const child = spawn(process.execPath, command, { detached: true, stdio: ['ignore', log, log], env });
  child.unref();
  fs.closeSync(log);
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    const status = await daemonStatus(store);
    if (status.state === 'active') return { status, started: child.exitCode === null };
    // A daemon that lost the store to another one just started exits; that one will answer.
    if (child.exitCode !== null && child.exitCode !== ANOTHER_DAEMON_EXIT_CODE) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the daemon did not become active; last lines of ${files.log}:\n${tail(files.log, 10)}`);
}

/** The daemon reads these from its environment: a bad value is said by its starter, not in its log. */
function checkDaemonSettings(options: StartOptions): void {
  runnerPoolSettingsFromEnv();
  if (options.workers === undefined) workersModeFromEnv();
  if (options.tls) readTlsFiles(options.tls);
}

/** The command line (`pipewright __server ...`) and environment of a daemon process for `store`. */
function daemonProcess(store: string, options: StartOptions, port: number, portPolicy: 'exact' | 'fallback'): { command: string[]; env: NodeJS.ProcessEnv } {
  const tlsArgs = options.tls ? ['--tls-cert', path.resolve(options.tls.certFile), '--tls-key', path.resolve(options.tls.keyFile)] : [];
  const args = ['__server', store, options.host ?? '127.0.0.1', String(port), portPolicy, '--idle-timeout', String(options.idleTimeoutS ?? 0), ...tlsArgs];
  return {
    command: [path.join(packageRoot, 'dist', 'cli.js'), ...args],
    // The database URL goes by the environment, not the command line, which other users can read.
    env: {
      ...process.env,
      [ENV.storeUrl]: options.storeUrl,
      ...(options.token ? { [ENV.serverToken]: options.token } : {}),
      ...(options.limits ? { [ENV.limits]: options.limits } : {}),
      ...(options.workers ? { [ENV.workers]: options.workers } : {}),
      ...(options.artifacts ? { [ENV.artifactsUrl]: options.artifacts.url, [ENV.s3Endpoint]: options.artifacts.endpoint } : {}),
    },
  };
}

/**
 * `server start --foreground`: the daemon as a child of this process, its log on this one's
 * stdout and stderr, and SIGTERM and SIGINT passed on to it (a container's main process: the
 * daemon stops as it always does); resolves the daemon's exit code. The daemon is the same
 * process as a detached one (`__server`), so every command of this machine tells it the same way.
 */
export function runDaemonInForeground(storeDir: string, options: StartOptions = {}): Promise<number> {
  const store = path.resolve(storeDir);
  checkDaemonSettings(options);
  ensureToken(daemonFiles(store), options.token);
  const { command, env } = daemonProcess(store, options, options.port ?? 0, 'exact');
  const child = spawn(process.execPath, command, { stdio: ['ignore', 'inherit', 'inherit'], env });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGTERM', 'SIGINT'] as const).map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      resolve(code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1));
    });
  });
}

/** Stops the daemon: asks it over the API, then SIGTERM, then SIGKILL. */
export async function stopDaemon(storeDir: string, graceMs = 10_000): Promise<DaemonStatus> {
  const store = path.resolve(storeDir);
  const files = daemonFiles(store);
  const status = await daemonStatus(store);
  if (status.state === 'inactive' || status.pid === undefined) return status;
  const pid = status.pid;
  const identity = processIdentity(pid);
  const token = readToken(files);
  if (status.url && token) await new OrchestratorClient(status.url, token).shutdown().catch(() => undefined);
  else process.kill(pid, 'SIGTERM');
  const gone = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (verifiedDaemonPid(files, store) === undefined && !isProcessAlive(pid, identity)) return true;
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

/**
 * A client for the active daemon of this store, starting it on demand when needed: such a
 * daemon stops by itself once idle (PIPEWRIGHT_DAEMON_IDLE_TIMEOUT), and its start is said once
 * on stderr, with its pid and how to stop it.
 */
export async function connectDaemon(storeDir: string, options: StartOptions = {}): Promise<OrchestratorClient> {
  const idleTimeoutS = options.idleTimeoutS ?? onDemandIdleTimeout();
  const { status, started } = await ensureDaemon(storeDir, { ...options, idleTimeoutS });
  if (started) process.stderr.write(`${startedOnDemandNotice(storeDir, status.pid, idleTimeoutS)}\n`);
  const token = readToken(daemonFiles(storeDir));
  if (!status.url || !token) throw new Error('the daemon is active but its endpoint or token is missing');
  return new OrchestratorClient(status.url, token);
}

/** What a CLI that started the daemon on demand says about it, once. */
export function startedOnDemandNotice(storeDir: string, pid: number | undefined, idleTimeoutS: number): string {
  const store = path.resolve(storeDir);
  const storeFlag = store === resolveStoreDir(undefined, process.cwd()) ? '' : ` --store ${store}`;
  const idle = idleTimeoutS > 0 ? `it stops by itself after ${idleTimeoutS} s with nothing to do` : 'it keeps running';
  return `pipewright: started the orchestrator daemon for ${store} (pid ${pid ?? 'unknown'}); ${idle}; stop it with: pipewright${storeFlag} server stop`;
}

export function daemonLogs(storeDir: string, lines: number): string {
  return tail(daemonFiles(storeDir).log, lines);
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
