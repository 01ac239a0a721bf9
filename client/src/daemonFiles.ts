/**
 * Where the local daemon of a store listens, read from the files it writes once it listens
 * (`<store>/server/endpoint.json` and `token`). Node-only, no vscode. The daemon's own
 * `daemonControl` is not bundled here: it locates its package from its own file, which is
 * meaningless inside the extension bundle, so start/stop go through the runtime's CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveStoreDir } from '../../runtime/src/api/storeFolder';

/** The store of a workspace folder: the one the runtime's CLI uses when run from that folder. */
export function workspaceStoreDir(folder: string): string {
  return resolveStoreDir(undefined, folder);
}

export interface LocalEndpoint {
  url: string;
  token: string;
  pid: number | undefined;
  instanceId: string | undefined;
}

export function readLocalEndpoint(storeDir: string): LocalEndpoint | undefined {
  const dir = path.join(storeDir, 'server');
  try {
    const endpoint = JSON.parse(fs.readFileSync(path.join(dir, 'endpoint.json'), 'utf8')) as { host?: string; port?: number; localPort?: number; pid?: number; instanceId?: string };
    const token = fs.readFileSync(path.join(dir, 'token'), 'utf8').trim();
    if (!endpoint.port || !token) return undefined;
    // A daemon serving HTTPS serves this machine over plain HTTP on its loopback listener.
    if (endpoint.localPort) return { url: `http://127.0.0.1:${endpoint.localPort}`, token, pid: endpoint.pid, instanceId: endpoint.instanceId };
    const host = !endpoint.host || endpoint.host === '0.0.0.0' ? '127.0.0.1' : endpoint.host;
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${endpoint.port}`, token, pid: endpoint.pid, instanceId: endpoint.instanceId };
  } catch {
    return undefined;
  }
}

/**
 * The local orchestrator's state when no daemon listens: `none` before one ever ran for this store
 * (it starts with the first run), `inactive` once one has run and stopped (its folder, with its
 * log and token, stays behind).
 */
export function absentLocalDaemon(storeDir: string): { state: 'none' | 'inactive'; detail: string } {
  return fs.existsSync(path.join(storeDir, 'server'))
    ? { state: 'inactive', detail: 'stopped (it starts again with the next run)' }
    : { state: 'none', detail: 'no local orchestrator yet: it starts with the first run' };
}
