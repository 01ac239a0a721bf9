// The artifact store contract on real temp folders, and what only the local folder promises:
// its file layout, one file per content, atomic owner-only writes.
import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ArtifactIntegrityError, LocalArtifactStore } from '../../runtime/src/artifacts';
import { tempDir } from '../support/tempDir';
import { artifactStoreContract, expectedHash, invalidHashes, putFromTwoProcesses, valuesOfEveryKind } from './artifactStore.contract';

let storeCount = 0;
/** A fresh store in its own folder under a temp dir. */
function freshStore(): LocalArtifactStore {
  return new LocalArtifactStore(path.join(tempDir('pipewright-artifacts-'), `store-${storeCount++}`));
}

artifactStoreContract('the local folder', async () => {
  const store = freshStore();
  return {
    store,
    remove: async (hash) => fs.rmSync(store.pathOf(hash)),
    overwrite: async (hash, bytes) => fs.writeFileSync(store.pathOf(hash), bytes),
    inAnotherProcess: { module: path.join(__dirname, 'support', 'openLocalArtifactStore.ts'), spec: { rootDir: store.rootDir } },
  };
});

/** Every file under `dir` (relative paths), temp files included. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((entry) => fs.statSync(path.join(dir, entry)).isFile()).sort();
}

void describe('LocalArtifactStore files', () => {
  for (const [what, value, materializer] of valuesOfEveryKind) {
    void it(`stores ${what} as a real file named by its hash`, async () => {
      const store = freshStore();
      const ref = await store.put(value);
      const file = store.pathOf(ref.hash);
      assert.equal(file, path.join(store.rootDir, ref.hash.slice(0, 2), ref.hash));
      const bytes = fs.readFileSync(file);
      assert.equal(ref.size, bytes.length);
      assert.equal(ref.hash, expectedHash(materializer, bytes));
    });
  }

  void it('stores strings as UTF-8 text and plain data as JSON text', async () => {
    const store = freshStore();
    assert.equal(fs.readFileSync(store.pathOf((await store.put('héllo')).hash), 'utf8'), 'héllo');
    assert.equal(fs.readFileSync(store.pathOf((await store.put({ a: [1] })).hash), 'utf8'), '{"a":[1]}');
  });

  void it('creates its folder only on the first write', async () => {
    const store = new LocalArtifactStore(path.join(tempDir('pipewright-artifacts-'), 'lazy', 'nested', 'store'));
    assert.equal(fs.existsSync(store.rootDir), false);
    assert.equal(await store.has('0'.repeat(64)), false);
    assert.equal(fs.existsSync(store.rootDir), false);
    await store.put(1);
    assert.ok(fs.existsSync(store.rootDir));
  });

  void it('writes nothing for values that cannot be stored', async () => {
    const store = freshStore();
    await assert.rejects(store.put({ model: { fn: () => 1 } }));
    await assert.rejects(store.put(new (class Point {})()));
    assert.deepStrictEqual(filesUnder(store.rootDir), []);
  });

  void it('keeps one file for equal values and never rewrites it', async () => {
    const store = freshStore();
    const first = await store.put({ rows: [1, 2, 3], name: 'iris' });
    const file = store.pathOf(first.hash);
    const writtenAt = fs.statSync(file).mtimeMs;
    const second = await store.put({ rows: [1, 2, 3], name: 'iris' });
    assert.deepStrictEqual(second, first);
    assert.deepStrictEqual(filesUnder(store.rootDir), [path.join(first.hash.slice(0, 2), first.hash)]);
    assert.equal(fs.statSync(file).mtimeMs, writtenAt, 'an existing artifact is not rewritten');
  });

  void it('writes again an entry a power loss left empty or cut short, when that content is stored again', async () => {
    const store = freshStore();
    const value = { rows: Array.from({ length: 100 }, (_, i) => i) };
    for (const length of [0, 10]) {
      const ref = await store.put(value);
      // What a power loss leaves of a file renamed into place before its bytes reached the disk.
      fs.truncateSync(store.pathOf(ref.hash), length);
      await assert.rejects(store.get(ref), (error: unknown) => error instanceof ArtifactIntegrityError && error.reason === 'corrupted');
      assert.deepStrictEqual(await store.put(value), ref);
      assert.deepStrictEqual(await store.get(ref), value);
    }
  });

  void it('keeps a file per different value and leaves no temp files behind', async () => {
    const store = freshStore();
    assert.notEqual((await store.put([1, 2])).hash, (await store.put([2, 1])).hash);
    assert.equal(filesUnder(store.rootDir).length, 2);
    for (let i = 0; i < 20; i++) await store.put({ i });
    assert.equal(filesUnder(store.rootDir).filter((file) => file.endsWith('.tmp')).length, 0);
    assert.equal(filesUnder(store.rootDir).length, 22);
  });

  void it('names the file in integrity errors', async () => {
    const store = freshStore();
    const corrupted = await store.put({ accuracy: 0.97 });
    fs.writeFileSync(store.pathOf(corrupted.hash), '{"accuracy":1.0}');
    await assert.rejects(store.get(corrupted), (error: unknown) => error instanceof ArtifactIntegrityError && error.location === store.pathOf(corrupted.hash) && error.message.includes(error.location));
    const missing = await store.put('soon gone');
    fs.rmSync(store.pathOf(missing.hash));
    await assert.rejects(store.get(missing), new RegExp(`^ArtifactIntegrityError: artifact ${missing.hash} is missing: no file at ${store.pathOf(missing.hash).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  void it('reads a small artifact without waiting on the thread pool, and a large one through it, both checked', async () => {
    const store = freshStore();
    const small = await store.put({ rows: [1, 2, 3] });
    const large = await store.put('x'.repeat(3 * 1024 * 1024));
    // Every thread of libuv's pool busy (4 by default, UV_THREADPOOL_SIZE if set): a read that
    // needs one waits until the first of these ends.
    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const order: string[] = [];
    const busy = Array.from({ length: threads }, () => new Promise<void>((resolve) => pbkdf2('pw', 'salt', 400_000, 64, 'sha512', () => resolve(void order.push('pool')))));
    const read = store.get(small).then((value) => (order.push('small'), value));
    const readLarge = store.get(large).then((value) => (order.push('large'), value));
    assert.deepStrictEqual(await read, { rows: [1, 2, 3] });
    assert.equal((await readLarge as string).length, 3 * 1024 * 1024);
    await Promise.all(busy);
    assert.equal(order[0], 'small', `the small read waited on the pool: ${order.join(', ')}`);
    assert.ok(order.indexOf('large') > order.indexOf('pool'), `the large read went through the pool: ${order.join(', ')}`);
    // Both paths check the bytes against the hash.
    fs.writeFileSync(store.pathOf(large.hash), 'y'.repeat(3 * 1024 * 1024));
    await assert.rejects(store.get(large), (error: unknown) => error instanceof ArtifactIntegrityError && error.reason === 'corrupted');
  });

  void it('rejects invalid hashes as file names', () => {
    const store = freshStore();
    for (const hash of invalidHashes) assert.throws(() => store.pathOf(hash), /invalid artifact hash .*: expected 64 lowercase hex characters/);
    assert.throws(() => store.pathOf(42 as unknown as string), /invalid artifact hash "42"/);
  });

  void it('makes folders 0700 and files 0600 whatever the umask', async () => {
    const store = freshStore();
    const umask = process.umask(0);
    let hash: string;
    try {
      hash = (await store.put({ secret: true })).hash;
    } finally {
      process.umask(umask);
    }
    assert.equal(fs.statSync(store.rootDir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.dirname(store.pathOf(hash))).mode & 0o777, 0o700);
    assert.equal(fs.statSync(store.pathOf(hash)).mode & 0o777, 0o600);
  });

  void it('two processes storing the same content at once leave one file per content and no temp files', async () => {
    const store = freshStore();
    const [mine, theirs] = await putFromTwoProcesses({ module: path.join(__dirname, 'support', 'openLocalArtifactStore.ts'), spec: { rootDir: store.rootDir } }, 8, 4 * 1024 * 1024);
    assert.deepStrictEqual(mine, theirs);
    assert.deepStrictEqual(filesUnder(store.rootDir), mine.map((ref) => path.join(ref.hash.slice(0, 2), ref.hash)).sort());
  });
});
