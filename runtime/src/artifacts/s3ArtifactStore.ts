/**
 * The artifact store in an S3-compatible bucket (`server start --artifacts s3://bucket/prefix`):
 * step outputs every daemon, worker and CLI on any machine reads, beside a run store that keeps
 * the runs (SQLite or PostgreSQL). Content-addressed like every artifact store
 * (`contentAddress.ts`); keys under the location's prefix:
 *
 * - `objects/<first two hex chars>/<hash>`: a committed entry (its materializer in the object's
 *   metadata). Read as a stream, hashed as it arrives and checked against its hash and length
 *   before anything is loaded; written by multipart upload in parts of {@link PART_BYTES}, so no
 *   single request carries a large artifact (and none is limited by a single PUT's 5 GB).
 * - `attempts/<run>/<invocation>/<attempt>/<hash>`: an output a remote worker uploaded for an
 *   attempt not committed yet ({@link stageOutput}). Its commit copies it to `objects/` inside the
 *   bucket and deletes it ({@link publish}); a fenced attempt's outputs stay there, as garbage
 *   nothing names, which {@link collectGarbage} deletes once older than
 *   {@link STAGED_GARBAGE_AGE_MS} (a daemon does so at start and every hour; a lifecycle rule on
 *   `attempts/` does the same on the bucket's side).
 *
 * With a local `cache` folder (the store folder's `artifacts/`) reads are served from it when it
 * holds a verified copy and fill it otherwise; local runners write outputs into it, and
 * {@link publish} uploads those at their commit, so a fenced local attempt leaves nothing in the
 * bucket either. Credentials and region are the AWS SDK's usual ones (environment variables,
 * profiles, instance roles); `endpoint` names an S3-compatible service other than AWS's.
 */
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describeS3Location, type S3Location } from '../model/artifactsUrl';
import { CodedError, InputError } from '../model/errorCodes';
import { ArtifactIntegrityError, type ArtifactKey, type AttemptKey } from './artifactStore';
import { checkArtifactHash, readVerified, verifyArtifact } from './contentAddress';
import type { LocalArtifactStore } from './localArtifactStore';
import { SharedArtifactStore } from './sharedArtifactStore';

/** Bytes per part of a multipart upload (S3's minimum part is 5 MiB); smaller artifacts go in one PUT. */
export const PART_BYTES = 8 * 1024 * 1024;
/** A staged output older than this is garbage: an attempt's commit follows its upload within seconds. */
export const STAGED_GARBAGE_AGE_MS = 6 * 3600_000;
/** How often a writable store (a daemon's) collects staged garbage. */
const COLLECT_EVERY_MS = 3600_000;

export class S3ArtifactStore extends SharedArtifactStore {
  private readonly client: S3Client;
  private readonly where: string;
  private collector?: NodeJS.Timeout;

  /**
   * @param location The bucket, prefix and endpoint.
   * @param cache The local folder that holds copies (and where local runners write), if any.
   * @param options.fillCache Whether reads served by the bucket leave a copy in `cache` (not for a read-only store).
   * @param options.collectGarbage Collect staged garbage now and every hour, until {@link close} (a daemon's store).
   */
  constructor(
    readonly location: S3Location,
    cache?: LocalArtifactStore,
    options: { fillCache: boolean; collectGarbage?: boolean } = { fillCache: true },
  ) {
    super(cache, options.fillCache);
    this.where = `S3 artifact store ${describeS3Location(location)}`;
    this.client = new S3Client({
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint, forcePathStyle: true }),
      // Integrity is the content hash, checked on every read; S3-compatible services differ in
      // which of the SDK's extra checksums they accept.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    if (options.collectGarbage) {
      const collect = () => void this.collectGarbage().catch(() => undefined);
      collect();
      this.collector = setInterval(collect, COLLECT_EVERY_MS);
      this.collector.unref();
    }
  }

  /** Checks that the bucket answers (with these credentials): a bad location is said at start, naming it. */
  async check(): Promise<void> {
    await this.call('reach the bucket', () => this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket })));
  }

  /** An attempt's output before its commit: under the attempt's keys, and a copy in the local folder. */
  async stageOutput(attempt: AttemptKey, ref: ArtifactKey, bytes: Buffer): Promise<void> {
    checkArtifactHash(ref.hash);
    verifyArtifact(ref, bytes, `bytes sent for ${ref.hash}`);
    await this.cache?.putBytes(ref, bytes);
    if (await this.exists(this.objectKey(ref.hash))) return;
    await this.write(this.stagedKey(attempt, ref.hash), ref, bytes);
  }

  protected writeEntry(ref: ArtifactKey, bytes: Buffer): Promise<void> {
    return this.write(this.objectKey(ref.hash), ref, bytes);
  }

  protected readEntry(ref: ArtifactKey): Promise<Buffer> {
    return this.read(ref);
  }

  protected holdsEntry(hash: string): Promise<boolean> {
    return this.exists(this.objectKey(hash));
  }

  /**
   * Makes the committed outputs `refs` entries of the bucket: an output staged under `attempt` is
   * copied inside the bucket (and its staged key deleted), one only in the local folder (what a
   * local runner wrote) is uploaded. Answers the hashes it could not publish: in no place, or
   * whose local copy no longer matches its hash; those are left as they are, so a read of one
   * says it is missing or corrupted, as with any store.
   */
  async publish(refs: readonly ArtifactKey[], attempt?: AttemptKey): Promise<string[]> {
    const unpublished: string[] = [];
    for (const ref of refs) {
      const target = this.objectKey(ref.hash);
      const staged = attempt === undefined ? undefined : this.stagedKey(attempt, ref.hash);
      if (await this.exists(target)) {
        if (staged !== undefined) await this.remove(staged);
        continue;
      }
      if (staged !== undefined && (await this.exists(staged))) {
        await this.call(`copy ${staged} to ${target}`, () =>
          this.client.send(new CopyObjectCommand({ Bucket: this.location.bucket, Key: target, CopySource: `${this.location.bucket}/${encodeURIComponent(staged).replace(/%2F/g, '/')}`, MetadataDirective: 'COPY' })),
        );
        await this.remove(staged);
        continue;
      }
      if (!(await this.writeFromCopy(ref))) unpublished.push(ref.hash);
    }
    return unpublished;
  }

  /**
   * Deletes staged outputs (`attempts/`) older than `olderThanMs`: those of attempts that were
   * fenced or whose daemon died before their commit. Answers how many it deleted.
   */
  async collectGarbage(olderThanMs = STAGED_GARBAGE_AGE_MS, now = Date.now()): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.call('list staged outputs', () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: `${this.location.prefix}attempts/`, ContinuationToken: token })),
      );
      const old = (page.Contents ?? []).filter((object) => object.Key !== undefined && now - (object.LastModified?.getTime() ?? now) > olderThanMs).map((object) => ({ Key: object.Key! }));
      if (old.length > 0) {
        await this.call('delete staged outputs', () => this.client.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: old, Quiet: true } })));
        deleted += old.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return deleted;
  }

  close(): void {
    clearInterval(this.collector);
    this.client.destroy();
  }

  /** The key of a committed entry. */
  objectKey(hash: string): string {
    checkArtifactHash(hash);
    return `${this.location.prefix}objects/${hash.slice(0, 2)}/${hash}`;
  }

  /** The key of an attempt's output before its commit. */
  stagedKey(attempt: AttemptKey, hash: string): string {
    checkArtifactHash(hash);
    const part = (text: string) => encodeURIComponent(text);
    return `${this.location.prefix}attempts/${part(attempt.runId)}/${part(attempt.invocationId)}/${attempt.attempt}/${hash}`;
  }

  /** Uploads an entry (multipart past one part); content already there is kept. */
  private async write(key: string, ref: ArtifactKey, bytes: Buffer): Promise<void> {
    if (await this.exists(key)) return;
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: key, Body: bytes, ContentType: 'application/octet-stream', Metadata: { materializer: ref.materializer } },
      partSize: PART_BYTES,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await this.call(`write ${key}`, () => upload.done());
  }

  /** Reads an entry as a stream, hashing it as it arrives, and verifies it whole. */
  private async read(ref: ArtifactKey): Promise<Buffer> {
    const key = this.objectKey(ref.hash);
    const location = `s3://${this.location.bucket}/${key}${this.location.endpoint === undefined ? '' : ` at ${this.location.endpoint}`}`;
    let answer;
    try {
      answer = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) throw new ArtifactIntegrityError(`artifact ${ref.hash} is missing: no object ${location}`, ref.hash, location, 'missing');
      throw this.failure(`read ${key}`, error);
    }
    const bytes = await readVerified(ref, answer.Body as Readable, location);
    if (answer.ContentLength !== undefined && bytes.byteLength !== answer.ContentLength) {
      throw new ArtifactIntegrityError(`artifact ${ref.hash} is corrupted: ${bytes.byteLength} of the ${answer.ContentLength} bytes of ${location} arrived`, ref.hash, location, 'corrupted');
    }
    return bytes;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.failure(`look up ${key}`, error);
    }
  }

  private async remove(key: string): Promise<void> {
    await this.call(`delete ${key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: key })));
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.failure(what, error);
    }
  }

  /** An error of the service or the network, naming the store, the operation and what went wrong. */
  private failure(what: string, error: unknown): Error {
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    const name = (error as Error).name;
    const message = (error as Error).message || name;
    if (name === 'NoSuchBucket' || (what === 'reach the bucket' && status === 404)) {
      return new InputError(`${this.where}: no bucket "${this.location.bucket}" there (create it, or name another with --artifacts s3://bucket/prefix)`);
    }
    if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'CredentialsProviderError') {
      return new CodedError('io', `${this.where}: could not ${what}: access denied (${message}); credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the machine's role`, { cause: error });
    }
    const code = (error as { code?: string }).code ?? ((error as { cause?: { code?: string } }).cause?.code);
    const detail = code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
    return new CodedError('io', `${this.where}: could not ${what}: ${detail}`, { cause: error });
  }
}

function isNotFound(error: unknown): boolean {
  const name = (error as Error).name;
  return name === 'NotFound' || name === 'NoSuchKey' || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404 && name !== 'NoSuchBucket');
}
