// The artifact store contract on an S3-compatible bucket (s3rver on loopback, standing in for the
// real service; see test/support/s3Server.ts), without and with the local folder of copies, and
// what only the S3 store promises: its keys, multipart uploads of large outputs, outputs staged
// under their attempt until the commit, garbage collected, and bad locations named.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ArtifactIntegrityError, LocalArtifactStore } from '../../runtime/src/artifacts';
import { PART_BYTES, S3ArtifactStore } from '../../runtime/src/artifacts/s3ArtifactStore';
import type { S3Location } from '../../runtime/src/model/artifactsUrl';
import { startS3Server } from '../support/s3Server';
import { tempDir } from '../support/tempDir';
import { artifactStoreContract, expectedHash, putFromTwoProcesses } from './artifactStore.contract';

const BUCKET = 'pipewright-test';
const server = startS3Server([BUCKET]);
let stores = 0;

/** A location of its own (a fresh prefix in the one bucket). */
async function freshLocation(): Promise<S3Location> {
  return { bucket: BUCKET, prefix: `store-${process.pid}-${stores++}/`, endpoint: (await server).endpoint };
}

function clientFor(location: S3Location): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: location.endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

async function keysUnder(location: S3Location, under = ''): Promise<string[]> {
  const page = await clientFor(location).send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.prefix}${under}` }));
  return (page.Contents ?? []).map((object) => object.Key!.slice(location.prefix.length)).sort();
}

async function freshStore(withCache: boolean): Promise<S3ArtifactStore> {
  const cacheDir = withCache ? path.join(tempDir('pipewright-s3-cache-'), 'artifacts') : undefined;
  return new S3ArtifactStore(await freshLocation(), cacheDir === undefined ? undefined : new LocalArtifactStore(cacheDir));
}

for (const withCache of [false, true]) {
  artifactStoreContract(`S3 (s3rver)${withCache ? ', with a local folder of copies' : ''}`, async () => {
    const store = await freshStore(withCache);
    const client = clientFor(store.location);
    return {
      store,
      remove: async (hash) => {
        await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: store.objectKey(hash) }));
        if (store.cache) fs.rmSync(store.cache.pathOf(hash), { force: true });
      },
      overwrite: async (hash, bytes) => {
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.objectKey(hash), Body: Buffer.from(bytes) }));
        if (store.cache) fs.writeFileSync(store.cache.pathOf(hash), bytes);
      },
      inAnotherProcess: { module: path.join(__dirname, 'support', 'openS3ArtifactStore.ts'), spec: { location: store.location, cacheDir: store.cache?.rootDir } },
    };
  });
}

void describe('S3ArtifactStore', () => {
  void it('keeps an entry under objects/ by its hash, with its materializer, and nothing else', async () => {
    const store = await freshStore(false);
    const ref = await store.put({ rows: [1, 2, 3] });
    assert.deepStrictEqual(await keysUnder(store.location), [`objects/${ref.hash.slice(0, 2)}/${ref.hash}`]);
    const head = await clientFor(store.location).send(new HeadObjectCommand({ Bucket: BUCKET, Key: store.objectKey(ref.hash) }));
    assert.equal(head.Metadata?.materializer, 'json@1');
    assert.equal(head.ContentLength, ref.size);
  });

  void it('uploads a large artifact in parts and reads it back whole, verified', async () => {
    const store = await freshStore(false);
    const value = Buffer.alloc(2 * PART_BYTES + 12_345);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) % 251;
    const ref = await store.put(value);
    const key = `/${BUCKET}/${store.objectKey(ref.hash)}`;
    const parts = (await server).requests.filter((request) => request.startsWith(`PUT ${key}?`) && request.includes('partNumber='));
    assert.equal(parts.length, 3, `three parts uploaded: ${parts.join(', ')}`);
    assert.equal((await server).requests.filter((request) => request === `PUT ${key}`).length, 0, 'no single PUT of the whole');
    assert.ok(((await store.get(ref)) as Buffer).equals(value));
  });

  void it('two processes storing large content at once leave one whole entry per content', async () => {
    const store = await freshStore(false);
    const [mine, theirs] = await putFromTwoProcesses({ module: path.join(__dirname, 'support', 'openS3ArtifactStore.ts'), spec: { location: store.location } }, 2, PART_BYTES + 10);
    assert.deepStrictEqual(mine, theirs);
    assert.deepStrictEqual(await keysUnder(store.location), mine.map((ref) => `objects/${ref.hash.slice(0, 2)}/${ref.hash}`).sort());
    for (const [index, ref] of mine.entries()) assert.ok(((await store.get(ref)) as Buffer).equals(Buffer.alloc(PART_BYTES + 10, index)));
  });

  void it("keeps a staged output under its attempt until the commit publishes it; a fenced attempt's is garbage, collected once old", async () => {
    const store = await freshStore(false);
    const bytes = Buffer.from('{"model":[0.5]}');
    const ref = { hash: expectedHash('json@1', bytes), materializer: 'json@1' };
    const committed = { runId: 'r1', invocationId: 'train', attempt: 2 };
    await store.stageOutput(committed, ref, bytes);
    assert.equal(await store.has(ref.hash), false, 'a staged output is no entry');
    assert.deepStrictEqual(await keysUnder(store.location), [`attempts/r1/train/2/${ref.hash}`]);
    assert.deepStrictEqual(await store.publish([ref], committed), []);
    assert.deepStrictEqual(await keysUnder(store.location), [`objects/${ref.hash.slice(0, 2)}/${ref.hash}`]);
    assert.deepStrictEqual(await store.get(ref), { model: [0.5] });

    // A fenced attempt: staged, never committed.
    const other = Buffer.from('"fenced"');
    const fencedRef = { hash: expectedHash('json@1', other), materializer: 'json@1' };
    await store.stageOutput({ runId: 'r1', invocationId: 'train', attempt: 1 }, fencedRef, other);
    assert.equal(await store.collectGarbage(), 0, 'a fresh staged output is kept');
    assert.equal(await store.collectGarbage(60_000, Date.now() + 120_000), 1);
    assert.deepStrictEqual(await keysUnder(store.location, 'attempts/'), []);
    await assert.rejects(store.get(fencedRef), (error: unknown) => error instanceof ArtifactIntegrityError && error.reason === 'missing');
  });

  void it('publishes outputs a local runner wrote into the folder, and names one that is nowhere', async () => {
    const store = await freshStore(true);
    const written = await store.cache!.put({ rows: [1, 2] });
    assert.deepStrictEqual(await keysUnder(store.location), []);
    const nowhere = await new LocalArtifactStore(path.join(tempDir(), 'elsewhere')).put('never here');
    assert.deepStrictEqual(await store.publish([written, nowhere]), [nowhere.hash]);
    fs.rmSync(store.cache!.pathOf(written.hash));
    assert.deepStrictEqual(await store.get(written), { rows: [1, 2] });
  });

  void it('names the object and its endpoint when an entry is missing', async () => {
    const store = await freshStore(false);
    const ref = { hash: expectedHash('json@1', '1'), materializer: 'json@1' };
    await assert.rejects(store.getBytes(ref), (error: unknown) => {
      assert.ok(error instanceof ArtifactIntegrityError);
      assert.equal(error.location, `s3://${BUCKET}/${store.objectKey(ref.hash)} at ${store.location.endpoint}`);
      assert.match(error.message, /^artifact [0-9a-f]{64} is missing: no object s3:\/\//);
      return true;
    });
  });

  void it('says which bucket is missing, and which endpoint cannot be reached', async () => {
    const missing = new S3ArtifactStore({ ...(await freshLocation()), bucket: 'no-such-bucket' });
    await assert.rejects(missing.check(), /^InputError: S3 artifact store s3:\/\/no-such-bucket\/store-\d+-\d+\/ at http:\/\/127\.0\.0\.1:\d+: no bucket "no-such-bucket" there/);
    const stopped = await startS3Server(['gone-soon']);
    await stopped.stop();
    const unreachable = new S3ArtifactStore({ bucket: 'gone-soon', prefix: '', endpoint: stopped.endpoint });
    await assert.rejects(unreachable.check(), (error: Error) => error.message.startsWith(`S3 artifact store s3://gone-soon/ at ${stopped.endpoint}: could not reach the bucket: `) && /ECONNREFUSED/.test(error.message));
  });
});
