import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArtifactEncodingError, ArtifactIntegrityError, ArtifactStore, getMaterializer, type Materializer } from '../../../runtime/src/artifacts';

let tempRoot: string;
before(() => {
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-artifacts-'));
});
after(() => {
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

let storeCount = 0;
/** A fresh store in its own folder under the test's temp dir. */
function freshStore(): ArtifactStore {
  return new ArtifactStore(path.join(tempRoot, `store-${storeCount++}`));
}

/** Every file under `dir` (relative paths), temp files included. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((entry) => fs.statSync(path.join(dir, entry)).isFile()).sort();
}

function expectedHash(materializer: string, bytes: string | Uint8Array): string {
  return createHash('sha256').update(`${materializer}\0`).update(bytes).digest('hex');
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** A custom materializer that is chosen explicitly, never registered by class. */
const pointMaterializer: Materializer<Point> = {
  name: 'test-point@1',
  save: (point) => `${point.x},${point.y}`,
  load: (data) => {
    const [x, y] = data.toString('utf8').split(',').map(Number);
    return new Point(x!, y!);
  },
};

void describe('ArtifactStore.put and get', () => {
  const values: [string, unknown, string, string][] = [
    ['a number', 42, 'json@1', 'number'],
    ['a string', 'hello', 'text@1', 'string'],
    ['an array', [1, 2, 3], 'json@1', 'Array'],
    ['a plain object', { a: { b: [true] } }, 'json@1', 'Object'],
    ['null', null, 'json@1', 'null'],
    ['undefined', undefined, 'structured@1', 'undefined'],
    ['a Map', new Map([['k', new Set([1n])]]), 'structured@1', 'Map'],
    ['a Date', new Date(86400000), 'structured@1', 'Date'],
    ['a Float64Array', new Float64Array([1, NaN, -0]), 'structured@1', 'Float64Array'],
    ['a Buffer', Buffer.from([1, 2, 3]), 'buffer@1', 'Buffer'],
    ['a Uint8Array', new Uint8Array([9, 8]), 'bytes@1', 'Uint8Array'],
    ['a bigint', 2n ** 70n, 'structured@1', 'bigint'],
  ];
  for (const [what, value, materializer, typeName] of values) {
    void it(`stores ${what} as a real file and loads it back`, () => {
      const store = freshStore();
      const ref = store.put(value);
      assert.equal(ref.materializer, materializer);
      assert.equal(ref.typeName, typeName);
      assert.match(ref.hash, /^[0-9a-f]{64}$/);
      const file = store.pathOf(ref.hash);
      assert.equal(file, path.join(store.rootDir, ref.hash.slice(0, 2), ref.hash));
      const bytes = fs.readFileSync(file);
      assert.equal(ref.size, bytes.length);
      assert.equal(ref.hash, expectedHash(materializer, bytes));
      assert.ok(store.has(ref.hash));
      assert.deepStrictEqual(store.get(ref), value);
    });
  }

  void it('stores strings as UTF-8 text and plain data as JSON text', () => {
    const store = freshStore();
    assert.equal(fs.readFileSync(store.pathOf(store.put('héllo').hash), 'utf8'), 'héllo');
    assert.equal(fs.readFileSync(store.pathOf(store.put({ a: [1] }).hash), 'utf8'), '{"a":[1]}');
  });

  void it('creates its folder only on the first write', () => {
    const store = new ArtifactStore(path.join(tempRoot, 'lazy', 'nested', 'store'));
    assert.equal(fs.existsSync(store.rootDir), false);
    assert.equal(store.has('0'.repeat(64)), false);
    assert.equal(fs.existsSync(store.rootDir), false);
    store.put(1);
    assert.ok(fs.existsSync(store.rootDir));
  });

  void it('uses an explicitly chosen custom materializer and names it in the ref', () => {
    const store = freshStore();
    const ref = store.put(new Point(3, 4), pointMaterializer as Materializer);
    assert.equal(ref.materializer, 'test-point@1');
    assert.equal(ref.typeName, 'Point');
    assert.equal(fs.readFileSync(store.pathOf(ref.hash), 'utf8'), '3,4');
    const back = store.get({ hash: ref.hash, materializer: ref.materializer });
    assert.ok(back instanceof Point);
    assert.deepStrictEqual(back, new Point(3, 4));
    // Writing made the materializer loadable by name for later reads in this process.
    assert.equal(getMaterializer('test-point@1'), pointMaterializer);
  });

  void it('refuses a different materializer that reuses a known name', () => {
    const impostor: Materializer = { name: 'json@1', save: () => 'x', load: () => 'x' };
    assert.throws(() => freshStore().put(1, impostor), /belongs to a built-in/);
  });

  void it('refuses values that cannot be stored, writing nothing', () => {
    const store = freshStore();
    assert.throws(() => store.put({ model: { fn: () => 1 } }), (error: unknown) => error instanceof ArtifactEncodingError && error.message === 'value.model.fn: functions cannot be stored');
    assert.throws(() => store.put(new Point(1, 2)), /cannot store an instance of class Point: register a materializer/);
    assert.deepStrictEqual(filesUnder(store.rootDir), []);
  });

  void it('refuses a materializer whose save returns something other than bytes or text', () => {
    const broken = { name: 'test-broken@1', save: () => 42, load: () => null } as unknown as Materializer;
    assert.throws(() => freshStore().put('x', broken), /materializer "test-broken@1" save\(\) returned number; expected a Uint8Array or string/);
  });
});

void describe('ArtifactStore content addressing', () => {
  void it('gives equal values the same hash and keeps one file', () => {
    const store = freshStore();
    const first = store.put({ rows: [1, 2, 3], name: 'iris' });
    const file = store.pathOf(first.hash);
    const writtenAt = fs.statSync(file).mtimeMs;
    const second = store.put({ rows: [1, 2, 3], name: 'iris' });
    assert.deepStrictEqual(second, first);
    assert.deepStrictEqual(filesUnder(store.rootDir), [path.join(first.hash.slice(0, 2), first.hash)]);
    assert.equal(fs.statSync(file).mtimeMs, writtenAt, 'an existing artifact is not rewritten');
  });

  void it('gives different values different hashes', () => {
    const store = freshStore();
    assert.notEqual(store.put([1, 2]).hash, store.put([2, 1]).hash);
    assert.equal(filesUnder(store.rootDir).length, 2);
  });

  void it('includes the materializer name in the hash', () => {
    const store = freshStore();
    // Both write the bytes "42".
    const asJson = store.put(42);
    const asText = store.put('42');
    assert.notEqual(asJson.hash, asText.hash);
    assert.equal(store.get(asJson), 42);
    assert.equal(store.get(asText), '42');
  });

  void it('leaves no temp files behind', () => {
    const store = freshStore();
    for (let i = 0; i < 20; i++) store.put({ i });
    assert.equal(filesUnder(store.rootDir).filter((file) => file.endsWith('.tmp')).length, 0);
    assert.equal(filesUnder(store.rootDir).length, 20);
  });
});

void describe('ArtifactStore integrity', () => {
  void it('detects a corrupted file, naming the hash and file', () => {
    const store = freshStore();
    const ref = store.put({ accuracy: 0.97 });
    const file = store.pathOf(ref.hash);
    fs.writeFileSync(file, '{"accuracy":1.0}');
    assert.throws(() => store.get(ref), (error: unknown) => {
      assert.ok(error instanceof ArtifactIntegrityError);
      assert.equal(error.reason, 'corrupted');
      assert.equal(error.hash, ref.hash);
      assert.equal(error.file, file);
      assert.ok(error.message.includes(ref.hash) && error.message.includes(file), error.message);
      return true;
    });
  });

  void it('detects a missing file', () => {
    const store = freshStore();
    const ref = store.put('soon gone');
    fs.rmSync(store.pathOf(ref.hash));
    assert.equal(store.has(ref.hash), false);
    assert.throws(() => store.get(ref), (error: unknown) => {
      assert.ok(error instanceof ArtifactIntegrityError);
      assert.equal(error.reason, 'missing');
      assert.match(error.message, new RegExp(`^artifact ${ref.hash} is missing: no file at `));
      return true;
    });
  });

  void it('refuses to load with a different materializer than the one that wrote the bytes', () => {
    const store = freshStore();
    const ref = store.put('{"a":1}');
    assert.throws(() => store.get({ hash: ref.hash, materializer: 'json@1' }), /is corrupted: .*not written with materializer "json@1"/);
  });

  void it('names an unknown materializer', () => {
    const store = freshStore();
    const ref = store.put(1);
    assert.throws(() => store.get({ hash: ref.hash, materializer: 'pickle@1' }), /unknown materializer "pickle@1" \(known: json@1/);
  });

  void it('wraps load failures with the artifact hash', () => {
    const store = freshStore();
    const failing: Materializer = {
      name: 'test-failing-load@1',
      save: () => 'data',
      load: () => {
        throw new Error('bad data');
      },
    };
    const ref = store.put('anything', failing);
    assert.throws(() => store.get(ref), new RegExp(`^Error: artifact ${ref.hash} could not be loaded with materializer "test-failing-load@1": bad data$`));
  });
});

void describe('ArtifactStore hash validation', () => {
  const invalid = ['', '../../etc/passwd', 'ab/../../x', 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(63)}g`, `${'a'.repeat(62)}/a`, `${'a'.repeat(63)}\0`];
  for (const hash of invalid) {
    void it(`rejects ${JSON.stringify(hash)}`, () => {
      const store = freshStore();
      assert.throws(() => store.pathOf(hash), /invalid artifact hash .*: expected 64 lowercase hex characters/);
      assert.throws(() => store.has(hash), /invalid artifact hash/);
      assert.throws(() => store.get({ hash, materializer: 'json@1' }), /invalid artifact hash/);
    });
  }

  void it('rejects non-string hashes', () => {
    assert.throws(() => freshStore().pathOf(42 as unknown as string), /invalid artifact hash "42"/);
  });
});
