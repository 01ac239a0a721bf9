import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { probeHealth } from '../../../runtime/src/services/healthProbe';
import { processIdentity, isSameProcess, groupHasLiveMembers } from '../../../runtime/src/services/processGroups';
import { freePort } from '../../support/freePort';

const servers: net.Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const timing = { intervalMs: 1000, timeoutMs: 300 };

describe('health probes on loopback', () => {
  it('HTTP: the expected status is healthy, any other is not, and a silent server times out', async () => {
    let status = 200;
    const sockets = new Set<net.Socket>();
    const server = http.createServer((request, response) => {
      if (request.url === '/hang') return;
      response.writeHead(status).end();
    });
    server.on('connection', (socket) => sockets.add(socket));
    after(() => sockets.forEach((socket) => socket.destroy()));
    const port = await listen(server);
    const url = `http://127.0.0.1:${port}/health`;

    const ok = await probeHealth({ http: { url, expectStatus: 200 }, ...timing });
    assert.equal(ok.ok, true);
    assert.equal(ok.detail, `GET ${url} answered 200`);
    assert.ok(!Number.isNaN(Date.parse(ok.at)));
    status = 503;
    assert.deepEqual((({ ok, detail }) => ({ ok, detail }))(await probeHealth({ http: { url, expectStatus: 200 }, ...timing })), {
      ok: false,
      detail: `GET ${url} answered 503 (expected 200)`,
    });
    assert.equal((await probeHealth({ http: { url, expectStatus: 503 }, ...timing })).ok, true);

    const begun = Date.now();
    const hung = await probeHealth({ http: { url: `http://127.0.0.1:${port}/hang`, expectStatus: 200 }, ...timing });
    assert.equal(hung.ok, false);
    assert.match(hung.detail, /no answer within 300 ms/);
    assert.ok(Date.now() - begun < 2000);
  });

  it('HTTP and TCP: nobody listening is unhealthy, with the reason', async () => {
    const port = await freePort();
    const httpResult = await probeHealth({ http: { url: `http://127.0.0.1:${port}/`, expectStatus: 200 }, ...timing });
    assert.equal(httpResult.ok, false);
    assert.match(httpResult.detail, /failed: connect ECONNREFUSED/);
    const tcpResult = await probeHealth({ tcp: { host: '127.0.0.1', port }, ...timing });
    assert.equal(tcpResult.ok, false);
    assert.match(tcpResult.detail, new RegExp(`^TCP 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
  });

  it('TCP: a listening port is healthy', async () => {
    const port = await listen(net.createServer((socket) => socket.destroy()));
    const result = await probeHealth({ tcp: { host: '127.0.0.1', port }, ...timing });
    assert.deepEqual([result.ok, result.detail], [true, `TCP 127.0.0.1:${port} accepts connections`]);
  });
});

describe('process identity', () => {
  it('knows this process, and no process behind an impossible pid', () => {
    const identity = processIdentity(process.pid);
    assert.match(identity ?? '', /^[^/]+\/\d+$/);
    assert.equal(isSameProcess(process.pid, identity), true);
    assert.equal(isSameProcess(process.pid, `${identity}0`), false);
    assert.equal(isSameProcess(process.pid, null), false);
    for (const pid of [0, -1, 1.5, 2 ** 31]) assert.equal(processIdentity(pid), null);
    assert.equal(groupHasLiveMembers(2 ** 30), false);
  });
});
