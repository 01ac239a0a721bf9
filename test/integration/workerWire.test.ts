// The worker wire on loopback, spoken by hand where a worker never would: a result or an upload
// from a worker that does not hold the job is refused as fenced, bytes that do not match their
// content address are refused and stored nowhere, a beat tells a worker to stop jobs it holds no
// more and to abandon the ones the engine fenced, a job's artifacts are its inputs only (its small
// ones come inside the claim's answer, except to the worker that made them), and a claim with
// nothing queued waits.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalArtifactStore } from '../../runtime/src/artifacts';
import { contentHash } from '../../runtime/src/artifacts/contentAddress';
import { createHttpApp, listenHttpApp, singleTokenCredentials, type HttpApp } from '../../runtime/src/engine/httpApp';
import type { ExecuteOutcome } from '../../runtime/src/engine/launcher';
import { pipelineTarget } from '../../runtime/src/model/runTarget';
import { ARTIFACT_BYTES_TYPE, INLINE_OUTPUT_BYTES, workerArtifactPath, type ClaimAnswer } from '../../runtime/src/model/workerProtocol';
import { RemoteLauncher } from '../../runtime/src/remote/remoteLauncher';
import { WorkerHub } from '../../runtime/src/remote/workerHub';
import { workerRoutes } from '../../runtime/src/remote/workerRoutes';
import { repoRoot, tempDir } from '../support/tempDir';
import { waitForAsync } from '../support/waitFor';

const dir = tempDir('pipewright-worker-wire-');
const token = 'worker-wire-token';
const artifactsDir = path.join(dir, 'artifacts');
const bundlePath = path.join(dir, `${'a'.repeat(64)}.cjs`);
let hub: WorkerHub;
let app: HttpApp;
let base: string;
let launcher: RemoteLauncher;

async function post(route: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/v1${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const run = { runId: 'wire-run', runName: 'wire', pipeline: 'p', target: pipelineTarget('p'), parameters: {} };
const task = (invocationId: string) => ({ run, invocationId, stepName: invocationId, attempt: 1, inputs: {}, inputTypes: {} });

before(async () => {
  hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 });
  app = createHttpApp({ prefix: '/v1', credentials: singleTokenCredentials(token) });
  workerRoutes(app, '/v1', hub, new LocalArtifactStore(artifactsDir));
  base = `http://127.0.0.1:${(await listenHttpApp(app, 0, '127.0.0.1')).port}`;
  launcher = new RemoteLauncher({ bundlePath, artifactsDir, workingDir: dir, projectDir: repoRoot }, { onLog: () => undefined, onChildRun: () => Promise.reject(new Error('none')) }, hub);
});

after(async () => {
  await launcher.close();
  hub.close();
  await app.close();
});

/** Uploads raw bytes as the worker does (`content-type` aside: a test of the refusal of another). */
async function upload(jobId: string, workerId: string, ref: { hash: string; materializer: string }, bytes: Uint8Array, type = ARTIFACT_BYTES_TYPE): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/v1${workerArtifactPath(jobId, ref, workerId)}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: bytes });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function claim(workerId: string, waitMs = 0): Promise<ClaimAnswer> {
  const answer = await post('/worker-claims', { workerId, pool: 'default', labels: {}, waitMs });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as unknown as ClaimAnswer;
}

describe('the worker wire', () => {
  it('a claim with nothing queued waits about its waitMs, then answers no job', async () => {
    const started = Date.now();
    const answer = await claim('idle', 300);
    assert.equal(answer.job, undefined);
    assert.ok(Date.now() - started >= 250, `the claim waited ${Date.now() - started} ms`);
  });

  it("refuses as fenced a result or an upload for a job another worker holds; refuses bytes that do not match their hash", async () => {
    const settled: { outcome?: ExecuteOutcome } = {};
    void launcher.execute(task('step'), () => undefined).then((outcome) => (settled.outcome = outcome));
    const job = (await claim('holder', 1000)).job;
    assert.ok(job && job.kind === 'execute', 'the attempt was claimed');
    assert.equal(job.bundleHash, 'a'.repeat(64), 'named by the bundle file hash');
    const stranger = await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'stranger', reply: { kind: 'executed', outputs: {} } });
    assert.equal(stranger.status, 409);
    assert.equal(stranger.body.code, 'fenced');
    const strangerUpload = await upload(job.jobId, 'stranger', { hash: 'b'.repeat(64), materializer: 'json' }, new Uint8Array());
    assert.equal(strangerUpload.status, 409);
    const wrong = await upload(job.jobId, 'holder', { hash: 'b'.repeat(64), materializer: 'json' }, Buffer.from('42'));
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body));
    assert.match(String(wrong.body.error), /do not match their content address/);
    const asJson = await upload(job.jobId, 'holder', { hash: 'b'.repeat(64), materializer: 'json' }, Buffer.from('42'), 'application/json');
    assert.equal(asJson.status, 400, JSON.stringify(asJson.body));
    assert.match(String(asJson.body.error), /send its bytes as application\/octet-stream/);
    assert.equal(await new LocalArtifactStore(artifactsDir).has('b'.repeat(64)), false);
    assert.equal(fs.existsSync(path.join(artifactsDir, 'bb')), false, 'nothing stored');
    assert.equal(settled.outcome, undefined, 'the attempt is still waiting for its worker');
    const accepted = await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'holder', reply: { kind: 'failed', error: { name: 'Error', message: 'x', retryable: true } } });
    assert.equal(accepted.status, 200);
    // Read anew: the assertion above narrowed it.
    assert.equal((settled.outcome as ExecuteOutcome | undefined)?.ok, false);
  });

  it("serves a job's input artifacts and no other artifact of the store, whoever asks with the job's id", async () => {
    const store = new LocalArtifactStore(artifactsDir);
    const input = await store.put({ rows: [1, 2, 3] });
    const other = await store.put({ secret: "another run's output" });
    const settled: { outcome?: ExecuteOutcome } = {};
    void launcher.execute({ ...task('reader'), inputs: { rows: { kind: 'artifact', ref: input } } }, () => undefined).then((outcome) => (settled.outcome = outcome));
    const job = (await claim('reader', 1000)).job;
    assert.ok(job && job.kind === 'execute');
    const get = async (hash: string, materializer: string) => fetch(`${base}/v1${workerArtifactPath(job.jobId, { hash, materializer })}`, { headers: { authorization: `Bearer ${token}` } });
    const served = await get(input.hash, input.materializer);
    assert.equal(served.status, 200);
    // Raw bytes, not JSON.
    assert.equal(served.headers.get('content-type'), ARTIFACT_BYTES_TYPE);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), await store.getBytes(input));
    const refused = await get(other.hash, other.materializer);
    assert.equal(refused.status, 404);
    assert.match(((await refused.json()) as { error?: string }).error ?? '', new RegExp(`job ${job.jobId} has no input artifact ${other.hash} \\(nor a child run.s output\\)`));
    assert.equal((await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'reader', reply: { kind: 'failed', error: { name: 'Error', message: 'x', retryable: true } } })).status, 200);
  });

  it("takes an output's raw bytes (tens of MB, no base64), checked as they stream in, and serves them back raw to a job that reads them", async () => {
    const settled: { outcome?: ExecuteOutcome } = {};
    void launcher.execute(task('big'), () => undefined).then((outcome) => (settled.outcome = outcome));
    const job = (await claim('uploader', 1000)).job;
    assert.ok(job && job.kind === 'execute');
    const bytes = Buffer.alloc(24 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
    const ref = { hash: contentHash('buffer@1', bytes), materializer: 'buffer@1' };
    const sent = await upload(job.jobId, 'uploader', ref, bytes);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.size, bytes.length);
    const store = new LocalArtifactStore(artifactsDir);
    assert.ok((await store.getBytes(ref)).equals(bytes), 'stored whole');
    // One flipped byte at the end: refused once the last chunk is hashed, and nothing stored.
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 1] = 1;
    const otherRef = { hash: contentHash('buffer@1', Buffer.concat([bytes, Buffer.from([0])])), materializer: 'buffer@1' };
    const refused = await upload(job.jobId, 'uploader', otherRef, damaged);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(await store.has(otherRef.hash), false);
    assert.equal((await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'uploader', reply: { kind: 'executed', outputs: { output: { ...ref, size: bytes.length, typeName: 'Buffer' } } } })).status, 200);
    await waitForAsync('the launcher to hear the result', async () => settled.outcome);

    // A job reading it as an input gets the same bytes, raw.
    void launcher.execute({ ...task('reads-big'), inputs: { data: { kind: 'artifact', ref: { ...ref, size: bytes.length, typeName: 'Buffer' } } } }, () => undefined);
    const reader = (await claim('big-reader', 1000)).job;
    assert.ok(reader && reader.kind === 'execute');
    const served = await fetch(`${base}/v1${workerArtifactPath(reader.jobId, ref)}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(served.headers.get('content-type'), ARTIFACT_BYTES_TYPE);
    assert.equal(served.headers.get('content-length'), String(bytes.length));
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(bytes));
    assert.equal((await post(`/worker-jobs/${reader.jobId}/result`, { workerId: 'big-reader', reply: { kind: 'failed', error: { name: 'Error', message: 'x', retryable: true } } })).status, 200);
  });

  it('takes small outputs inside the result (base64), checked against their content address; refuses, keeping nothing, bytes that do not match or an artifact that is none of its outputs', async () => {
    const settled: { outcome?: ExecuteOutcome } = {};
    void launcher.execute(task('inline'), () => undefined).then((outcome) => (settled.outcome = outcome));
    const job = (await claim('inliner', 1000)).job;
    assert.ok(job && job.kind === 'execute');
    const bytes = Buffer.from('"a small output"');
    const ref = { hash: contentHash('json', bytes), materializer: 'json', size: bytes.length, typeName: 'string' };
    const reply = { kind: 'executed', outputs: { output: ref } };
    const store = new LocalArtifactStore(artifactsDir);
    const damaged = await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'inliner', reply, outputs: { [ref.hash]: Buffer.from('"another output"').toString('base64') } });
    assert.equal(damaged.status, 400, JSON.stringify(damaged.body));
    assert.match(String(damaged.body.error), new RegExp(`artifact ${ref.hash}: the bytes sent do not match their content address`));
    const stranger = contentHash('json', Buffer.from('1'));
    const notAnOutput = await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'inliner', reply, outputs: { [stranger]: Buffer.from('1').toString('base64') } });
    assert.equal(notAnOutput.status, 400, JSON.stringify(notAnOutput.body));
    assert.match(String(notAnOutput.body.error), /carries artifact [0-9a-f]{64}, which is none of its outputs/);
    assert.equal(await store.has(ref.hash), false, 'nothing kept of the refused results');
    assert.equal(settled.outcome, undefined, 'a refused result settles nothing');
    const taken = await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'inliner', reply, outputs: { [ref.hash]: bytes.toString('base64') } });
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.ok((await store.getBytes(ref)).equals(bytes), 'kept as sent');
    const outcome = await waitForAsync('the launcher to hear the result', async () => settled.outcome);
    assert.deepEqual(outcome, { ok: true, outputs: { output: ref } });
  });

  it("hands a job its small inputs inside the claim's answer: not to the worker that sent them, nor those too large to travel inline", async () => {
    // An output that came inside a result (kept as it came, then removed from the store: the claim does not read it there).
    void launcher.execute(task('maker'), () => undefined);
    const made = (await claim('maker', 1000)).job;
    assert.ok(made && made.kind === 'execute');
    const bytes = Buffer.from('"made by the maker"');
    const ref = { hash: contentHash('json', bytes), materializer: 'json', size: bytes.length, typeName: 'string' };
    assert.equal((await post(`/worker-jobs/${made.jobId}/result`, { workerId: 'maker', reply: { kind: 'executed', outputs: { output: ref } }, outputs: { [ref.hash]: bytes.toString('base64') } })).status, 200);
    const store = new LocalArtifactStore(artifactsDir);
    fs.rmSync(store.pathOf(ref.hash));
    // Inputs only in the store: one small, one larger than a result's inline outputs may be.
    const stored = await store.put({ rows: [4, 5, 6] });
    const large = await store.put(Buffer.alloc(INLINE_OUTPUT_BYTES + 1, 7));
    const inputs = { made: { kind: 'artifact' as const, ref }, stored: { kind: 'artifact' as const, ref: stored }, large: { kind: 'artifact' as const, ref: large } };
    const claimed = async (invocationId: string, workerId: string) => {
      void launcher.execute({ ...task(invocationId), inputs }, () => undefined);
      const answer = await claim(workerId, 1000);
      assert.ok(answer.job && answer.job.kind === 'execute');
      assert.equal((await post(`/worker-jobs/${answer.job.jobId}/result`, { workerId, reply: { kind: 'failed', error: { name: 'Error', message: 'x', retryable: true } } })).status, 200);
      return answer.inputs;
    };
    assert.deepEqual(await claimed('reads-made', 'another'), { [ref.hash]: bytes.toString('base64'), [stored.hash]: (await store.getBytes(stored)).toString('base64') });
    assert.deepEqual(await claimed('reads-own', 'maker'), { [stored.hash]: (await store.getBytes(stored)).toString('base64') }, 'the maker keeps what it made');
  });

  it('a beat says to stop jobs the worker no longer holds and to abandon fenced ones, whose result is then refused but still reaches the launcher', async () => {
    const settled: { outcome?: ExecuteOutcome } = {};
    void launcher.execute(task('fenced'), () => undefined).then((outcome) => (settled.outcome = outcome));
    const job = (await claim('beater', 1000)).job;
    assert.ok(job);
    assert.deepEqual((await post('/worker-beats', { workerId: 'beater', jobs: [job.jobId, 'gone'] })).body, { stop: ['gone'], abandon: [] });
    launcher.abandon({ runId: run.runId, invocationId: 'fenced', attempt: 1 });
    assert.deepEqual((await post('/worker-beats', { workerId: 'beater', jobs: [job.jobId] })).body, { stop: [], abandon: [job.jobId] });
    const late = await post(`/worker-jobs/${job.jobId}/result`, { workerId: 'beater', reply: { kind: 'executed', outputs: {} } });
    assert.equal(late.status, 409);
    assert.match(String(late.body.error), /attempt 1 of "fenced" was fenced/);
    assert.deepEqual(settled.outcome, { ok: true, outputs: {} }, 'the launcher hears it (its engine refuses a fenced outcome)');
  });
});

describe('the worker wire, when a claimed job never reaches its worker', () => {
  it('ends the job as lost once the worker beats without it past the grace', async () => {
    const settled: { outcome?: ExecuteOutcome } = {};
    void launcher.execute(task('dropped'), () => undefined).then((outcome) => (settled.outcome = outcome));
    const job = (await claim('forgetful', 1000)).job;
    assert.ok(job);
    assert.deepEqual((await post('/worker-beats', { workerId: 'forgetful', jobs: [] })).body, { stop: [], abandon: [] });
    assert.equal(settled.outcome, undefined, 'within the grace it may still be on its way');
    await waitForAsync('the job to end as lost', async () => {
      await post('/worker-beats', { workerId: 'forgetful', jobs: [] });
      return settled.outcome !== undefined;
    });
    const final = settled.outcome as ExecuteOutcome | undefined;
    assert.ok(final && !final.ok && final.error.lost, JSON.stringify(final));
  });
});
