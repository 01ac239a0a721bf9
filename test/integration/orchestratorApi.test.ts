import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { encodeStructured } from '../../runtime/src/artifacts/structured';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { answerStatus, OrchestratorClient } from '../../runtime/src/api/client';
import type { StreamEvent } from '../../runtime/src/api/protocol';
import { connectDaemon, daemonStatus, startDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { runCount } from '../support/cliWorkflow';
import { fixture, tempDir } from '../support/tempDir';

async function raw(url: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: { error?: string } }> {
  const headers: Record<string, string> = { ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }), ...((init.headers as Record<string, string>) ?? {}) };
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  let body: { error?: string } = {};
  try {
    body = JSON.parse(text) as { error?: string };
  } catch {
    body = { error: text };
  }
  return { status: response.status, body };
}

describe('the orchestrator daemon and its API', () => {
  const store = path.join(tempDir(), 'store');

  it('starts as a daemon with an owner-only token and reports its states', async () => {
    assert.equal((await daemonStatus(store)).state, 'inactive');
    const status = await startDaemon(store);
    assert.equal(status.state, 'active');
    const files = daemonFiles(store);
    assert.equal(fs.statSync(files.token).mode & 0o777, 0o600);
    assert.equal(fs.statSync(files.log).mode & 0o777, 0o600);
    // Starting again finds the same daemon instead of a second one.
    assert.equal((await startDaemon(store)).pid, status.pid);
  });

  it('never mistakes a stale or reused pid for the daemon', async () => {
    const dir = tempDir();
    const other = path.join(dir, 'store');
    const files = daemonFiles(other);
    fs.mkdirSync(files.dir, { recursive: true });
    // This test process is alive but is not a daemon: its pid must not count.
    fs.writeFileSync(files.pid, String(process.pid));
    assert.equal((await daemonStatus(other)).state, 'inactive');
    fs.writeFileSync(files.pid, '999999999');
    assert.equal((await daemonStatus(other)).state, 'inactive');
  });

  it('answers unauthenticated, malformed, oversized and unknown requests with a clear 4xx and no state change', async () => {
    const client = await connectDaemon(store);
    const base = client.baseUrl;
    const token = fs.readFileSync(daemonFiles(store).token, 'utf8');
    const before = await runCount(store);
    assert.equal((await raw(`${base}/v1/runs`)).status, 401);
    assert.equal((await raw(`${base}/v1/runs`, { token: 'wrong' })).status, 401);
    assert.equal((await raw(`${base}/v1/health`)).status, 401);
    const notJson = await raw(`${base}/v1/runs`, { method: 'POST', token, body: '{"file":', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error ?? '', /not valid JSON/);
    const missing = await raw(`${base}/v1/runs`, { method: 'POST', token, body: JSON.stringify({ file: 'x.ts' }) });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error ?? '', /^target: /);
    const extra = await raw(`${base}/v1/runs`, { method: 'POST', token, body: JSON.stringify({ file: 'x', target: { kind: 'pipeline', name: 'p' }, bundle: 'x', surprise: 1 }) });
    assert.equal(extra.status, 400);
    const badOption = await raw(`${base}/v1/runs`, { method: 'POST', token, body: JSON.stringify({ file: 'x', target: { kind: 'pipeline', name: 'p' }, bundle: 'x', options: { executionMode: 'sometimes' } }) });
    assert.equal(badOption.status, 400);
    assert.match(badOption.body.error ?? '', /options\.executionMode/);
    const huge = await raw(`${base}/v1/runs`, { method: 'POST', token, body: 'x'.repeat(33 * 1024 * 1024) });
    assert.equal(huge.status, 413);
    const brokenBundle = await raw(`${base}/v1/runs`, { method: 'POST', token, body: JSON.stringify({ file: 'x.ts', target: { kind: 'pipeline', name: 'p' }, bundle: 'throw new Error("bad bundle")' }) });
    assert.equal(brokenBundle.status, 422);
    assert.match(brokenBundle.body.error ?? '', /bad bundle/);
    assert.equal((await raw(`${base}/v1/nowhere`, { token })).status, 404);
    assert.equal((await raw(`${base}/v2/runs`, { token })).status, 404);
    assert.equal((await raw(`${base}/v1/runs/no-such-run`, { token })).status, 404);
    assert.equal((await raw(`${base}/v1/health`, { method: 'DELETE', token })).status, 405);
    assert.equal((await raw(`${base}/v1/runs?limit=-4`, { token })).status, 400);
    const beat = await raw(`${base}/v1/heartbeats`, { method: 'POST', token, body: JSON.stringify({ runId: 'r', invocationId: 'x', attempt: 0 }) });
    assert.equal(beat.status, 400);
    const fenced = await raw(`${base}/v1/heartbeats`, { method: 'POST', token, body: JSON.stringify({ runId: 'r', invocationId: 'x', attempt: 1 }) });
    assert.equal(fenced.status, 409);
    assert.equal(await runCount(store), before, 'no run was created');
    assert.equal((await daemonStatus(store)).state, 'active');
  });

  it('runs a submitted bundle, streams its events and resumes the stream after a reconnect without missing any', async () => {
    const client = await connectDaemon(store);
    const bundle = await bundlePipelineFile(fixture('pipelines', 'basics.ts'), store);
    const run = await client.submitRun({
      file: 'basics.ts',
      target: { kind: 'pipeline', name: 'basics' },
      parameters: encodeStructured({ count: 6 }) as Record<string, unknown>,
      options: { enableCache: false },
      bundle: fs.readFileSync(bundle.path, 'utf8'),
    });
    // Read a few events, drop the connection, then resume from the last one seen.
    const first: StreamEvent[] = [];
    await client.follow((event) => {
      first.push(event);
      return first.length === 3;
    }, { runId: run.runId });
    const rest: StreamEvent[] = [];
    await client.follow(
      (event) => {
        rest.push(event);
        return event.type === 'run' && (event.data as { status: string }).status !== 'running';
      },
      { runId: run.runId, since: first.at(-1)?.seq },
    );
    const all = [...first, ...rest];
    const seqs = all.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
    const everything: StreamEvent[] = [];
    await client.follow((event) => {
      everything.push(event);
      return event.seq === seqs.at(-1);
    }, { runId: run.runId });
    assert.deepEqual(everything.map((e) => e.seq), seqs, 'nothing missed across the reconnect');
    const detail = await client.getRun({ run: run.runId });
    assert.equal(detail.status, 'completed');
    assert.deepEqual(Object.keys(detail.attempts).sort(), detail.steps.map((s) => s.id).sort());
    const logs = await client.logs({ run: run.runId, step: 'makeRows' });
    assert.match(logs.map((l) => l.text).join(''), /making 6 rows/);
    const artifact = await client.artifact({ run: run.runId, step: 'combine' });
    assert.equal(artifact.materializer, 'json@1');
    assert.equal(artifact.bytes.toString(), String((1 + 2 + 3 + 5) * 6));
    await assert.rejects(client.cancelRun({ run: run.runId }), (error: unknown) => answerStatus(error) === 409);
  });

  it('answers malformed paths and queries with a valid token with a 4xx and a stable error code, never a 500', async () => {
    const client = await connectDaemon(store);
    const base = client.baseUrl;
    const token = fs.readFileSync(daemonFiles(store).token, 'utf8');
    const [run] = await client.listRuns({ limit: 1 });
    assert.ok(run, 'the previous test left a run');
    const constructorOutput = await raw(`${base}/v1/runs/${run.runId}/artifacts/makeRows/constructor`, { token });
    assert.equal(constructorOutput.status, 404, constructorOutput.body.error);
    assert.equal((constructorOutput.body as { code?: string }).code, 'not-found');
    const badEscape = await raw(`${base}/v1/runs/%E0%A4%A`, { token });
    assert.equal(badEscape.status, 400, badEscape.body.error);
    assert.match(badEscape.body.error ?? '', /not valid percent-encoded UTF-8/);
    assert.equal((badEscape.body as { code?: string }).code, 'invalid-input');
    const negativeTail = await raw(`${base}/v1/services/model/logs?tail=-5`, { token });
    assert.equal(negativeTail.status, 400, negativeTail.body.error);
    assert.match(negativeTail.body.error ?? '', /tail must be an integer/);
    // A small fuzz over the routes, with hostile segments and query values.
    const segments = ['runs', 'services', 'health', 'artifacts', 'logs', 'cancel', 'retry', 'stop', run.runId, run.runName, run.runId.slice(0, 4), 'makeRows', 'output',
      'constructor', '__proto__', 'toString', 'hasOwnProperty', '%E0%A4%A', '%', '%00', '%2F', '%2e%2e', '..', '%FF%FE', 'x'.repeat(3000), '%F0%9F%92%A5', "'; DROP TABLE runs;--"];
    const queries = ['', '?limit=-5', '?limit=abc', '?limit=1e99', '?attempt=0', '?attempt=NaN', '?step=%E0', '?tail=-5', '?tail=1.5', '?tail=99999999999999999999', '?since=-1', '?pipeline=__proto__', '?step=constructor&attempt=1', '?%=%'];
    let seed = 7;
    const pick = <T>(items: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return items[seed % items.length];
    };
    for (let i = 0; i < 300; i++) {
      const depth = 1 + (i % 4);
      const route = Array.from({ length: depth }, (_, n) => (n === 0 ? pick(['runs', 'runs', 'services', 'health', 'runner-results', 'heartbeats', pick(segments)]) : pick(segments))).join('/');
      const method = pick(['GET', 'GET', 'GET', 'DELETE', 'PUT', 'POST']);
      const url = `${base}/v1/${route}${pick(queries)}`;
      // POSTs carry a body that is malformed one way or another.
      const body = method === 'POST' ? pick(['{', '[]', '{"step":7}', '{"file":"x"}', 'null', '"x"', '{"runId":"r","invocationId":"i","attempt":1,"reply":{"type":"executed"}}']) : undefined;
      const answer = await raw(url, { method, token, body });
      assert.ok(answer.status >= 400 && answer.status < 500 || answer.status === 200 || answer.status === 201 || answer.status === 202, `${method} ${url.slice(0, 200)}: ${answer.status} ${answer.body.error}`);
    }
    assert.equal((await daemonStatus(store)).state, 'active');
  });

  it('cancels a running run through the API', async () => {
    const client = await connectDaemon(store);
    const dir = tempDir();
    const bundle = await bundlePipelineFile(fixture('pipelines', 'slow.ts'), store);
    const run = await client.submitRun({ file: 'slow.ts', target: { kind: 'pipeline', name: 'slow' }, parameters: { marker: path.join(dir, 'never') }, options: {}, bundle: fs.readFileSync(bundle.path, 'utf8') });
    await client.follow((event) => event.type === 'log', { runId: run.runId });
    await client.cancelRun({ run: run.runId });
    await client.follow((event) => event.type === 'run' && (event.data as { status: string }).status === 'cancelled', { runId: run.runId });
    const detail = await client.getRun({ run: run.runId });
    assert.deepEqual(detail.steps.map((s) => s.status), ['cancelled', 'cancelled']);
  });

  it('answers a submit sent again with its run id with the run the first one made, never a second run; the same id from other code is a conflict', async () => {
    const client = await connectDaemon(store);
    const dir = tempDir();
    const bundle = await bundlePipelineFile(fixture('pipelines', 'slow.ts'), store);
    const runId = '5d0c2a8e-3f47-4b1e-9c6a-8e2d1f0b7a35';
    const request = { file: 'slow.ts', target: { kind: 'pipeline' as const, name: 'slow' }, parameters: { marker: path.join(dir, 'never') }, options: {}, bundle: fs.readFileSync(bundle.path, 'utf8'), runId };
    const before = await runCount(store);
    const first = await client.submitRun(request);
    const again = await client.submitRun(request);
    assert.equal(first.runId, runId);
    assert.deepEqual([again.runId, again.runName], [first.runId, first.runName]);
    assert.equal(await runCount(store), before + 1, 'one run was made');
    const other = await bundlePipelineFile(fixture('pipelines', 'basics.ts'), store);
    await assert.rejects(client.submitRun({ ...request, file: 'basics.ts', target: { kind: 'pipeline', name: 'basics' }, bundle: fs.readFileSync(other.path, 'utf8') }), (error: Error) => answerStatus(error) === 409 && new RegExp(`run id ${runId} is taken by run ${first.runName}`).test(error.message));
    await client.cancelRun({ run: runId });
    await client.follow((event) => event.type === 'run' && (event.data as { status: string }).status === 'cancelled', { runId });
  });

  it('stops, and then refuses connections', async () => {
    const { url } = await daemonStatus(store);
    assert.equal((await stopDaemon(store)).state, 'inactive');
    assert.equal((await daemonStatus(store)).state, 'inactive');
    const token = fs.readFileSync(daemonFiles(store).token, 'utf8');
    await assert.rejects(new OrchestratorClient(url ?? '', token).health());
  });
});
