import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArtifactEncodingError, decodeStructured, encodeStructured, getMaterializer, isPlainJson, materializerFor } from '../../../runtime/src/artifacts';
import { MalformedArtifactError, MAX_NESTING } from '../../../runtime/src/artifacts/structured';

/** Encode, go through JSON text (as the store does), decode. */
function roundTrip(value: unknown): unknown {
  const text = JSON.stringify(encodeStructured(value));
  assert.equal(typeof text, 'string', 'the encoded tree must be JSON text');
  return decodeStructured(JSON.parse(text));
}

function assertRoundTrips(value: unknown): void {
  assert.deepStrictEqual(roundTrip(value), value);
}

void describe('structured encoding round-trips', () => {
  void it('keeps plain JSON values as they are', () => {
    const value = { a: 1, b: 'two', c: [true, false, null], d: { e: 2.5 } };
    assert.deepStrictEqual(encodeStructured(value), value);
    assertRoundTrips(value);
  });

  void it('round-trips special numbers and undefined at the top level', () => {
    for (const value of [NaN, Infinity, -Infinity, undefined, 0, 1.5, -3]) assertRoundTrips(value);
    assert.ok(Object.is(roundTrip(-0), -0), '-0 must stay -0');
    assert.ok(Object.is(roundTrip(0), 0), '0 must stay +0');
  });

  void it('round-trips special numbers and undefined nested in arrays and objects', () => {
    const value = { list: [NaN, -0, Infinity, undefined, -Infinity], nested: { missing: undefined, zero: -0 } };
    const back = roundTrip(value) as typeof value;
    assert.deepStrictEqual(back, value);
    assert.ok(Object.hasOwn(back.nested, 'missing'), 'an undefined property keeps its key');
    assert.ok(Object.is(back.list[1], -0));
    assert.ok(Object.is(back.nested.zero, -0));
  });

  void it('round-trips bigint, Date and invalid Date', () => {
    assertRoundTrips(123456789012345678901234567890n);
    assertRoundTrips(-42n);
    assertRoundTrips(0n);
    const date = new Date('2024-02-29T12:34:56.789Z');
    const back = roundTrip(date);
    assert.ok(back instanceof Date);
    assert.equal(back.getTime(), date.getTime());
    assertRoundTrips(new Date(-8.64e15));
    assert.ok(Number.isNaN((roundTrip(new Date(NaN)) as Date).getTime()));
  });

  void it('round-trips Map and Set with non-string keys and nested special values', () => {
    const map = new Map<unknown, unknown>([
      [1, 'one'],
      ['1', 'string one'],
      [{ k: 1 }, new Set([1n, NaN, undefined])],
      [undefined, new Date(0)],
    ]);
    const back = roundTrip(map) as Map<unknown, unknown>;
    assert.deepStrictEqual(back, map);
    assert.equal(back.get(1), 'one');
    assert.equal(back.get('1'), 'string one');
    assertRoundTrips(new Set(['a', 1, { b: [2] }]));
  });

  void it('round-trips a Map nested in an array nested in an object', () => {
    const value = { runs: [{ metrics: new Map([['loss', [0.5, NaN]]]) }, new Map([[1n, new Map([['zero', -0]])]])] };
    assertRoundTrips(value);
    const inner = ((roundTrip(value) as typeof value).runs[1] as Map<bigint, Map<string, number>>).get(1n);
    assert.ok(inner instanceof Map);
    assert.ok(Object.is(inner.get('zero'), -0));
  });

  const typedArrays: [string, ArrayBufferView][] = [
    ['Int8Array', new Int8Array([-128, 0, 127])],
    ['Uint8Array', new Uint8Array([0, 1, 255])],
    ['Uint8ClampedArray', new Uint8ClampedArray([0, 128, 255])],
    ['Int16Array', new Int16Array([-32768, 1, 32767])],
    ['Uint16Array', new Uint16Array([0, 258, 65535])],
    ['Int32Array', new Int32Array([-2147483648, 7, 2147483647])],
    ['Uint32Array', new Uint32Array([0, 16909060, 4294967295])],
    ['Float32Array', new Float32Array([1.5, -0, NaN, Infinity])],
    ['Float64Array', new Float64Array([Math.PI, -0, NaN, -Infinity, Number.MIN_VALUE])],
    ['BigInt64Array', new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n])],
    ['BigUint64Array', new BigUint64Array([0n, 2n ** 64n - 1n])],
    ['Buffer', Buffer.from('hello bytes')],
  ];
  for (const [kind, array] of typedArrays) {
    void it(`round-trips ${kind} nested in an object`, () => {
      const back = roundTrip({ data: array, empty: [array.constructor === Buffer ? Buffer.alloc(0) : array] }) as { data: ArrayBufferView };
      assert.deepStrictEqual(back, { data: array, empty: [array.constructor === Buffer ? Buffer.alloc(0) : array] });
      assert.equal(Object.getPrototypeOf(back.data), Object.getPrototypeOf(array), `${kind} keeps its exact type`);
    });
  }

  void it('stores only the viewed part of a typed array', () => {
    const backing = new Float64Array([1, 2, 3, 4, 5]);
    const view = backing.subarray(1, 3);
    const back = roundTrip(view) as Float64Array;
    assert.deepStrictEqual(back, new Float64Array([2, 3]));
    assert.equal(back.buffer.byteLength, 16);
  });

  void it('keeps NaN bit patterns in float arrays', () => {
    const bytes = new Uint8Array([1, 0, 0, 0, 0, 0, 0xf8, 0x7f]);
    const weirdNaN = new Float64Array(bytes.buffer);
    const back = roundTrip(weirdNaN) as Float64Array;
    assert.deepStrictEqual(new Uint8Array(back.buffer), bytes);
  });

  void it('round-trips sparse arrays and null-prototype objects exactly', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    const back = roundTrip(sparse) as unknown[];
    assert.deepStrictEqual(back, sparse);
    assert.equal(back.length, 3);
    assert.ok(!Object.hasOwn(back, 1), 'the hole stays a hole');
    assert.deepStrictEqual(roundTrip([undefined]), [undefined]);
    assert.ok(Object.hasOwn(roundTrip([undefined]) as unknown[], 0));

    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const bareBack = roundTrip(bare) as object;
    assert.equal(Object.getPrototypeOf(bareBack), null);
    assert.deepStrictEqual(bareBack, bare);
  });
});

void describe('structured encoding escapes objects that look like tags', () => {
  const lookalikes: unknown[] = [
    { $pw: 'map', entries: [] },
    { $pw: 'undefined' },
    { $pw: 'hole' },
    { $pw: 'object', entries: { a: 1 } },
    { $pw: { $pw: 'number', value: 'NaN' } },
    [{ $pw: 'hole' }],
    new Map([['k', { $pw: 'date', value: null }]]),
    { outer: { $pw: 'bigint', value: '1' }, n: NaN },
  ];
  for (const value of lookalikes) {
    void it(`keeps ${JSON.stringify(value instanceof Map ? [...value] : value)} as data`, () => assertRoundTrips(value));
  }

  void it('does not escape objects without the tag key', () => {
    assert.deepStrictEqual(encodeStructured({ pw: 1, $other: 2 }), { pw: 1, $other: 2 });
  });
});

void describe('structured decoding cannot change prototypes', () => {
  void it('keeps __proto__, constructor and prototype keys as own data properties', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": 1}') as Record<string, unknown>;
    const back = roundTrip(value) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.hasOwn(back, '__proto__'));
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, { polluted: true });
    assert.deepStrictEqual(Object.keys(back), ['__proto__', 'constructor', 'prototype']);
    assert.equal((back as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  void it('ignores __proto__ in hand-written trees, including escaped objects and tag payloads', () => {
    const trees = [
      '{"__proto__": {"$pw": "map", "entries": []}}',
      '{"$pw": "object", "entries": {"__proto__": {"polluted": true}, "$pw": 1}}',
      '{"a": [{"__proto__": {"polluted": true}}]}',
    ];
    for (const text of trees) {
      const back = decodeStructured(JSON.parse(text)) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(back), Object.prototype, text);
      assert.equal(({} as { polluted?: unknown }).polluted, undefined, text);
    }
    const mapHolder = decodeStructured(JSON.parse(trees[0]!)) as Record<string, unknown>;
    assert.ok(Object.getOwnPropertyDescriptor(mapHolder, '__proto__')?.value instanceof Map);
  });

  void it('only builds typed arrays from its fixed table', () => {
    for (const type of ['Function', 'constructor', '__proto__', 'Object', 'DataView', 'hasOwnProperty']) {
      assert.throws(() => decodeStructured({ $pw: 'typed', type, data: '' }), /malformed structured artifact at value: unknown typed array type/);
    }
  });
});

void describe('structured encoding rejects values it cannot store, naming the path', () => {
  class Model {
    weights = [1];
  }
  const cases: [string, () => unknown, RegExp][] = [
    ['a function', () => ({ model: { fn: () => 1 } }), /^value\.model\.fn: functions cannot be stored$/],
    ['a symbol in an array', () => ({ items: [1, Symbol('x')] }), /^value\.items\[1\]: symbols cannot be stored$/],
    ['a class instance in a Map', () => new Map([['m', new Model()]]), /^value\.get\("m"\): instances of class Model cannot be stored.*registerMaterializer/],
    ['a class instance in a Set', () => new Set([1, new Model()]), /^value\.<item 1>: instances of class Model/],
    ['a weird key', () => ({ 'a b': [() => 1] }), /^value\["a b"\]\[0\]: functions cannot be stored$/],
    ['a symbol key', () => ({ nested: { [Symbol('s')]: 1 } }), /^value\.nested: symbol-keyed properties cannot be stored$/],
    ['a built-in class', () => ({ re: /x/ }), /^value\.re: instances of class RegExp/],
    ['a Map subclass', () => [new (class Registry extends Map {})()], /^value\[0\]: instances of class Registry/],
  ];
  for (const [what, make, message] of cases) {
    void it(`rejects ${what}`, () => {
      assert.throws(() => encodeStructured(make()), (error: unknown) => {
        assert.ok(error instanceof ArtifactEncodingError);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  void it('rejects cycles but allows shared references', () => {
    const node: Record<string, unknown> = { name: 'a' };
    node.self = { back: node };
    assert.throws(() => encodeStructured({ root: node }), /^ArtifactEncodingError: value\.root\.self\.back: circular reference \(back to value\.root\)/);
    const cyclicMap = new Map<string, unknown>();
    cyclicMap.set('me', cyclicMap);
    assert.throws(() => encodeStructured(cyclicMap), /value\.get\("me"\): circular reference/);
    const shared = { x: 1 };
    assertRoundTrips({ a: shared, b: [shared, shared] });
  });

  void it('uses the given root path', () => {
    assert.throws(() => encodeStructured({ f: () => 0 }, 'parameter "cfg"'), /^ArtifactEncodingError: parameter "cfg"\.f: functions/);
  });
});

void describe('structured decoding rejects malformed trees', () => {
  const cases: [unknown, RegExp][] = [
    [{ $pw: 'nope' }, /at value: unknown \$pw tag "nope"/],
    [{ a: { $pw: 'bigint', value: '12abc' } }, /at value\.a: bad bigint digits "12abc"/],
    [{ $pw: 'bigint', value: 12 }, /bad bigint digits 12/],
    [{ $pw: 'number', value: 'eval' }, /unknown special number "eval"/],
    [{ $pw: 'date', value: 'yesterday' }, /bad ISO date "yesterday"/],
    [{ $pw: 'date', value: '2024-01-01' }, /bad ISO date/],
    [{ $pw: 'map', entries: [[1]] }, /value\.<entry 0>: map entry must be a \[key, value\] pair/],
    [{ $pw: 'map', entries: {} }, /map entries must be an array/],
    [{ $pw: 'set', values: 'abc' }, /set values must be an array/],
    [{ $pw: 'typed', type: 'Float64Array', data: 'AAAA' }, /3 bytes is not a whole number of Float64Array elements/],
    [{ $pw: 'typed', type: 'Uint8Array', data: '!!!' }, /not canonical base64/],
    [{ $pw: 'undefined', extra: 1 }, /unexpected key "extra" in a "undefined" node/],
    [{ $pw: 'bigint' }, /missing key "value"/],
    [{ $pw: 'hole' }, /an array hole outside an array/],
    [{ $pw: 'object', entries: [] }, /object entries must be an object/],
    [{ $pw: 'object', entries: {}, nullProto: 'yes' }, /nullProto must be true/],
    [[1, [2, { $pw: 'x' }]], /at value\[1\]\[1\]: unknown \$pw tag "x"/],
  ];
  for (const [tree, message] of cases) {
    void it(`rejects ${JSON.stringify(tree)}`, () => {
      assert.throws(() => decodeStructured(tree), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /^malformed structured artifact at /);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  void it('rejects values JSON cannot produce', () => {
    assert.throws(() => decodeStructured(NaN), /non-finite number/);
    assert.throws(() => decodeStructured(undefined), /unexpected undefined/);
    assert.throws(() => decodeStructured(new Map()), /unexpected non-plain object/);
  });
});

void describe('isPlainJson', () => {
  const yes: unknown[] = [null, true, 0, 1.5, -7, '', 'text', [], {}, [1, 'a', { b: [null] }], { $pw: 'map' }, JSON.parse('{"__proto__": 1}')];
  // eslint-disable-next-line no-sparse-arrays
  const no: unknown[] = [undefined, NaN, Infinity, -Infinity, -0, 1n, Symbol('s'), () => 1, [undefined], { a: undefined }, { a: NaN }, [1, , 2], new Map(), new Set(), new Date(0), new Uint8Array(1), Object.create(null), { [Symbol('k')]: 1 }, new (class A {})(), [new (class B extends Array {})()]];
  void it('accepts exactly JSON-round-trippable values', () => {
    for (const value of yes) {
      assert.equal(isPlainJson(value), true, String(JSON.stringify(value)));
      assert.deepStrictEqual(JSON.parse(JSON.stringify(value)), value);
    }
  });
  void it('refuses everything JSON would change or drop', () => {
    no.forEach((value, index) => assert.equal(isPlainJson(value), false, `case ${index}`));
  });
  void it('refuses cycles instead of overflowing', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.equal(isPlainJson(cyclic), false);
    const shared = { a: 1 };
    assert.equal(isPlainJson([shared, shared]), true);
  });
});

void describe('values nested too deeply', () => {
  const deepArrays = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };
  const deepText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const tooDeep = /nested more than 1000 levels deep/;

  it('are refused with a clear error when encoding, not a stack overflow', () => {
    assert.throws(() => encodeStructured(deepArrays(100_000)), (error: Error) => error instanceof ArtifactEncodingError && tooDeep.test(error.message) && /^value\[0\]\[0\]/.test(error.message));
    assert.throws(() => materializerFor(deepArrays(100_000)).save(deepArrays(100_000)), tooDeep);
    assert.equal(isPlainJson(deepArrays(100_000)), false);
  });

  it('are refused with a clear error when decoding a stored tree of any depth', () => {
    assert.throws(() => decodeStructured(JSON.parse(deepText(100_000))), (error: Error) => error instanceof MalformedArtifactError && tooDeep.test(error.message));
    assert.throws(() => getMaterializer('structured@1').load(Buffer.from(deepText(100_000))), tooDeep);
    assert.throws(() => getMaterializer('json@1').load(Buffer.from(deepText(100_000))), tooDeep);
  });

  it('round-trip up to the limit', () => {
    const limit = deepArrays(MAX_NESTING - 1);
    assert.deepEqual(decodeStructured(encodeStructured(limit)), limit);
    const json = getMaterializer('json@1');
    assert.deepEqual(json.load(Buffer.from(json.save(limit) as string)), limit);
    const maps = Array.from({ length: MAX_NESTING - 1 }).reduce<unknown>((inner) => new Map([['k', inner]]), 1);
    const structured = getMaterializer('structured@1');
    // (assert.deepEqual itself overflows on maps this deep: walk them.)
    let back = structured.load(Buffer.from(structured.save(maps) as string));
    let levels = 0;
    for (; back instanceof Map; levels++) back = back.get('k');
    assert.equal(levels, MAX_NESTING - 1);
    assert.equal(back, 1);
  });
});
