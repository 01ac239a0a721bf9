/**
 * Runs in a worker thread of each runner, so a step that blocks the event loop still beats.
 * Renews the current attempt's lease every interval, the first time one interval after the start; when the server refuses (the attempt was
 * fenced or must stop) or the lease cannot be renewed for the timeout, it kills the whole
 * runner at once, so nothing of the attempt is ever published.
 */
import * as http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { HeartbeatCommand } from '../model/heartbeatProtocol';

const lastOkAt = new Float64Array(workerData.shared as SharedArrayBuffer);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let current: Extract<HeartbeatCommand, { type: 'start' }> | undefined;
let timer: NodeJS.Timeout | undefined;
let generation = 0;

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function schedule(delayMs: number, forGeneration: number): void {
  timer = setTimeout(() => void beat(forGeneration), delayMs);
}

async function beat(forGeneration: number): Promise<void> {
  const lease = current;
  if (!lease || forGeneration !== generation) return;
  // Resumed after a freeze (SIGSTOP, a suspended laptop) past the timeout: the attempt has been
  // replaced, so stop before asking anyone.
  if (Date.now() - lastOkAt[0] > lease.timeoutMs) die();
  const answer = await post(lease).catch(() => undefined);
  if (forGeneration !== generation) return;
  if (answer === 'stop') die();
  if (answer === 'ok') lastOkAt[0] = Date.now();
  else if (Date.now() - lastOkAt[0] > lease.timeoutMs) die();
  schedule(lease.intervalMs, forGeneration);
}

function post(lease: Extract<HeartbeatCommand, { type: 'start' }>): Promise<'ok' | 'stop' | 'error'> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ runId: lease.runId, invocationId: lease.invocationId, attempt: lease.attempt });
    const request = http.request(
      lease.url,
      {
        method: 'POST',
        agent,
        timeout: Math.max(100, lease.intervalMs),
        headers: { authorization: `Bearer ${lease.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode === 409) return resolve('stop');
          if (response.statusCode !== 200) return resolve('error');
          try {
            resolve((JSON.parse(text) as { stop?: boolean }).stop ? 'stop' : 'ok');
          } catch {
            resolve('error');
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('heartbeat timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

parentPort?.on('message', (command: HeartbeatCommand) => {
  generation += 1;
  if (timer) clearTimeout(timer);
  if (command.type === 'start') {
    current = command;
    // The grant is the first renewal: the first beat is due one interval later, so a step that
    // ends sooner (most do) costs no request at all.
    lastOkAt[0] = Date.now();
    schedule(command.intervalMs, generation);
  } else {
    current = undefined;
  }
});
