// Load generator for the heartbeat benchmark, run in a worker thread so it does not share the
// server's event loop: keep-alive clients POST heartbeats until the deadline, then report the count.
import * as http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, clients, ms, attempts, runId } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const deadline = Date.now() + ms;
let done = 0;
let failed = 0;

function one(i) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ runId, invocationId: `s${i % attempts}`, attempt: 1 });
    const request = http.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 200) done++;
        else failed++;
        resolve();
      });
    });
    request.on('error', () => {
      failed++;
      resolve();
    });
    request.end(body);
  });
}

const started = Date.now();
await Promise.all(
  Array.from({ length: clients }, async (_, client) => {
    let i = client;
    while (Date.now() < deadline) await one((i += clients));
  }),
);
agent.destroy();
parentPort.postMessage({ done, failed, seconds: (Date.now() - started) / 1000 });
