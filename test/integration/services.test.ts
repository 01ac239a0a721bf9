import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ApiError } from '../../runtime/src/server/apiClient';
import { connectDaemon, stopDaemon } from '../../runtime/src/server/daemonControl';
import { ServiceManager } from '../../runtime/src/services/serviceManager';
import { cli } from '../support/cli';
import { freePort } from '../support/freePort';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, waitFor } from '../support/waitFor';

const script = fixture('services', 'healthServer.js');

describe('long-lived services on the daemon', () => {
  const store = path.join(tempDir(), 'store');
  const started: number[] = [];
  after(() => {
    for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('starts a service, waits until healthy, captures its output, notices it turn unhealthy, stops it', async () => {
    const client = await connectDaemon(store);
    const port = await freePort();
    const status = await client.startService({
      name: 'model-server',
      type: 'process',
      command: process.execPath,
      args: [script],
      env: { PORT: String(port) },
      health: { http: { url: `http://127.0.0.1:${port}/health` }, intervalMs: 100 },
    });
    assert.equal(status.state, 'healthy', status.detail);
    assert.ok(status.pid);
    started.push(status.pid as number);
    assert.match((await client.serviceLogs('model-server')).text, new RegExp(`service listening on ${port}`));
    await fetch(`http://127.0.0.1:${port}/break`);
    const deadline = Date.now() + 10_000;
    let seen = '';
    while (seen !== 'unhealthy' && Date.now() < deadline) seen = (await client.serviceStatus('model-server')).state;
    assert.equal(seen, 'unhealthy');
    const listed = await cli(['--store', store, 'services', 'list', '--json']);
    assert.deepEqual(JSON.parse(listed.stdout).map((s: { name: string }) => s.name), ['model-server']);
    const stopped = await client.stopService('model-server');
    assert.equal(stopped.state, 'stopped');
    assert.equal(isAlive(status.pid as number), false);
    assert.match((await client.serviceLogs('model-server')).text, /service stopping/);
  });

  it('monitors TCP, and a service outlives a daemon restart and is adopted by the next one', async () => {
    const client = await connectDaemon(store);
    const port = await freePort();
    const status = await client.startService({ name: 'tcp-one', type: 'process', command: process.execPath, args: [script], env: { PORT: String(port) }, health: { tcp: { port }, intervalMs: 100 } });
    assert.equal(status.state, 'healthy', status.detail);
    started.push(status.pid as number);
    await stopDaemon(store);
    assert.ok(isAlive(status.pid as number), 'the service outlived the daemon');
    const again = await connectDaemon(store);
    const adopted = await again.serviceStatus('tcp-one');
    assert.equal(adopted.pid, status.pid);
    assert.notEqual(adopted.state, 'exited');
    assert.equal((await again.stopService('tcp-one')).state, 'stopped');
  });

  it('rejects bad specs with the field named, unknown types and unknown names', async () => {
    const client = await connectDaemon(store);
    await assert.rejects(client.startService({ name: 'x', type: 'docker', command: 'run' }), (e: ApiError) => e.status === 400 && /unknown service type "docker" \(known: process\)/.test(e.message));
    await assert.rejects(
      client.startService({ name: 'x', type: 'process', command: 'node', health: { http: { url: 'http://10.1.2.3/health' } } } as never),
      (e: ApiError) => e.status === 400 && /^health\.http\.url: only loopback addresses can be monitored/.test(e.message),
    );
    await assert.rejects(client.startService({ name: 'bad name!', type: 'process', command: 'node' }), (e: ApiError) => e.status === 400 && /^name: /.test(e.message));
    await assert.rejects(client.stopService('ghost'), (e: ApiError) => e.status === 404 && /no service named "ghost"/.test(e.message));
    const cliError = await cli(['--store', store, 'services', 'stop', 'ghost']);
    assert.equal(cliError.code, 2);
    assert.match(cliError.stderr, /no service named "ghost"/);
  });

  it('a service that never becomes healthy fails with the end of its log', async () => {
    const client = await connectDaemon(store);
    const port = await freePort();
    const status = await client.startService({ name: 'deaf', type: 'process', command: process.execPath, args: ['-e', 'console.log("not listening"); setInterval(() => {}, 1000)'], health: { tcp: { port }, intervalMs: 100 }, startTimeoutMs: 700 });
    assert.equal(status.state, 'failed');
    assert.match(status.detail ?? '', /not healthy within 700 ms[\s\S]*not listening/);
    if (status.pid) assert.equal(await waitFor('the failed service to be gone', () => !isAlive(status.pid as number)), true);
  });
});

describe('service records', () => {
  it('never adopt a reused pid', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'services.json'),
      JSON.stringify([{ spec: { name: 'old', type: 'process', command: 'x', args: [], env: {}, startTimeoutMs: 1000 }, pid: process.pid, startTicks: '1', state: 'running', since: new Date().toISOString(), lastHealth: null }]),
    );
    const manager = new ServiceManager(dir);
    assert.equal(manager.status('old').state, 'exited');
    manager.close();
  });
});
