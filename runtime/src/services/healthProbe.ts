import * as http from 'node:http';
import * as net from 'node:net';
import type { HealthSpec } from './serviceSpec';

/** The outcome of one health probe. */
export interface HealthResult {
  ok: boolean;
  /** When the probe started (ISO 8601). */
  at: string;
  /** What was seen, e.g. `GET http://127.0.0.1:8080/health answered 503 (expected 200)`. */
  detail: string;
}

/**
 * Probes a service once: an HTTP GET that must answer `expectStatus` (redirects are not
 * followed), or a TCP connect. Never rejects, and settles within `timeoutMs` whatever the peer does.
 */
export function probeHealth(health: HealthSpec): Promise<HealthResult> {
  const at = new Date().toISOString();
  if (health.http) return probeHttp(health.http.url, health.http.expectStatus, health.timeoutMs, at);
  if (health.tcp) return probeTcp(health.tcp.host, health.tcp.port, health.timeoutMs, at);
  return Promise.resolve({ ok: true, at, detail: 'no health check configured' });
}

function probeHttp(url: string, expectStatus: number, timeoutMs: number, at: string): Promise<HealthResult> {
  return new Promise((resolve) => {
    let request: http.ClientRequest | undefined;
    const settle = once((ok: boolean, detail: string) => {
      clearTimeout(timer);
      request?.destroy();
      resolve({ ok, at, detail });
    });
    const timer = setTimeout(() => settle(false, `GET ${url}: no answer within ${timeoutMs} ms`), timeoutMs);
    try {
      // No keep-alive agent: a pooled socket would outlive the probe and keep the service busy.
      request = http.get(url, { agent: false, headers: { connection: 'close' } }, (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        settle(status === expectStatus, `GET ${url} answered ${status}${status === expectStatus ? '' : ` (expected ${expectStatus})`}`);
      });
      request.on('error', (error) => settle(false, `GET ${url} failed: ${error.message}`));
    } catch (error) {
      settle(false, `GET ${url} failed: ${(error as Error).message}`);
    }
  });
}

function probeTcp(host: string, port: number, timeoutMs: number, at: string): Promise<HealthResult> {
  return new Promise((resolve) => {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const socket = net.connect({ host, port });
    const settle = once((ok: boolean, detail: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, at, detail });
    });
    const timer = setTimeout(() => settle(false, `TCP ${where}: no connection within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => settle(true, `TCP ${where} accepts connections`));
    socket.once('error', (error) => settle(false, `TCP ${where}: ${error.message}`));
  });
}

function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let done = false;
  return (...args) => {
    if (done) return;
    done = true;
    fn(...args);
  };
}
