/**
 * The worker wire's routes (`model/workerProtocol.ts`), served by the daemon beside its API:
 * claim (long-poll), one beat for all of a worker's jobs, a job's logs, result, child runs,
 * bundle and artifacts (raw bytes both ways; an upload is hashed as it streams in and refused,
 * storing nothing, unless it matches its content address; small outputs come inside the result,
 * base64, checked the same way). Each needs a `worker` token (the runner token, or one created with
 * `tokens create --scope worker`); a job's bundle and artifacts are reached only by its id, which
 * only the claim that took the job tells.
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { requireScope, type HttpApp } from '../engine/httpApp';
import { FencedError, InputError, NotFoundError } from '../model/errorCodes';
import { poolNameSchema } from '../model/runOptions';
import { ArtifactIntegrityError, type ArtifactKey, type ArtifactStore } from '../artifacts/artifactStore';
import type { Readable } from 'node:stream';
import { readVerified, verifyArtifact } from '../artifacts/contentAddress';
import { ARTIFACT_BYTES_TYPE, WORKER_PATHS, type BeatAnswer, type ChildRunAnswer, type ClaimAnswer, type WorkerReply } from '../model/workerProtocol';
import type { HeldJob, WorkerHub } from './workerHub';
import { InlineInputs } from './inlineInputs';
import { childRunOutputHashes, jobInputHashes } from './jobInputs';

const id = z.string().min(1).max(200);
const claimBody = z.strictObject({ workerId: id, pool: poolNameSchema, labels: z.record(z.string(), z.string()), concurrency: z.number().int().min(1).max(1024).optional(), waitMs: z.number().int().min(0).max(120_000) });
const beatBody = z.strictObject({ workerId: id, jobs: z.array(id).max(10_000), draining: z.boolean().optional(), leaving: z.boolean().optional() });
const logBody = z.strictObject({ workerId: id, lines: z.array(z.strictObject({ stream: z.enum(['stdout', 'stderr']), text: z.string() })) });
const resultBody = z.strictObject({ workerId: id, reply: z.looseObject({ kind: z.string() }), outputs: z.record(z.string(), z.string()).optional() });
const childRunBody = z.strictObject({ workerId: id, pipeline: z.string(), parameters: z.record(z.string(), z.unknown()) });
const jobParams = z.object({ job: id });
const artifactParams = jobParams.extend({ hash: z.string() });
const materializer = z.string().min(1).max(200);

/** The largest artifact a worker may upload (its bytes are held in memory once checked). */
export const ARTIFACT_UPLOAD_LIMIT = 4 * 1024 * 1024 * 1024;

/** `artifacts` is the run store's: inputs are read from it and outputs land in it, wherever it keeps them. */
export function workerRoutes(app: HttpApp, prefix: string, hub: WorkerHub, artifacts: ArtifactStore): void {
  const onRequest = requireScope(app, 'worker');
  /** What each job may read besides its inputs: the outputs of the child runs it asked for. */
  const granted = new WeakMap<HeldJob, Set<string>>();
  const inlineInputs = new InlineInputs(artifacts);
  const job = `${prefix}${WORKER_PATHS.job}`;
  const held = async (jobId: string, workerId: string) => {
    const entry = await hub.heldBy(jobId, workerId);
    if (!entry) throw new FencedError(`job ${jobId} is not held by worker ${workerId}`);
    return entry;
  };

  app.post(`${prefix}${WORKER_PATHS.claim}`, { schema: { body: claimBody }, onRequest }, async (request, reply): Promise<ClaimAnswer> => {
    // The response's close, not the request's (that one fires once its body is read): a worker gone mid-poll.
    const aborted = new AbortController();
    reply.raw.once('close', () => aborted.abort());
    const answer = await hub.claim(request.body, aborted.signal);
    const inputs = answer.job && (await inlineInputs.for(answer.job, request.body.workerId));
    return inputs ? { ...answer, inputs } : answer;
  });
  app.post(`${prefix}${WORKER_PATHS.beat}`, { schema: { body: beatBody }, onRequest }, async (request): Promise<BeatAnswer> => hub.beat(request.body));
  app.post(`${job}/logs`, { schema: { params: jobParams, body: logBody }, bodyLimit: 16 * 1024 * 1024, onRequest }, async (request) => {
    const entry = await held(request.params.job, request.body.workerId);
    for (const line of request.body.lines) entry.launcher.log(entry, line.stream, line.text);
    return { ok: true };
  });
  /** An output the worker sent, kept under its attempt until the commit where the store can: a fenced attempt's outputs stay garbage. */
  const keepOutput = async (entry: HeldJob, ref: ArtifactKey, bytes: Buffer) => {
    if (entry.owner && artifacts.stageOutput) await artifacts.stageOutput(entry.owner, ref, bytes);
    else await artifacts.putBytes(ref, bytes);
  };
  app.post(`${job}/result`, { schema: { params: jobParams, body: resultBody }, bodyLimit: 16 * 1024 * 1024, onRequest }, async (request) => {
    const reply = request.body.reply as WorkerReply;
    const inline = Object.entries(request.body.outputs ?? {});
    const entry = inline.length > 0 ? await held(request.params.job, request.body.workerId) : undefined;
    const refs = new Map(reply.kind === 'executed' ? Object.values(reply.outputs).map((ref) => [ref.hash, ref] as const) : []);
    const outputs = inline.map(([hash, base64]) => {
      const ref = refs.get(hash);
      if (!ref) throw new InputError(`the result of job ${request.params.job} carries artifact ${hash}, which is none of its outputs`);
      const bytes = Buffer.from(base64, 'base64');
      try {
        verifyArtifact(ref, bytes, `the result of job ${request.params.job}`);
      } catch (error) {
        if (error instanceof ArtifactIntegrityError) throw new InputError(`artifact ${hash}: the bytes sent do not match their content address`);
        throw error;
      }
      return { ref, bytes };
    });
    // Checked: what came inside may be handed to the next step's worker with its claim.
    inlineInputs.sentBy(request.body.workerId, refs.keys(), request.body.outputs);
    const answer = await hub.reply(request.params.job, request.body.workerId, reply, {
      // A store that stages outputs under their attempt (an object store) keeps them first; others can keep them with the commit.
      carried: artifacts.stageOutput ? undefined : new Map(outputs.map(({ ref, bytes }) => [ref.hash, bytes])),
      keep: async () => {
        for (const { ref, bytes } of outputs) await keepOutput(entry!, ref, bytes);
      },
    });
    if (!answer.accepted) throw new FencedError(answer.reason ?? 'fenced');
    return { ok: true };
  });
  app.post(`${job}/child-runs`, { schema: { params: jobParams, body: childRunBody }, onRequest }, async (request): Promise<ChildRunAnswer> => {
    const entry = await held(request.params.job, request.body.workerId);
    if (!entry.owner) throw new NotFoundError(`job ${request.params.job} is no step attempt`);
    try {
      const outcome = await entry.launcher.callbacks.onChildRun({ parentRunId: entry.owner.runId, parentInvocation: entry.owner.invocationId, pipeline: request.body.pipeline, parameters: request.body.parameters });
      const readable = granted.get(entry) ?? new Set<string>();
      for (const hash of childRunOutputHashes(outcome)) readable.add(hash);
      granted.set(entry, readable);
      return { outcome };
    } catch (error) {
      return { error: (error as Error).message };
    }
  });
  app.get(`${job}/bundle`, { schema: { params: jobParams }, onRequest }, async (request, reply) => {
    const entry = hub.job(request.params.job);
    if (!entry) throw new NotFoundError(`no job ${request.params.job}`);
    return reply.header('content-type', 'text/plain; charset=utf-8').send(await fs.promises.readFile(entry.config.bundlePath, 'utf8'));
  });
  const artifact = `${prefix}${WORKER_PATHS.artifact}`;
  app.get(artifact, { schema: { params: artifactParams, querystring: z.object({ materializer }) }, onRequest }, async (request, reply) => {
    const entry = hub.job(request.params.job);
    if (!entry) throw new NotFoundError(`no job ${request.params.job}`);
    const hash = request.params.hash;
    if (!jobInputHashes(entry.job).has(hash) && !granted.get(entry)?.has(hash)) throw new NotFoundError(`job ${request.params.job} has no input artifact ${hash} (nor a child run's output)`);
    const bytes = await artifacts.getBytes({ hash, materializer: request.query.materializer });
    return reply.header('content-type', ARTIFACT_BYTES_TYPE).header('content-length', String(bytes.byteLength)).send(bytes);
  });
  app.post(artifact, { schema: { params: artifactParams, querystring: z.object({ materializer, workerId: id }) }, onRequest }, async (request) => {
    const stream = request.body as Readable;
    const ref = { hash: request.params.hash, materializer: request.query.materializer };
    let bytes: Buffer;
    try {
      const entry = await held(request.params.job, request.query.workerId);
      if (request.headers['content-type']?.split(';')[0]?.trim() !== ARTIFACT_BYTES_TYPE) throw new InputError(`artifact ${ref.hash}: send its bytes as ${ARTIFACT_BYTES_TYPE}`);
      bytes = await readVerified(ref, stream, `the upload of job ${request.params.job}`, ARTIFACT_UPLOAD_LIMIT);
      await keepOutput(entry, ref, bytes);
      inlineInputs.sentBy(request.query.workerId, [ref.hash]);
    } catch (error) {
      // The rest of a refused upload is read and dropped, so the worker reads the answer instead of a reset.
      request.raw.resume();
      if (error instanceof ArtifactIntegrityError) throw new InputError(`artifact ${ref.hash}: the bytes sent do not match their content address`);
      throw error;
    }
    return { ok: true, size: bytes.byteLength };
  });
}
