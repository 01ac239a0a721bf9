import { timingSafeEqual, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { HeartbeatRequest } from '../model/heartbeatProtocol';

const heartbeatSchema = z.strictObject({
  runId: z.string().min(1).max(100),
  invocationId: z.string().min(1).max(500),
  attempt: z.number().int().min(1),
});

export type HeartbeatHandler = (request: HeartbeatRequest) => { status: 200; body: { ok: true; stop: boolean } } | { status: 409; body: { stop: true; reason: string } };

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The loopback endpoint runners renew leases at when the engine runs in-process (the daemon
 * serves the same route). It needs a bearer token even on loopback.
 */
export class LeaseServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly token: string,
  ) {}

  static async start(handle: HeartbeatHandler): Promise<LeaseServer> {
    const token = randomBytes(24).toString('base64url');
    const server = http.createServer((request, response) => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || request.url !== '/v1/heartbeats') return reply(404, { error: 'not found' });
      if (!bearerMatches(request.headers.authorization, token)) return reply(401, { error: 'missing or wrong bearer token' });
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > 4096) request.destroy();
      });
      request.on('end', () => {
        let parsed: HeartbeatRequest;
        try {
          parsed = heartbeatSchema.parse(JSON.parse(text));
        } catch {
          return reply(400, { error: 'body must be {"runId", "invocationId", "attempt"}' });
        }
        const answer = handle(parsed);
        reply(answer.status, answer.body);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return new LeaseServer(server, `http://127.0.0.1:${port}/v1/heartbeats`, token);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
