/**
 * The client sends a request again while the daemons of a shared store change leader: any
 * request answered 503 `no-leader` (it was not done), and, answered 502 `leader-lost` (it may have
 * been), only a read or a submit, which names its run id so that the second answers the first's
 * run. Against a real HTTP server on loopback that answers as a replica would.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OrchestratorClient } from '../../../runtime/src/api/client';
import { API_PREFIX } from '../../../runtime/src/api/paths';
import { LeaderLostError, NoLeaderError } from '../../../runtime/src/model/errorCodes';

interface Seen {
  method: string;
  url: string;
  body: Record<string, unknown>;
}

describe('a client while the leader changes', () => {
  let server: http.Server;
  let client: OrchestratorClient;
  let seen: Seen[];
  /** What the next requests are answered, one a request; past the list, the last one again. */
  let answers: { status: number; body: unknown }[];

  before(async () => {
    server = http.createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      request.on('end', () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        const answer = answers[Math.min(seen.length, answers.length) - 1]!;
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new OrchestratorClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token');
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    seen = [];
  });

  const noLeader = { status: 503, body: { error: 'this daemon is a replica: it has no leader to forward to', code: 'no-leader' } };
  const leaderLost = { status: 502, body: { error: 'its leader went away before it answered: whether it was done is not known', code: 'leader-lost' } };
  const submit = { file: 'p.ts', target: { kind: 'pipeline' as const, name: 'p' }, bundle: 'module.exports = {}' };

  it('sends any request answered no-leader again until a leader answers', async () => {
    answers = [noLeader, noLeader, { status: 202, body: { cancelling: 'r1' } }];
    assert.deepEqual(await client.cancelRun({ run: 'r1' }), { cancelling: 'r1' });
    assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), Array(3).fill(`POST ${API_PREFIX}/runs/r1/cancel`));
  });

  it('sends a submit answered leader-lost again with the same run id, which it chose itself', async () => {
    answers = [leaderLost, { status: 201, body: { runId: 'made' } }];
    await client.submitRun(submit);
    assert.equal(seen.length, 2);
    const [first, second] = seen.map((s) => s.body.runId);
    assert.match(String(first), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(second, first);
  });

  it('keeps a run id the caller chose', async () => {
    answers = [{ status: 201, body: { runId: 'made' } }];
    const runId = '0b6f3c0e-7d1a-4c55-9a37-2f4f3c1d9e01';
    await client.submitRun({ ...submit, runId });
    assert.equal(seen[0]?.body.runId, runId);
  });

  it('never sends a cancel answered leader-lost again: it may have been done', async () => {
    answers = [leaderLost, { status: 202, body: { cancelling: 'r1' } }];
    await assert.rejects(client.cancelRun({ run: 'r1' }), (error: Error) => error instanceof LeaderLostError && /whether it was done is not known/.test(error.message));
    assert.equal(seen.length, 1);
  });

  it('gives up after its patience, with the replica\'s words', async () => {
    answers = [noLeader];
    const startedAt = Date.now();
    await assert.rejects(client.listWorkers({}, { leaderPatienceMs: 500 }), (error: Error) => error instanceof NoLeaderError && /no leader to forward to/.test(error.message));
    const tookMs = Date.now() - startedAt;
    assert.ok(seen.length >= 3, `it tried ${seen.length} times`);
    assert.ok(tookMs < 2000, `it gave up after ${tookMs} ms`);
  });

  it('never sends again what was refused for itself', async () => {
    answers = [{ status: 404, body: { error: 'no run with id r1', code: 'not-found' } }];
    await assert.rejects(client.cancelRun({ run: 'r1' }), /no run with id r1/);
    assert.equal(seen.length, 1);
  });
});
