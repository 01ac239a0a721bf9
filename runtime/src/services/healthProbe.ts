import * as http from 'node:http';
import * as net from 'node:net';
import type { ServiceSpec } from './serviceSpec';

export interface HealthResult {
  ok: boolean;
  at: number;
  detail: string;
}

/** One probe of a service's health endpoint (HTTP status or TCP connect), bounded by its timeout. */
export function probe(health: NonNullable<ServiceSpec['health']>): Promise<HealthResult> {
  const at = Date.now();
  if (health.http) {
    const { url, expectStatus } = health.http;
    return new Promise((resolve) => {
      const request = http.get(url, { timeout: health.timeoutMs }, (response) => {
        response.resume();
        const ok = response.statusCode === expectStatus;
        resolve({ ok, at, detail: `GET ${url} answered ${response.statusCode}${ok ? '' : ` (expected ${expectStatus})`}` });
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${health.timeoutMs} ms`)));
      request.on('error', (error) => resolve({ ok: false, at, detail: `GET ${url} failed: ${error.message}` }));
    });
  }
  if (health.tcp) {
    const { host, port } = health.tcp;
    return new Promise((resolve) => {
      const socket = net.connect({ host, port, timeout: health.timeoutMs });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ ok: true, at, detail: `${host}:${port} accepts connections` });
      });
      socket.once('timeout', () => socket.destroy(new Error(`no connection within ${health.timeoutMs} ms`)));
      socket.once('error', (error) => resolve({ ok: false, at, detail: `${host}:${port}: ${error.message}` }));
    });
  }
  return Promise.resolve({ ok: true, at, detail: 'no health check configured' });
}
