// The artifact store contract against the PostgreSQL artifact store (a private PostgreSQL 15 for
// this file, a fresh database per store), alone and with its local folder of copies; then what
// only it promises: chunked entries, copies that heal from the database, and publishing the
// outputs a local runner wrote before they are committed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { ArtifactIntegrityError, LocalArtifactStore } from '../../runtime/src/artifacts';
import { openPostgresPool } from '../../runtime/src/store/postgres/connection';
import { migratePostgres } from '../../runtime/src/store/postgres/migrate';
import { CHUNK_BYTES, PostgresArtifactStore } from '../../runtime/src/store/postgres/postgresArtifactStore';
import type { PipelineDag } from '../../runtime/src/model/dag';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { postgresForFile } from '../support/postgres';
import { tempDir } from '../support/tempDir';
import { artifactStoreContract, putFromTwoProcesses } from './artifactStore.contract';

const cluster = postgresForFile();
const childModule = path.join(__dirname, 'support', 'openPostgresArtifactStore.ts');
let shared: { url: string; pool: pg.Pool } | undefined;

/**
 * An empty artifact store: one migrated database for the whole file, emptied for each store
 * (tests of a file run one at a time; creating a database per test takes long on a busy machine).
 */
async function freshDatabase(): Promise<{ url: string; pool: pg.Pool }> {
  if (!shared) {
    const url = await cluster().createDatabase();
    const pool = openPostgresPool(url, { allowExitOnIdle: true });
    await migratePostgres(pool);
    shared = { url, pool };
  }
  await shared.pool.query('TRUNCATE artifact_contents, artifact_chunks');
  return shared;
}

async function freshStore(withCache: boolean): Promise<{ store: PostgresArtifactStore; url: string; pool: pg.Pool; cacheDir?: string }> {
  const { url, pool } = await freshDatabase();
  const cacheDir = withCache ? path.join(tempDir('pipewright-pg-artifacts-'), 'artifacts') : undefined;
  return { store: new PostgresArtifactStore(pool, 'test database', cacheDir === undefined ? undefined : new LocalArtifactStore(cacheDir)), url, pool, cacheDir };
}

for (const withCache of [false, true]) {
  artifactStoreContract(`PostgreSQL${withCache ? ', with a local folder of copies' : ''}`, async () => {
    const { store, url, pool, cacheDir } = await freshStore(withCache);
    return {
      store,
      remove: async (hash) => {
        await pool.query('DELETE FROM artifact_chunks WHERE hash = $1', [hash]);
        await pool.query('DELETE FROM artifact_contents WHERE hash = $1', [hash]);
        if (store.cache) fs.rmSync(store.cache.pathOf(hash), { force: true });
      },
      overwrite: async (hash, bytes) => {
        await pool.query('DELETE FROM artifact_chunks WHERE hash = $1', [hash]);
        await pool.query('INSERT INTO artifact_chunks (hash, chunk, bytes) VALUES ($1, 0, $2)', [hash, Buffer.from(bytes)]);
        await pool.query('UPDATE artifact_contents SET size = $2, chunks = 1 WHERE hash = $1', [hash, bytes.byteLength]);
        if (store.cache) fs.writeFileSync(store.cache.pathOf(hash), bytes);
      },
      inAnotherProcess: { module: childModule, spec: { url, cacheDir } },
    };
  });
}

async function chunkCount(pool: pg.Pool, hash: string): Promise<number> {
  return Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM artifact_chunks WHERE hash = $1', [hash])).rows[0]!.n);
}

void describe('PostgresArtifactStore', () => {
  void it('keeps a large artifact in chunks and reads it back whole', async () => {
    const { store, pool } = await freshStore(false);
    const value = Buffer.alloc(2 * CHUNK_BYTES + 12_345);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) % 251;
    const ref = await store.put(value);
    assert.equal(await chunkCount(pool, ref.hash), 3);
    assert.deepStrictEqual(await store.get(ref), value);
  });

  void it('finds a missing chunk of a large artifact, naming it', async () => {
    const { store, pool } = await freshStore(false);
    const ref = await store.put(Buffer.alloc(CHUNK_BYTES * 2 + 1, 7));
    await pool.query('DELETE FROM artifact_chunks WHERE hash = $1 AND chunk = 1', [ref.hash]);
    await assert.rejects(store.getBytes(ref), (error: unknown) => error instanceof ArtifactIntegrityError && error.reason === 'corrupted' && /chunk 1 of 3 is missing/.test(error.message));
  });

  void it('serves a read from the database when the local copy is gone or damaged, and keeps a copy again', async () => {
    const { store } = await freshStore(true);
    const ref = await store.put({ accuracy: 0.97 });
    const copy = store.cache!.pathOf(ref.hash);
    fs.rmSync(copy);
    assert.deepStrictEqual(await store.get(ref), { accuracy: 0.97 });
    assert.equal(fs.readFileSync(copy, 'utf8'), '{"accuracy":0.97}', 'the read left a copy');
    fs.writeFileSync(copy, '{"accuracy":1.0}');
    assert.deepStrictEqual(await store.get(ref), { accuracy: 0.97 });
  });

  void it('two processes storing the same content at once leave one entry per content', async () => {
    const { url, pool } = await freshStore(false);
    const [mine, theirs] = await putFromTwoProcesses({ module: childModule, spec: { url } }, 4, CHUNK_BYTES + 10);
    assert.deepStrictEqual(mine, theirs);
    const rows = (await pool.query<{ hash: string; chunks: number }>('SELECT hash, chunks FROM artifact_contents ORDER BY hash')).rows;
    assert.deepStrictEqual(
      rows.map((row) => row.hash),
      mine.map((ref) => ref.hash).sort(),
    );
    for (const row of rows) assert.equal(await chunkCount(pool, row.hash), 2);
  });

  void it('publishes outputs that are only in the local folder (what a local runner wrote), and leaves one that is nowhere or damaged', async () => {
    const { store, pool } = await freshStore(true);
    // A runner on the daemon's machine writes into the folder only.
    const written = await store.cache!.put({ rows: [1, 2] });
    assert.equal(await chunkCount(pool, written.hash), 0);
    await store.publish([written]);
    assert.equal(await chunkCount(pool, written.hash), 1);
    fs.rmSync(store.cache!.pathOf(written.hash));
    assert.deepStrictEqual(await store.get(written), { rows: [1, 2] });

    const nowhere = await new LocalArtifactStore(path.join(tempDir(), 'elsewhere')).put('never here');
    assert.deepStrictEqual(await store.publish([nowhere, written]), [nowhere.hash]);
    await assert.rejects(store.get(nowhere), (error: unknown) => error instanceof ArtifactIntegrityError && error.reason === 'missing' && error.hash === nowhere.hash);
    // A copy that no longer matches its hash is not published either.
    const damaged = await store.cache!.put('damaged later');
    fs.writeFileSync(store.cache!.pathOf(damaged.hash), 'something else');
    assert.deepStrictEqual(await store.publish([damaged]), [damaged.hash]);
    assert.equal(await chunkCount(pool, damaged.hash), 0);
  });

  void it("the PostgreSQL run store keeps committed outputs in the database, readable without the daemon's folder", async () => {
    const url = await cluster().createDatabase();
    const dir = path.join(tempDir(), 'store');
    const store = await openRunStore(dir, 'readWrite', url);
    try {
      const node = { id: 'train', step: 'train', namespace: [], params: [], inputs: {}, outputs: ['output'], after: [], options: { hooks: {} }, codeHash: 'x' };
      const dag = { pipeline: 'p', parameters: {}, nodes: [node], edges: [], outputs: {}, options: { executionMode: 'continueOnFailure', hooks: { onSuccess: false, onFailure: false } } } as unknown as PipelineDag;
      await store.createRun({ id: 'r1', name: 'r1', pipeline: 'p', sourceFile: 'p.ts', parameters: {}, options: {}, dag, bundlePath: '/bundles/x.cjs', workingDir: '/work', projectDir: '/project', at: 1 });
      // Written into the store folder, as a local runner does, then committed.
      const ref = await new LocalArtifactStore(path.join(dir, 'artifacts')).put({ model: [0.5, 0.25] });
      await store.startAttempt('r1', 'train', 1, 1, null);
      await store.commitOutputs('r1', 'train', { output: ref }, 2, { attempt: 1, cached: false, cacheable: false, stepName: 'train' });
      fs.rmSync(path.join(dir, 'artifacts'), { recursive: true });
      // Another machine: its own (empty) folder, the same database, read-only.
      const elsewhere = await openRunStore(path.join(tempDir(), 'other-machine'), 'readOnly', url);
      try {
        assert.deepStrictEqual(await elsewhere.artifacts.get(ref), { model: [0.5, 0.25] });
        assert.equal(fs.existsSync(path.join(elsewhere.dir, 'artifacts', ref.hash.slice(0, 2), ref.hash)), false, 'a read-only store leaves no copy');
      } finally {
        await elsewhere.close();
      }
    } finally {
      await store.close();
    }
  });
});

process.on('beforeExit', () => {
  void shared?.pool.end();
  shared = undefined;
});
