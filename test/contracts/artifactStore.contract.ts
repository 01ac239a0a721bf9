// The contract every ArtifactStore passes, written against the interface only. An implementation
// runs it with a factory (see localArtifactStore.test.ts) that opens an empty store and says how
// to damage an entry and how another process opens the same store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ArtifactEncodingError, ArtifactIntegrityError, getMaterializer, type ArtifactStore, type Materializer } from '../../runtime/src/artifacts';

export interface ArtifactStoreHarness {
  /** An empty store of its own. */
  store: ArtifactStore;
  /** Removes the entry of `hash` behind the store's back (a lost file or object). */
  remove(hash: string): Promise<void>;
  /** Replaces the stored bytes of `hash` behind the store's back (bit rot, a bad copy). */
  overwrite(hash: string, bytes: Uint8Array): Promise<void>;
  /** How another process opens this same store: a module exporting `openArtifactStore(spec)`, and the spec (JSON). */
  inAnotherProcess: { module: string; spec: unknown };
}

/** The content address every store uses, so refs stay valid from one store to another. */
export function expectedHash(materializer: string, bytes: string | Uint8Array): string {
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

/** Strings that are no sha256 hex hash (some would be paths outside a store folder). */
export const invalidHashes = ['', '../../etc/passwd', 'ab/../../x', 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(63)}g`, `${'a'.repeat(62)}/a`, `${'a'.repeat(63)}\0`];

/** One value of every kind the built-in materializers store: [what, value, materializer, type name]. */
export const valuesOfEveryKind: [string, unknown, string, string][] = [
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

/** A materializer whose load fails (one object: a process may run the contract more than once). */
const failing: Materializer = {
  name: 'test-failing-load@1',
  save: () => 'data',
  load: () => {
    throw new Error('bad data');
  },
};

/** A materializer whose save returns neither bytes nor text. */
const broken = { name: 'test-broken@1', save: () => 42, load: () => null } as unknown as Materializer;

export function artifactStoreContract(implementation: string, open: () => Promise<ArtifactStoreHarness>): void {
  void describe(`ArtifactStore contract: ${implementation}`, () => {
    void describe('round trips', () => {
      for (const [what, value, materializer, typeName] of valuesOfEveryKind) {
        void it(`stores ${what} with ${materializer} and loads it back`, async () => {
          const { store } = await open();
          const ref = await store.put(value);
          assert.equal(ref.materializer, materializer);
          assert.equal(ref.typeName, typeName);
          assert.match(ref.hash, /^[0-9a-f]{64}$/);
          const bytes = await store.getBytes(ref);
          assert.equal(ref.size, bytes.length);
          assert.equal(ref.hash, expectedHash(materializer, bytes));
          assert.equal(await store.has(ref.hash), true);
          assert.deepStrictEqual(await store.get(ref), value);
        });
      }

      void it('stores strings as UTF-8 text and plain data as JSON text', async () => {
        const { store } = await open();
        assert.equal((await store.getBytes(await store.put('héllo'))).toString('utf8'), 'héllo');
        assert.equal((await store.getBytes(await store.put({ a: [1] }))).toString('utf8'), '{"a":[1]}');
      });

      void it('uses an explicitly chosen custom materializer and names it in the ref', async () => {
        const { store } = await open();
        const ref = await store.put(new Point(3, 4), pointMaterializer as Materializer);
        assert.equal(ref.materializer, 'test-point@1');
        assert.equal(ref.typeName, 'Point');
        assert.equal((await store.getBytes(ref)).toString('utf8'), '3,4');
        const back = await store.get({ hash: ref.hash, materializer: ref.materializer });
        assert.ok(back instanceof Point);
        assert.deepStrictEqual(back, new Point(3, 4));
        // Writing made the materializer loadable by name for later reads in this process.
        assert.equal(getMaterializer('test-point@1'), pointMaterializer);
      });

      void it('refuses a different materializer that reuses a known name', async () => {
        const { store } = await open();
        const impostor: Materializer = { name: 'json@1', save: () => 'x', load: () => 'x' };
        await assert.rejects(store.put(1, impostor), /belongs to a built-in/);
      });

      void it('refuses values that cannot be stored', async () => {
        const { store } = await open();
        await assert.rejects(store.put({ model: { fn: () => 1 } }), (error: unknown) => error instanceof ArtifactEncodingError && error.message === 'value.model.fn: functions cannot be stored');
        await assert.rejects(store.put(new Point(1, 2)), /cannot store an instance of class Point: register a materializer/);
      });

      void it('refuses a materializer whose save returns something other than bytes or text', async () => {
        const { store } = await open();
        await assert.rejects(store.put('x', broken), /materializer "test-broken@1" save\(\) returned number; expected a Uint8Array or string/);
      });
    });

    void describe('content addressing', () => {
      void it('gives equal content the same ref', async () => {
        const { store } = await open();
        const first = await store.put({ rows: [1, 2, 3], name: 'iris' });
        const second = await store.put({ rows: [1, 2, 3], name: 'iris' });
        assert.deepStrictEqual(second, first);
        assert.deepStrictEqual(await store.get(second), { rows: [1, 2, 3], name: 'iris' });
      });

      void it('gives different values different hashes', async () => {
        const { store } = await open();
        assert.notEqual((await store.put([1, 2])).hash, (await store.put([2, 1])).hash);
      });

      void it('includes the materializer name in the hash', async () => {
        const { store } = await open();
        // Both write the bytes "42".
        const asJson = await store.put(42);
        const asText = await store.put('42');
        assert.notEqual(asJson.hash, asText.hash);
        assert.equal(await store.get(asJson), 42);
        assert.equal(await store.get(asText), '42');
      });

      void it('knows no entry it was never given', async () => {
        const { store } = await open();
        assert.equal(await store.has(expectedHash('json@1', '1')), false);
      });

      void it('keeps one entry when two processes store the same content at once', async () => {
        const { store, inAnotherProcess } = await open();
        const count = 8;
        const size = 4 * 1024 * 1024;
        const [mine, theirs] = await putFromTwoProcesses(inAnotherProcess, count, size);
        assert.deepStrictEqual(mine, theirs);
        assert.equal(mine.length, count);
        for (const [index, ref] of mine.entries()) {
          assert.equal(ref.size, size);
          assert.ok((await store.get(ref) as Buffer).equals(Buffer.alloc(size, index)), `value ${index} reads back whole`);
        }
      });
    });

    void describe('bytes from elsewhere (putBytes)', () => {
      void it('stores bytes that match their content address, readable like any entry', async () => {
        const { store } = await open();
        const bytes = Buffer.from('{"rows":[1,2,3]}');
        const ref = { hash: expectedHash('json@1', bytes), materializer: 'json@1' };
        assert.equal(await store.has(ref.hash), false);
        await store.putBytes(ref, bytes);
        assert.equal(await store.has(ref.hash), true);
        assert.deepStrictEqual(await store.getBytes(ref), bytes);
        assert.deepStrictEqual(await store.get(ref), { rows: [1, 2, 3] });
        // Again: nothing changes.
        await store.putBytes(ref, bytes);
        assert.deepStrictEqual(await store.get(ref), { rows: [1, 2, 3] });
      });

      void it('refuses bytes that do not match their content address, storing nothing', async () => {
        const { store } = await open();
        const ref = { hash: expectedHash('json@1', Buffer.from('1')), materializer: 'json@1' };
        await assert.rejects(store.putBytes(ref, Buffer.from('2')), (error: unknown) => error instanceof ArtifactIntegrityError && error.reason === 'corrupted' && error.hash === ref.hash);
        assert.equal(await store.has(ref.hash), false);
        await assert.rejects(store.putBytes({ hash: '../x', materializer: 'json@1' }, Buffer.from('1')), /invalid artifact hash/);
      });
    });

    void describe('integrity', () => {
      void it('detects a corrupted entry, naming the artifact and where it was', async () => {
        const { store, overwrite } = await open();
        const ref = await store.put({ accuracy: 0.97 });
        await overwrite(ref.hash, Buffer.from('{"accuracy":1.0}'));
        for (const read of [() => store.get(ref), () => store.getBytes(ref)]) {
          await assert.rejects(read(), (error: unknown) => {
            assert.ok(error instanceof ArtifactIntegrityError);
            assert.equal(error.reason, 'corrupted');
            assert.equal(error.hash, ref.hash);
            assert.ok(error.location.length > 0);
            assert.ok(error.message.includes(ref.hash) && error.message.includes(error.location), error.message);
            return true;
          });
        }
      });

      void it('detects a missing entry, naming the artifact', async () => {
        const { store, remove } = await open();
        const ref = await store.put('soon gone');
        await remove(ref.hash);
        assert.equal(await store.has(ref.hash), false);
        for (const read of [() => store.get(ref), () => store.getBytes(ref)]) {
          await assert.rejects(read(), (error: unknown) => {
            assert.ok(error instanceof ArtifactIntegrityError);
            assert.equal(error.reason, 'missing');
            assert.equal(error.hash, ref.hash);
            assert.match(error.message, new RegExp(`^artifact ${ref.hash} is missing: `));
            return true;
          });
        }
      });

      void it('refuses to load with a different materializer than the one that wrote the bytes', async () => {
        const { store } = await open();
        const ref = await store.put('{"a":1}');
        await assert.rejects(store.get({ hash: ref.hash, materializer: 'json@1' }), /is corrupted: .*not written with materializer "json@1"/);
      });

      void it('names an unknown materializer', async () => {
        const { store } = await open();
        const ref = await store.put(1);
        await assert.rejects(store.get({ hash: ref.hash, materializer: 'pickle@1' }), /unknown materializer "pickle@1" \(known: json@1/);
      });

      void it('wraps load failures with the artifact hash, and what it is when told', async () => {
        const { store } = await open();
        const ref = await store.put('anything', failing);
        await assert.rejects(store.get(ref), new RegExp(`^Error: artifact ${ref.hash} could not be loaded with materializer "test-failing-load@1": bad data$`));
        await assert.rejects(store.get(ref, 'output "x" of step "s"'), new RegExp(`^Error: output "x" of step "s" \\(artifact ${ref.hash}\\) could not be loaded`));
      });
    });

    void describe('hash validation', () => {
      for (const hash of invalidHashes) {
        void it(`rejects ${JSON.stringify(hash)}`, async () => {
          const { store } = await open();
          await assert.rejects(store.has(hash), /invalid artifact hash .*: expected 64 lowercase hex characters/);
          await assert.rejects(store.get({ hash, materializer: 'json@1' }), /invalid artifact hash/);
          await assert.rejects(store.getBytes({ hash, materializer: 'json@1' }), /invalid artifact hash/);
        });
      }

      void it('rejects non-string hashes', async () => {
        const { store } = await open();
        await assert.rejects(store.has(42 as unknown as string), /invalid artifact hash "42"/);
      });
    });
  });
}

/**
 * Two processes open the store and, released together, each store the same `count` buffers of
 * `size` bytes (buffer `i` filled with `i`); resolves with the refs each one got.
 */
export async function putFromTwoProcesses(target: ArtifactStoreHarness['inAnotherProcess'], count: number, size: number): Promise<[RefLike[], RefLike[]]> {
  const script = path.join(__dirname, 'support', 'putFromProcess.ts');
  const children = [0, 1].map(() => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, target.module, JSON.stringify(target.spec), String(count), String(size)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => stdout.includes('ready\n') && resolve());
      child.once('exit', (code) => reject(new Error(`putter exited (${code}) before it was ready: ${stderr}`)));
    });
    const done = new Promise<RefLike[]>((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout.slice(stdout.indexOf('ready\n') + 6)) as RefLike[]) : reject(new Error(`putter exited ${code}: ${stderr}`)))),
    );
    done.catch(() => undefined);
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const { child } of children) child.stdin.end('go\n');
  const [mine, theirs] = await Promise.all(children.map((c) => c.done));
  return [mine!, theirs!];
}

interface RefLike {
  hash: string;
  materializer: string;
  size: number;
  typeName: string;
}
