/**
 * Several daemons of one PostgreSQL store, as the replica suites start them: real daemons (the
 * CLI's `server start`) sharing their tokens, each stopped after its file's tests whatever state
 * they left.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { OrchestratorClient } from '../../runtime/src/api/client';
import { cli } from './cli';

/** The daemons' owner lock (store/postgres/daemonClaim.ts). */
export const OWNER_LOCK = 7_236_823_717;

/** Beats every 0.2 s; an attempt unheard of for 2 s is lost (the `work` step's own lease is the same, test/fixtures/pipelines/cluster.ts). */
export const HEARTBEAT = { PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.2', PIPEWRIGHT_HEARTBEAT_TIMEOUT: '2' };

export interface Daemon {
  store: string;
  pid: number;
  url: string;
}

/** Every daemon of one store shares its tokens (as a Kubernetes Secret gives them): a replica forwards a request with the token it came with. */
export function clusterEnv(url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PIPEWRIGHT_STORE_URL: url, PIPEWRIGHT_SERVER_TOKEN: randomBytes(16).toString('hex'), PIPEWRIGHT_RUNNER_TOKEN: randomBytes(16).toString('hex'), ...extra };
}

export async function startDaemon(store: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Daemon> {
  const started = await cli(['--store', store, 'server', 'start', '--json', ...args], { env });
  assert.equal(started.code, 0, started.stderr);
  const status = JSON.parse(started.stdout) as { state: string; pid: number; url: string };
  assert.equal(status.state, 'active', started.stdout);
  return { store, pid: status.pid, url: status.url };
}

export function clientOf(daemon: Daemon, env: NodeJS.ProcessEnv): OrchestratorClient {
  return new OrchestratorClient(daemon.url, env.PIPEWRIGHT_SERVER_TOKEN!);
}

export async function roleOf(daemon: Daemon, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (await clientOf(daemon, env).health()).role;
}

/** A leader and a replica of the store at `env`'s URL, both with remote workers, stopped after the file; and the workers' token file. */
export async function leaderAndReplica(dir: string, env: NodeJS.ProcessEnv, stopLater: (daemon: Daemon, env: NodeJS.ProcessEnv) => void): Promise<{ leader: Daemon; replica: Daemon; tokenFile: string }> {
  const leader = await startDaemon(path.join(dir, 'a'), env, ['--workers', 'remote']);
  stopLater(leader, env);
  const replica = await startDaemon(path.join(dir, 'b'), env, ['--workers', 'remote']);
  stopLater(replica, env);
  const tokenFile = path.join(dir, 'worker-token');
  fs.writeFileSync(tokenFile, env.PIPEWRIGHT_RUNNER_TOKEN!, { mode: 0o600 });
  return { leader, replica, tokenFile };
}

/** What a file's tests started, stopped after them (call it once, at the file's top level). */
export function cleanUpAfterFile(): { cleanups: (() => Promise<unknown>)[]; stopLater(daemon: Daemon, env: NodeJS.ProcessEnv): void } {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  return { cleanups, stopLater: (daemon, env) => cleanups.push(() => cli(['--store', daemon.store, 'server', 'stop'], { env })) };
}
