import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { OrchestratorClient } from '../../runtime/src/api/client';
import { readEndpoint, readToken, daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';
import { procState } from '../support/unreapedChild';
import { holdsFor, readPid, waitFor, waitForAsync } from '../support/waitFor';

const IDLE_S = 2;
/** Long enough that a daemon with nothing to do would have stopped three times over. */
const WELL_PAST_IDLE_MS = 3 * IDLE_S * 1000 + 500;
const onDemandEnv = { PIPEWRIGHT_DAEMON_IDLE_TIMEOUT: String(IDLE_S) };

/** Whether `pid` is a process that has not ended (a zombie has). */
const running = (pid: number) => {
  const state = procState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
};

function daemonPid(store: string): number {
  return readPid(path.join(store, 'server', 'pid')) as number;
}

async function stopsByItself(store: string, pid: number, idleS = IDLE_S): Promise<void> {
  await waitFor('the daemon to stop by itself', () => !running(pid), 20_000);
  assert.equal(fs.existsSync(path.join(store, 'server', 'pid')), false, 'its pid file is removed');
  assert.match(fs.readFileSync(path.join(store, 'server', 'server.log'), 'utf8'), new RegExp(`stopping \\(idle for ${idleS} s: no run, service or event stream\\)`));
}

describe('a daemon started on demand says so and stops once idle', () => {
  it('`pipewright run` says once on stderr that it started the daemon (pid, how to stop it); the daemon stays while the run is live and stops by itself after', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const marker = path.join(dir, 'release');
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'slow.ts'), '--param', `marker=${marker}`, '--detach'], { env: onDemandEnv });
    assert.equal(started.code, 0, started.stderr);
    const pid = daemonPid(store);
    const notices = started.stderr.split('\n').filter((line) => line.includes('started the orchestrator daemon'));
    assert.equal(notices.length, 1, started.stderr);
    assert.ok(notices[0].includes(`(pid ${pid})`), notices[0]);
    assert.match(notices[0], /stops by itself after 2 s with nothing to do; stop it with: pipewright --store \S+ server stop$/);
    await holdsFor('the daemon running while the run is live', WELL_PAST_IDLE_MS, () => running(pid));
    // A second command finds the daemon running: nothing more is said.
    const again = await cli(['--store', store, 'services', 'list'], { env: onDemandEnv });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /started the orchestrator daemon/);
    fs.writeFileSync(marker, '');
    const db = await openRunStore(store, 'readWrite');
    try {
      await waitForAsync('the run to complete', async () => (await db.getRun(started.stdout.trim()))?.status === 'completed');
    } finally {
      await db.close();
    }
    await stopsByItself(store, pid);
  });

  it('stays while a client follows the event stream, and stops once it leaves', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const listed = await cli(['--store', store, 'services', 'list'], { env: onDemandEnv });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /started the orchestrator daemon/);
    const pid = daemonPid(store);
    const files = daemonFiles(store);
    const endpoint = readEndpoint(files);
    const client = new OrchestratorClient(`http://127.0.0.1:${endpoint?.port}`, readToken(files) as string);
    const leave = new AbortController();
    const following = client.follow(() => false, { signal: leave.signal }).catch(() => undefined);
    await holdsFor('the daemon running while the stream is open', WELL_PAST_IDLE_MS, () => running(pid));
    leave.abort();
    await following;
    await stopsByItself(store, pid);
  });

  it('stays while a service is live, and stops once it is stopped', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const spec = path.join(dir, 'service.json');
    fs.writeFileSync(spec, JSON.stringify({ name: 'idler', type: 'process', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] }));
    const started = await cli(['--store', store, 'services', 'start', spec], { env: onDemandEnv });
    assert.equal(started.code, 0, started.stderr);
    const pid = daemonPid(store);
    await holdsFor('the daemon running while the service is live', WELL_PAST_IDLE_MS, () => running(pid));
    const stopped = await cli(['--store', store, 'services', 'stop', 'idler'], { env: onDemandEnv });
    assert.equal(stopped.code, 0, stopped.stderr);
    await stopsByItself(store, pid);
  });
});

describe('an explicitly started daemon', () => {
  it('`server start` never stops by itself, whatever PIPEWRIGHT_DAEMON_IDLE_TIMEOUT says', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const started = await cli(['--store', store, 'server', 'start', '--json'], { env: onDemandEnv });
    assert.equal(JSON.parse(started.stdout).state, 'active', started.stderr);
    assert.doesNotMatch(started.stderr, /started the orchestrator daemon/);
    const pid = daemonPid(store);
    await holdsFor('the idle daemon running', WELL_PAST_IDLE_MS, () => running(pid));
    assert.match(fs.readFileSync(path.join(store, 'server', 'server.log'), 'utf8'), /no idle shutdown/);
  });

  it('`server start --idle-timeout 1` stops by itself once idle; a malformed value exits 2 naming the option', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const bad = await cli(['--store', store, 'server', 'start', '--idle-timeout', 'later']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--idle-timeout: "later" is not a number of seconds/);
    const started = await cli(['--store', store, 'server', 'start', '--idle-timeout', '1', '--json']);
    assert.equal(JSON.parse(started.stdout).state, 'active', started.stderr);
    await stopsByItself(store, JSON.parse(started.stdout).pid as number, 1);
  });
});
