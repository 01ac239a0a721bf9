import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArtifactEncodingError, getMaterializer, materializerFor, registerMaterializer, type Materializer } from '../../../runtime/src/artifacts';

/** Save and load through a materializer as the store would (bytes in a Buffer). */
function throughBytes<T>(materializer: Materializer<T>, value: T): T {
  const saved = materializer.save(value);
  return materializer.load(typeof saved === 'string' ? Buffer.from(saved, 'utf8') : Buffer.from(saved));
}

class Model {
  constructor(readonly weights: number[]) {}
}
class BigModel extends Model {}
class HugeModel extends BigModel {}

/** Stores a Model as its weights; load only builds a Model from numbers. */
const modelMaterializer: Materializer<Model> = {
  name: 'test-model@1',
  save: (model) => JSON.stringify(model.weights),
  load: (data) => new Model((JSON.parse(data.toString('utf8')) as unknown[]).map(Number)),
};
registerMaterializer(modelMaterializer as Materializer, { type: Model });

void describe('materializerFor picks by value', () => {
  const cases: [string, unknown, string][] = [
    ['a number', 42, 'json@1'],
    ['null', null, 'json@1'],
    ['a plain object', { a: [1, 'x'], b: { c: true } }, 'json@1'],
    ['an array', [1, 2, 3], 'json@1'],
    ['a string', 'hello', 'text@1'],
    ['an empty string', '', 'text@1'],
    ['a string with a lone surrogate', 'a\uD800b', 'structured@1'],
    ['a Buffer', Buffer.from('x'), 'buffer@1'],
    ['a Uint8Array', new Uint8Array([1]), 'bytes@1'],
    ['a Float32Array', new Float32Array([1]), 'structured@1'],
    ['a Uint8ClampedArray', new Uint8ClampedArray([1]), 'structured@1'],
    ['a Map', new Map([[1, 2]]), 'structured@1'],
    ['a Set', new Set([1]), 'structured@1'],
    ['a Date', new Date(0), 'structured@1'],
    ['undefined', undefined, 'structured@1'],
    ['NaN', NaN, 'structured@1'],
    ['-0', -0, 'structured@1'],
    ['a bigint', 10n, 'structured@1'],
    ['an object with undefined', { a: undefined }, 'structured@1'],
    ['a null-prototype object', Object.create(null), 'structured@1'],
    ['a Model', new Model([1]), 'test-model@1'],
    ['a subclass instance (parent registration)', new BigModel([2]), 'test-model@1'],
    ['a grandchild instance', new HugeModel([3]), 'test-model@1'],
  ];
  for (const [what, value, expected] of cases) {
    void it(`${what} -> ${expected}`, () => assert.equal(materializerFor(value).name, expected));
  }

  void it('prefers the nearest registered class on the prototype chain', () => {
    class Tree extends Model {}
    const treeMaterializer: Materializer = { name: 'test-tree@1', save: () => '', load: () => new Tree([]) };
    registerMaterializer(treeMaterializer, { type: Tree });
    assert.equal(materializerFor(new Tree([1])), treeMaterializer);
    assert.equal(materializerFor(new (class Forest extends Tree {})([1])), treeMaterializer);
    assert.equal(materializerFor(new BigModel([1])).name, 'test-model@1');
  });

  void it('prefers a registered class over the Uint8Array built-ins', () => {
    class Image extends Uint8Array {}
    const imageMaterializer: Materializer = { name: 'test-image@1', save: (v) => v as Uint8Array, load: (d) => new Image(d) };
    registerMaterializer(imageMaterializer, { type: Image });
    assert.equal(materializerFor(new Image(2)), imageMaterializer);
  });

  void it('rejects an instance of an unregistered class, naming it and suggesting registerMaterializer', () => {
    class Tokenizer {
      vocab = ['a'];
    }
    for (const value of [new Tokenizer(), /re/, new (class Registry extends Map {})(), new WeakMap()]) {
      assert.throws(() => materializerFor(value), (error: unknown) => {
        assert.ok(error instanceof ArtifactEncodingError);
        assert.match(error.message, /^cannot store an instance of class (Tokenizer|RegExp|Registry|WeakMap): register a materializer for it with registerMaterializer/);
        return true;
      });
    }
  });

  void it('leaves nested problems to structured@1, which names the path', () => {
    const value = { model: { fn: () => 1 } };
    const chosen = materializerFor(value);
    assert.equal(chosen.name, 'structured@1');
    assert.throws(() => chosen.save(value), /^ArtifactEncodingError: value\.model\.fn: functions cannot be stored$/);
  });
});

void describe('built-in materializers', () => {
  void it('json@1 round-trips plain data and refuses anything else', () => {
    const json = getMaterializer('json@1');
    const value = { a: [1, 2.5, 'x', null, true], b: {} };
    assert.deepStrictEqual(throughBytes(json, value), value);
    for (const bad of [new Map(), { a: undefined }, NaN, undefined]) {
      assert.throws(() => json.save(bad), (error: unknown) => error instanceof ArtifactEncodingError && /use structured@1/.test(error.message));
    }
  });

  void it('json@1 loads __proto__ keys as own data without polluting prototypes', () => {
    const loaded = getMaterializer('json@1').load(Buffer.from('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(loaded), Object.prototype);
    assert.ok(Object.hasOwn(loaded, '__proto__'));
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  void it('text@1 round-trips strings (including non-ASCII and a BOM) and refuses non-strings', () => {
    const text = getMaterializer('text@1');
    for (const value of ['', 'plain', 'héllo wörld 🚀', '\uFEFFbom first', 'line\nbreak\0nul']) assert.equal(throughBytes(text, value), value);
    assert.throws(() => text.save(42), /text@1 stores only strings, got number/);
    assert.throws(() => text.save('\uDC00'), /lone surrogates; use structured@1/);
  });

  void it('bytes@1 loads an exact Uint8Array copy', () => {
    const loaded = throughBytes(getMaterializer('bytes@1'), new Uint8Array([0, 1, 255]));
    assert.equal(Object.getPrototypeOf(loaded), Uint8Array.prototype);
    assert.deepStrictEqual(loaded, new Uint8Array([0, 1, 255]));
    assert.throws(() => getMaterializer('bytes@1').save([1, 2]), /bytes@1 stores only Uint8Array values, got Array/);
  });

  void it('buffer@1 loads a Buffer', () => {
    const loaded = throughBytes(getMaterializer('buffer@1'), Buffer.from('abc'));
    assert.ok(Buffer.isBuffer(loaded));
    assert.deepStrictEqual(loaded, Buffer.from('abc'));
    assert.throws(() => getMaterializer('buffer@1').save('abc'), /buffer@1 stores only Buffer or Uint8Array values, got string/);
  });

  void it('structured@1 writes JSON text of the structured encoding', () => {
    const structured = getMaterializer('structured@1');
    const value = { when: new Date(0), tags: new Set(['a']), n: 1n, x: undefined };
    const saved = structured.save(value);
    assert.equal(typeof saved, 'string');
    assert.doesNotThrow(() => JSON.parse(saved as string));
    assert.deepStrictEqual(throughBytes(structured, value), value);
    assert.equal(throughBytes(structured, 'a\uD800b'), 'a\uD800b', 'lone surrogates survive via JSON escapes');
  });
});

void describe('registerMaterializer and getMaterializer', () => {
  void it('finds custom materializers by name and round-trips through them', () => {
    const found = getMaterializer('test-model@1');
    assert.equal(found, modelMaterializer);
    const back = throughBytes(found, new Model([0.5, 2]));
    assert.ok(back instanceof Model);
    assert.deepStrictEqual((back as Model).weights, [0.5, 2]);
  });

  void it('accepts the same object twice but not a different one under the same name', () => {
    assert.doesNotThrow(() => registerMaterializer(modelMaterializer as Materializer));
    assert.throws(() => registerMaterializer({ ...modelMaterializer } as Materializer), /another materializer is already registered as "test-model@1"/);
  });

  void it('refuses built-in names', () => {
    for (const name of ['json@1', 'text@1', 'bytes@1', 'buffer@1', 'structured@1']) {
      assert.throws(() => registerMaterializer({ name, save: () => '', load: () => null }), new RegExp(`"${name}" belongs to a built-in`));
    }
    assert.throws(() => registerMaterializer(getMaterializer('json@1')), /belongs to a built-in/);
  });

  void it('refuses malformed materializers and types', () => {
    assert.throws(() => registerMaterializer({ name: '', save: () => '', load: () => null }), /non-empty name/);
    assert.throws(() => registerMaterializer({ name: 'a\0b', save: () => '', load: () => null }), /without NUL/);
    assert.throws(() => registerMaterializer({ name: 'test-nosave', load: () => null } as unknown as Materializer), /needs save and load functions/);
    assert.throws(() => registerMaterializer({ name: 'test-object', save: () => '', load: () => null }, { type: Object }), /cannot register a materializer for Object/);
    assert.throws(() => registerMaterializer({ name: 'test-other-model', save: () => '', load: () => null }, { type: Model }), /class Model already has materializer "test-model@1"/);
    assert.throws(() => getMaterializer('test-other-model'), /unknown materializer/, 'a failed registration leaves nothing behind');
  });

  void it('names the unknown materializer and lists the known ones', () => {
    assert.throws(() => getMaterializer('pickle@1'), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^unknown materializer "pickle@1" \(known: json@1, text@1, bytes@1, buffer@1, structured@1, .*test-model@1/);
      return true;
    });
  });
});
