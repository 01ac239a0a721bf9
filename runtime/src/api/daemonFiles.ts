import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createOwnerOnlyOnce, writeOwnerOnly } from '../system/ownerOnly';

/** The daemon's runtime folder (`<store>/server/`): who it is, where it listens, its log. */
export interface DaemonFiles {
  dir: string;
  /** `{ host, port, pid, identity, instanceId, startedAt }`, written once the daemon listens. */
  endpoint: string;
  pid: string;
  /** Bearer token, owner-only (0600). */
  token: string;
  /** Token runners renew leases with; kept across restarts so orphaned runners can reconnect. */
  runnerToken: string;
  log: string;
  /** `pendingShutdown` while the daemon is stopping. */
  state: string;
}

export function daemonFiles(storeDir: string): DaemonFiles {
  const dir = path.join(path.resolve(storeDir), 'server');
  return {
    dir,
    endpoint: path.join(dir, 'endpoint.json'),
    pid: path.join(dir, 'pid'),
    token: path.join(dir, 'token'),
    runnerToken: path.join(dir, 'runner-token'),
    log: path.join(dir, 'server.log'),
    state: path.join(dir, 'state'),
  };
}

/** The exit code of a daemon that found another live daemon serving its store (its starter waits for that one). */
export const ANOTHER_DAEMON_EXIT_CODE = 3;

/** Reads the token, creating it (owner-only) when missing; an explicit one (remote use) wins. */
export function ensureToken(files: DaemonFiles, explicit?: string): string {
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  if (explicit) {
    writeOwnerOnly(files.token, explicit);
    return explicit;
  }
  try {
    const existing = fs.readFileSync(files.token, 'utf8').trim();
    if (existing) {
      fs.chmodSync(files.token, 0o600);
      return existing;
    }
  } catch {
    // Not created yet.
  }
  // Two starters at once must not each write a token: the daemon would hold the other's.
  return createOwnerOnlyOnce(files.token, randomBytes(32).toString('base64url')).trim();
}

/** The runners' token, created owner-only on first use and reused by every later daemon; an explicit one (a container's) wins. */
export function ensureRunnerToken(files: DaemonFiles, explicit?: string): string {
  if (explicit) {
    writeOwnerOnly(files.runnerToken, explicit);
    return explicit;
  }
  try {
    const existing = fs.readFileSync(files.runnerToken, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // First daemon of this store.
  }
  return createOwnerOnlyOnce(files.runnerToken, randomBytes(32).toString('base64url')).trim();
}

export function readToken(files: DaemonFiles): string | undefined {
  try {
    return fs.readFileSync(files.token, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export { writeOwnerOnly };

export interface Endpoint {
  host: string;
  port: number;
  pid: number;
  /** processIdentity of the pid (absent in files of older daemons). */
  identity?: string | null;
  instanceId: string;
  startedAt: string;
  /** The PostgreSQL database its runs are in, password redacted (absent: the SQLite store in its folder). */
  store?: string;
  /** It serves HTTPS on `port` (absent: plain HTTP). */
  tls?: boolean;
  /** Where this machine's runners and commands reach it over plain HTTP on 127.0.0.1 (an HTTPS daemon's loopback listener; absent: `port`). */
  localPort?: number;
}

/** The URL this machine's commands reach the daemon of `endpoint` at (plain HTTP on loopback for an HTTPS daemon). */
export function localUrl(endpoint: Endpoint): string {
  if (endpoint.localPort !== undefined) return `http://127.0.0.1:${endpoint.localPort}`;
  return `http://${endpoint.host === '0.0.0.0' ? '127.0.0.1' : endpoint.host}:${endpoint.port}`;
}

export function readEndpoint(files: DaemonFiles): Endpoint | undefined {
  try {
    return JSON.parse(fs.readFileSync(files.endpoint, 'utf8')) as Endpoint;
  } catch {
    return undefined;
  }
}
