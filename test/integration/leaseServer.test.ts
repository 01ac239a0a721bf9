// The in-process lease server serves the daemon's heartbeat route (one definition, one schema):
// the same token check, validation, body limit and answers, over real HTTP on loopback.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LeaseServer } from '../../runtime/src/engine/leaseServer';
import type { HeartbeatRequest } from '../../runtime/src/model/heartbeatProtocol';

describe('the in-process lease server', () => {
  const seen: HeartbeatRequest[] = [];
  const server = LeaseServer.start((request) => {
    seen.push(request);
    if (request.attempt === 1) return { fenced: false, stop: request.invocationId === 'finish' };
    return { fenced: true, reason: `attempt ${request.attempt} is not current` };
  });
  after(async () => (await server).close());

  async function beat(body: string, token?: string, url?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const lease = await server;
    const response = await fetch(url ?? lease.url, { method: 'POST', headers: { authorization: `Bearer ${token ?? lease.token}`, 'content-type': 'application/json' }, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('renews a current attempt (200 { ok, stop }) and fences a replaced one (409, code fenced, stop)', async () => {
    assert.deepEqual(await beat(JSON.stringify({ runId: 'r', invocationId: 'a', attempt: 1 })), { status: 200, body: { ok: true, stop: false } });
    assert.deepEqual(await beat(JSON.stringify({ runId: 'r', invocationId: 'finish', attempt: 1 })), { status: 200, body: { ok: true, stop: true } });
    const fenced = await beat(JSON.stringify({ runId: 'r', invocationId: 'a', attempt: 2 }));
    assert.deepEqual(fenced, { status: 409, body: { error: 'attempt 2 is not current', code: 'fenced', stop: true, reason: 'attempt 2 is not current' } });
  });

  it('refuses a wrong token, a malformed or oversized body and other routes without asking the engine', async () => {
    const before = seen.length;
    assert.deepEqual((await beat(JSON.stringify({ runId: 'r', invocationId: 'a', attempt: 1 }), 'wrong')).body.code, 'unauthorized');
    const invalid = await beat(JSON.stringify({ runId: 'r', invocationId: 'a', attempt: 0 }));
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.code, 'invalid-input');
    assert.match(String(invalid.body.error), /^attempt: /);
    assert.equal((await beat('{"runId":')).status, 400);
    assert.equal((await beat(JSON.stringify({ runId: 'r', invocationId: 'x'.repeat(5000), attempt: 1 }))).status, 413);
    const elsewhere = (await server).url.replace('/heartbeats', '/runs');
    assert.equal((await beat('{}', undefined, elsewhere)).status, 404);
    assert.equal(seen.length, before, 'the engine heard none of these');
  });
});
