// The worker's wire (api/keepAliveHttp.ts) over real sockets on loopback: calls share kept
// connections; a kept connection the server closes as a request arrives on it is not a failure
// (the request is sent again on a new one); a server that never answers fails the call at the
// timeout, naming it; a refused connection fails with the system's code.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { answerText, keepAliveSender, RequestTimeout } from '../../../runtime/src/api/keepAliveHttp';

const servers: net.Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

async function listening(server: net.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const get = { method: 'GET', headers: {} };

describe('the keep-alive wire', () => {
  it('sends calls over one kept connection, bodies both ways', async () => {
    const connections: net.Socket[] = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => response.end(`${request.method} ${request.url} ${body}`));
    });
    server.on('connection', (socket) => connections.push(socket));
    const base = await listening(server);
    const send = keepAliveSender();
    for (let i = 0; i < 5; i++) {
      const answer = await send(`${base}/call/${i}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `body ${i}` }, 5000);
      assert.equal(answer.statusCode, 200);
      assert.equal(await answerText(answer), `POST /call/${i} body ${i}`);
    }
    assert.equal(connections.length, 1, 'one connection for the five calls');
  });

  it('sends a request again on a new connection when the server closes the kept one as the request arrives', async () => {
    let served = 0;
    let connections = 0;
    // By hand: the first request of each connection is answered (keep-alive), the second is read and the connection closed unanswered.
    const server = net.createServer((socket) => {
      connections += 1;
      let requests = 0;
      socket.on('data', (chunk) => {
        if (!chunk.includes('\r\n\r\n')) return;
        requests += 1;
        if (requests === 1) {
          served += 1;
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: keep-alive\r\n\r\nserved`);
        } else socket.end();
      });
    });
    const base = await listening(server);
    const send = keepAliveSender();
    assert.equal(await answerText(await send(`${base}/first`, get, 5000)), 'served');
    // Sent on the kept connection, which the server closes: answered on a second one.
    const again = await send(`${base}/second`, get, 5000);
    assert.equal(await answerText(again), 'served');
    assert.equal(served, 2);
    assert.equal(connections, 2);
  });

  it('fails a call the server never answers at its timeout, naming the URL and the timeout', async () => {
    const server = net.createServer(() => undefined);
    const base = await listening(server);
    const started = Date.now();
    await assert.rejects(keepAliveSender()(`${base}/silent`, get, 300), (error: Error) => {
      assert.ok(error instanceof RequestTimeout, String(error));
      assert.equal(error.message, `no answer from ${base}/silent within 300 ms`);
      return true;
    });
    assert.ok(Date.now() - started >= 290, `failed after ${Date.now() - started} ms`);
  });

  it('fails a call to a port nobody listens on with the system code', async () => {
    const server = net.createServer();
    const base = await listening(server);
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    await assert.rejects(keepAliveSender()(`${base}/closed`, get, 5000), { code: 'ECONNREFUSED' });
  });
});
