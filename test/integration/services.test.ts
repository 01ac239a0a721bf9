import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { answerStatus } from '../../runtime/src/api/client';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { ServiceError, ServiceManager, ServiceSpecError, type ServiceSpecInput, type ServiceStatus } from '../../runtime/src/services';
import { processIdentity } from '../../runtime/src/services/processGroups';
import { cli } from '../support/cli';
import { freePort } from '../support/freePort';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, waitFor } from '../support/waitFor';

const script = fixture('services', 'healthServer.js');

/** Every process a test starts, killed (with its group) when the file ends. */
const started = new Set<number>();
const managers: ServiceManager[] = [];
after(() => {
  for (const manager of managers) manager.close();
  for (const pid of started) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
});

function track(status: ServiceStatus): ServiceStatus {
  if (status.pid !== null) started.add(status.pid);
  return status;
}

/** A manager whose every process (restarts included) is cleaned up after the file. */
function managerOn(dir: string): ServiceManager {
  const manager = new ServiceManager(dir);
  managers.push(manager);
  manager.onChange(track);
  return manager;
}

async function healthServer(name: string, extra: Partial<ServiceSpecInput> & { env?: Record<string, string> } = {}) {
  const port = await freePort();
  const spec: ServiceSpecInput = {
    name,
    type: 'process',
    command: process.execPath,
    args: [script],
    ...extra,
    env: { PORT: String(port), ...extra.env },
    health: extra.health ?? { http: { url: `http://127.0.0.1:${port}/health` }, intervalMs: 50, timeoutMs: 500 },
  };
  return { port, spec };
}

const get = (port: number, route: string) => fetch(`http://127.0.0.1:${port}${route}`).then((response) => response.arrayBuffer());
const stateOf = (manager: ServiceManager, name: string, state: ServiceStatus['state']) => () => manager.status(name).state === state && manager.status(name);
const gone = (pid: number) => () => !isAlive(pid);

describe('ServiceManager with real processes', () => {
  it('starts a service, waits until healthy, captures stdout and stderr, passes env but not the daemon token, stops it', async () => {
    const manager = managerOn(tempDir());
    const { spec } = await healthServer('model-server', { env: { GREETING: 'hello' } });
    process.env.PIPEWRIGHT_SERVER_TOKEN = 'daemon-secret';
    const status = track(await manager.start(spec).finally(() => delete process.env.PIPEWRIGHT_SERVER_TOKEN));
    assert.equal(status.state, 'healthy', status.detail);
    assert.equal(status.type, 'process');
    assert.ok(status.pid !== null && isAlive(status.pid));
    assert.match(status.lastHealth?.detail ?? '', /answered 200/);
    await waitFor('the listening line', () => /service listening on/.test(manager.logs('model-server')));
    const log = manager.logs('model-server');
    assert.match(log, /greeting: hello/);
    assert.match(log, /service stderr works/);
    assert.match(log, /daemon token visible: false/);
    assert.match(log, /pipewright: starting /);
    assert.equal(manager.logs('model-server', { tail: 1 }).split('\n').length, 2, 'one line and its newline');
    assert.deepEqual(manager.list().map((s) => [s.name, s.state]), [['model-server', 'healthy']]);

    const stopped = await manager.stop('model-server');
    assert.equal(stopped.state, 'stopped');
    assert.throws(() => process.kill(status.pid as number, 0), { code: 'ESRCH' });
    assert.match(manager.logs('model-server'), /service stopping/);
    assert.equal((await manager.stop('model-server')).state, 'stopped', 'stopping twice is harmless');
  });

  it('stop reaches the whole process group, and SIGKILLs what ignores SIGTERM after the grace period', async () => {
    const manager = managerOn(tempDir());
    const { spec } = await healthServer('stubborn', { env: { SPAWN_CHILD: '1', IGNORE_SIGTERM: '1' } });
    const status = track(await manager.start(spec));
    assert.equal(status.state, 'healthy', status.detail);
    const grandchild = Number(await waitFor('the grandchild pid', () => /grandchild pid (\d+)/.exec(manager.logs('stubborn'))?.[1]));
    started.add(grandchild);
    assert.ok(isAlive(grandchild));
    const begun = Date.now();
    const stopped = await manager.stop('stubborn', { graceMs: 300 });
    assert.ok(Date.now() - begun >= 300, 'it waited for the grace period');
    assert.equal(stopped.state, 'stopped', stopped.detail);
    assert.equal(stopped.signal, 'SIGKILL');
    assert.throws(() => process.kill(status.pid as number, 0), { code: 'ESRCH' });
    assert.throws(() => process.kill(grandchild, 0), { code: 'ESRCH' }, 'the grandchild went with its group');
  });

  it('notices a service turning unhealthy over HTTP, and healthy again', async () => {
    const manager = managerOn(tempDir());
    const { port, spec } = await healthServer('flaky');
    track(await manager.start(spec));
    await get(port, '/break');
    const unhealthy = await waitFor('unhealthy', stateOf(manager, 'flaky', 'unhealthy'), 10_000);
    assert.equal(unhealthy.lastHealth?.ok, false);
    assert.match(unhealthy.detail ?? '', /answered 503 \(expected 200\)/);
    await get(port, '/heal');
    const healthy = await waitFor('healthy again', stateOf(manager, 'flaky', 'healthy'), 10_000);
    assert.equal(healthy.detail, undefined);
    await manager.stop('flaky');
  });

  it('monitors TCP: healthy while the port accepts connections, unhealthy once it is closed', async () => {
    const manager = managerOn(tempDir());
    const port = await freePort();
    const { spec } = await healthServer('tcp-one', { env: { PORT: String(port) }, health: { tcp: { port }, intervalMs: 50, timeoutMs: 500 } });
    const status = track(await manager.start(spec));
    assert.equal(status.state, 'healthy', status.detail);
    assert.match(status.lastHealth?.detail ?? '', new RegExp(`TCP 127\\.0\\.0\\.1:${port} accepts connections`));
    await get(port, '/close');
    const unhealthy = await waitFor('unhealthy', stateOf(manager, 'tcp-one', 'unhealthy'), 10_000);
    assert.match(unhealthy.detail ?? '', /ECONNREFUSED/);
    await manager.stop('tcp-one');
  });

  it('a service that is not healthy within startTimeoutMs fails with the end of its log, and is killed', async () => {
    const manager = managerOn(tempDir());
    const port = await freePort();
    const status = track(
      await manager.start({
        name: 'deaf',
        type: 'process',
        command: process.execPath,
        args: ['-e', 'console.log("loading weights..."); console.log("not listening"); setInterval(() => {}, 1000)'],
        health: { tcp: { port }, intervalMs: 50 },
        startTimeoutMs: 2000,
      }),
    );
    assert.equal(status.state, 'failed');
    assert.match(status.detail ?? '', /^not healthy within 2000 ms \(TCP 127\.0\.0\.1:\d+: connect ECONNREFUSED[^)]*\); last log lines:\n[\s\S]*loading weights\.\.\.\nnot listening/);
    await waitFor('the failed service to be gone', gone(status.pid as number), 10_000);
    assert.equal(manager.status('deaf').state, 'failed', 'its exit does not change the verdict');
  });

  it('stopping a service that is still starting ends the start-up wait, and the process', async () => {
    const manager = managerOn(tempDir());
    const port = await freePort();
    const starting = manager.start({ name: 'slow', type: 'process', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], health: { tcp: { port }, intervalMs: 50 } });
    const pid = await waitFor('the process to be spawned', () => manager.status('slow').pid ?? undefined);
    started.add(pid);
    assert.equal(manager.status('slow').state, 'starting');
    const stopped = await manager.stop('slow', { graceMs: 2000 });
    assert.equal(stopped.state, 'stopped');
    assert.equal((await starting).state, 'stopped', 'start reports the stop');
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });

  it('a service that exits during start-up fails with its last words; one without health check is simply running', async () => {
    const manager = managerOn(tempDir());
    const port = await freePort();
    const crash = track(
      await manager.start({ name: 'crash', type: 'process', command: process.execPath, args: ['-e', 'console.error("model file missing"); process.exit(3)'], health: { tcp: { port } } }),
    );
    assert.equal(crash.state, 'failed');
    assert.equal(crash.exitCode, 3);
    assert.match(crash.detail ?? '', /^exited with code 3 during start-up; last log lines:\n[\s\S]*model file missing/);

    const quick = track(await manager.start({ name: 'quick', type: 'process', command: process.execPath, args: ['-e', 'setTimeout(() => {}, 200)'] }));
    assert.equal(quick.state, 'running');
    const exited = await waitFor('exited', stateOf(manager, 'quick', 'exited'));
    assert.equal(exited.exitCode, 0);
    assert.equal(exited.detail, 'the process exited with code 0');
  });

  it('on-failure restarts a service that exits non-zero, then gives up after 3 restarts within a minute', async () => {
    const manager = managerOn(tempDir());
    const { port, spec } = await healthServer('phoenix', { restart: 'on-failure' });
    const first = track(await manager.start(spec));
    assert.equal(first.state, 'healthy', first.detail);
    await get(port, '/exit?code=3');
    const again = await waitFor('a restarted, healthy process', () => {
      const status = manager.status('phoenix');
      return status.state === 'healthy' && status.pid !== first.pid && status;
    }, 15_000);
    assert.equal(again.restarts, 1);
    assert.match(manager.logs('phoenix'), /process \d+ exited with code 3 ---\n[\s\S]*restarting: the process exited with code 3/);
    await manager.stop('phoenix');

    const looping = track(await manager.start({ name: 'loop', type: 'process', command: process.execPath, args: ['-e', 'process.exit(1)'], restart: 'on-failure' }));
    assert.equal(looping.state, 'running');
    const failed = await waitFor('the restart budget to run out', stateOf(manager, 'loop', 'failed'), 15_000);
    assert.equal(failed.restarts, 3);
    assert.equal(failed.exitCode, 1);
    assert.match(failed.detail ?? '', /exited with code 1; not restarted: already restarted 3 times within 60 s/);

    const never = track(await manager.start({ name: 'never', type: 'process', command: process.execPath, args: ['-e', 'process.exit(2)'] }));
    const exited = await waitFor('exited', () => ['exited', 'failed'].includes(manager.status('never').state) && manager.status('never'));
    assert.deepEqual([exited.state, exited.exitCode, exited.restarts, never.restart], ['exited', 2, 0, 'never']);
  });

  it('a new manager on the same folder adopts a live service and keeps monitoring it', async () => {
    const dir = tempDir();
    const first = managerOn(dir);
    const { port, spec } = await healthServer('survivor');
    const status = track(await first.start(spec));
    assert.equal(status.state, 'healthy', status.detail);
    first.close();

    const second = managerOn(dir);
    const adopted = second.status('survivor');
    assert.deepEqual([adopted.pid, adopted.state, adopted.adopted], [status.pid, 'healthy', true]);
    await get(port, '/break');
    await waitFor('the adopted service to turn unhealthy', stateOf(second, 'survivor', 'unhealthy'), 10_000);
    const stopped = await second.stop('survivor');
    assert.equal(stopped.state, 'stopped');
    await waitFor('the adopted process to be gone', gone(status.pid as number), 10_000);
    assert.equal(managerOn(dir).status('survivor').state, 'stopped', 'the stop was recorded');
  });

  it('an adopted process that dies is noticed; a record whose pid is now another process is not adopted', async () => {
    const dir = tempDir();
    const first = managerOn(dir);
    const lonely = track(await first.start({ name: 'lonely', type: 'process', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] }));
    first.close();
    const second = managerOn(dir);
    assert.equal(second.status('lonely').adopted, true);
    process.kill(lonely.pid as number, 'SIGKILL');
    const exited = await waitFor('the death to be noticed', stateOf(second, 'lonely', 'exited'), 10_000);
    assert.match(exited.detail ?? '', /is gone \(exit status unknown\)/);
    second.close();

    // A live process that is not the one recorded: its pid with another start time, or another boot.
    const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    started.add(stranger.pid as number);
    const [boot, ticks] = (processIdentity(stranger.pid as number) as string).split('/');
    const record = (name: string, identity: string) => ({
      spec: { name, type: 'process', command: 'x', args: [], env: {}, startTimeoutMs: 1000, restart: 'on-failure' },
      pid: stranger.pid,
      identity,
      state: 'healthy',
      since: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      lastHealth: null,
      exitCode: null,
      signal: null,
      restartTimes: [],
      restartCount: 0,
    });
    const file = path.join(dir, 'services.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { services: unknown[] };
    state.services.push(record('reused', `${boot}/${Number(ticks) + 1}`), record('rebooted', `another-boot/${ticks}`));
    fs.writeFileSync(file, JSON.stringify(state));
    const third = managerOn(dir);
    for (const name of ['reused', 'rebooted']) {
      const status = third.status(name);
      assert.equal(status.state, 'exited', name);
      assert.match(status.detail ?? '', new RegExp(`pid ${stranger.pid} now belongs to another process`));
      assert.equal((await third.stop(name)).state, 'exited', 'stopping it does not touch the stranger');
    }
    assert.ok(isAlive(stranger.pid as number), 'the stranger was left alone');
    stranger.kill('SIGKILL');
  });

  it('refuses bad requests with clear errors and records nothing for them', async () => {
    const manager = managerOn(tempDir());
    await assert.rejects(manager.start({ name: 'x', type: 'docker', image: 'nginx' }), (error: ServiceSpecError) => {
      assert.equal(error.name, 'ServiceSpecError');
      assert.equal(error.message, 'unknown service type "docker" (known: process)');
      return error instanceof ServiceError && error.code === 'invalid-spec';
    });
    await assert.rejects(manager.start({ name: 'x', type: 'process', command: 'node', health: { http: { url: 'http://10.1.2.3/health' } } }), /^ServiceSpecError: health\.http\.url: only loopback addresses can be monitored$/);
    await assert.rejects(manager.start({ name: 'bad name!', type: 'process', command: 'node' }), /^ServiceSpecError: name: /);
    await assert.rejects(manager.start(null), /^ServiceSpecError: spec: expected an object/);
    assert.deepEqual(manager.list(), []);
    await assert.rejects(manager.stop('ghost'), { name: 'ServiceError', code: 'unknown-service', message: 'no service named "ghost" (no services yet)' });

    const missing = await manager.start({ name: 'missing', type: 'process', command: 'no-such-command-pipewright' });
    assert.equal(missing.state, 'failed');
    assert.match(missing.detail ?? '', /cannot run "no-such-command-pipewright": spawn no-such-command-pipewright ENOENT/);
    const nowhere = await manager.start({ name: 'nowhere', type: 'process', command: process.execPath, cwd: '/no/such/dir' });
    assert.match(nowhere.detail ?? '', /working directory \/no\/such\/dir does not exist/);
    await assert.rejects(manager.stop('ghost'), { code: 'unknown-service', message: 'no service named "ghost" (known: missing, nowhere)' });
    assert.throws(() => manager.status('ghost'), /no service named "ghost"/);
    assert.throws(() => manager.logs('missing', { tail: -1 }), { code: 'invalid-argument' });
    await assert.rejects(manager.stop('missing', { graceMs: Number.NaN }), { code: 'invalid-argument' });

    const { spec } = await healthServer('only-once');
    const [one, two] = await Promise.allSettled([manager.start(spec), manager.start(spec)]);
    assert.ok(one.status === 'fulfilled' && two.status === 'rejected');
    track(one.value);
    assert.match(String(two.reason), /ServiceError: service "only-once" is already starting/);
    await assert.rejects(manager.start(spec), { code: 'conflict', message: new RegExp(`service "only-once" is already running \\(pid ${one.value.pid}\\); stop it first`) });
    assert.throws(() => manager.remove('only-once'), { code: 'conflict' });
    await manager.stop('only-once');
    manager.remove('only-once');
    assert.deepEqual(manager.list().map((s) => s.name), ['missing', 'nowhere']);
  });

  it('sets an unreadable state file aside instead of failing', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'services.json'), '{ not json');
    const warnings: string[] = [];
    const manager = new ServiceManager(dir, { onWarning: (message) => warnings.push(message) });
    assert.deepEqual(manager.list(), []);
    assert.match(warnings.join('\n'), /set aside as services\.json\.unreadable-\d+: it is not JSON/);
    assert.ok(fs.readdirSync(dir).some((file) => file.startsWith('services.json.unreadable-')));
    manager.close();
  });
});

describe('long-lived services on the daemon', () => {
  const store = path.join(tempDir(), 'store');
  after(async () => {
    await stopDaemon(store).catch(() => undefined);
  });

  it('starts a service, waits until healthy, captures its output, notices it turn unhealthy, stops it', async () => {
    const client = await connectDaemon(store);
    const port = await freePort();
    const status = track(
      await client.startService({
        name: 'model-server',
        type: 'process',
        command: process.execPath,
        args: [script],
        env: { PORT: String(port) },
        health: { http: { url: `http://127.0.0.1:${port}/health` }, intervalMs: 100 },
      }),
    );
    assert.equal(status.state, 'healthy', status.detail);
    assert.match((await client.serviceLogs({ name: 'model-server' })).text, new RegExp(`service listening on ${port}`));
    await get(port, '/break');
    const deadline = Date.now() + 10_000;
    let seen = '';
    while (seen !== 'unhealthy' && Date.now() < deadline) seen = (await client.serviceStatus({ name: 'model-server' })).state;
    assert.equal(seen, 'unhealthy');
    const listed = await cli(['--store', store, 'services', 'list', '--json']);
    assert.deepEqual(JSON.parse(listed.stdout).map((s: { name: string }) => s.name), ['model-server']);
    const stopped = await client.stopService({ name: 'model-server' });
    assert.equal(stopped.state, 'stopped');
    assert.equal(isAlive(status.pid as number), false);
    assert.match((await client.serviceLogs({ name: 'model-server' })).text, /service stopping/);
  });

  it('monitors TCP, and a service outlives a daemon restart and is adopted by the next one', async () => {
    const client = await connectDaemon(store);
    const port = await freePort();
    const status = track(await client.startService({ name: 'tcp-one', type: 'process', command: process.execPath, args: [script], env: { PORT: String(port) }, health: { tcp: { port }, intervalMs: 100 } }));
    assert.equal(status.state, 'healthy', status.detail);
    await stopDaemon(store);
    assert.ok(isAlive(status.pid as number), 'the service outlived the daemon');
    const again = await connectDaemon(store);
    const adopted = await again.serviceStatus({ name: 'tcp-one' });
    assert.equal(adopted.pid, status.pid);
    assert.equal(adopted.state, 'healthy');
    assert.equal((await again.stopService({ name: 'tcp-one' })).state, 'stopped');
  });

  it('rejects bad specs with the field named, unknown types and unknown names', async () => {
    const client = await connectDaemon(store);
    await assert.rejects(client.startService({ name: 'x', type: 'docker', command: 'run' } as never), (e: Error) => answerStatus(e) === 400 && /unknown service type "docker" \(known: process\)/.test(e.message));
    await assert.rejects(
      client.startService({ name: 'x', type: 'process', command: 'node', health: { http: { url: 'http://10.1.2.3/health' } } }),
      (e: Error) => answerStatus(e) === 400 && /^health\.http\.url: only loopback addresses can be monitored/.test(e.message),
    );
    await assert.rejects(client.startService({ name: 'bad name!', type: 'process', command: 'node' }), (e: Error) => answerStatus(e) === 400 && /^name: /.test(e.message));
    await assert.rejects(client.stopService({ name: 'ghost' }), (e: Error) => answerStatus(e) === 404 && /no service named "ghost"/.test(e.message));
    const cliError = await cli(['--store', store, 'services', 'stop', 'ghost']);
    assert.equal(cliError.code, 2);
    assert.match(cliError.stderr, /no service named "ghost"/);
  });
});
