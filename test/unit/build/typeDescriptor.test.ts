import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkValue, convertParamText, convertParamValue, describeType, ParamConversionError, type TypeDescriptor } from '../../../runtime/src/prepare';

const num: TypeDescriptor = { kind: 'number' };
const str: TypeDescriptor = { kind: 'string' };
const bool: TypeDescriptor = { kind: 'boolean' };
const lit = (value: string | number | boolean): TypeDescriptor => ({ kind: 'literal', value });
const union = (...types: TypeDescriptor[]): TypeDescriptor => ({ kind: 'union', types });
const arrayOf = (element: TypeDescriptor): TypeDescriptor => ({ kind: 'array', element });
const object = (properties: Record<string, TypeDescriptor | [TypeDescriptor, 'optional']>, index?: TypeDescriptor): TypeDescriptor => ({
  kind: 'object',
  properties: Object.fromEntries(
    Object.entries(properties).map(([name, p]) => [name, Array.isArray(p) ? { type: p[0], optional: true } : { type: p, optional: false }]),
  ),
  ...(index ? { index } : {}),
});

const iris = object({ sepalLength: num, species: union(lit('setosa'), lit('versicolor')), note: [str, 'optional'] });

class Animal {
  constructor(readonly legs: number) {}
}
class Dog extends Animal {}

describe('checkValue', () => {
  it('accepts conforming values of every kind', () => {
    const accepted: [unknown, TypeDescriptor][] = [
      ['text', str],
      [1.5, num],
      [Number.NaN, num],
      [false, bool],
      [10n, { kind: 'bigint' }],
      [null, { kind: 'null' }],
      [undefined, { kind: 'undefined' }],
      [undefined, { kind: 'void' }],
      ['setosa', lit('setosa')],
      [3, lit(3)],
      [true, lit(true)],
      [[1, 2, 3], arrayOf(num)],
      [[], arrayOf(num)],
      [['a', 1], { kind: 'tuple', elements: [str, num] }],
      [['a'], { kind: 'tuple', elements: [str, num], minLength: 1 }],
      [['a', undefined], { kind: 'tuple', elements: [str, num], minLength: 1 }],
      [[true, 1, 2, 3], { kind: 'tuple', elements: [bool], rest: num }],
      [new Map([['a', new Set([new Date()])]]), { kind: 'map', key: str, value: { kind: 'set', element: { kind: 'date' } } }],
      [new Set([1]), { kind: 'set', element: num }],
      [new Date(), { kind: 'date' }],
      [new Uint8Array(2), { kind: 'bytes' }],
      [Buffer.from('x'), { kind: 'bytes' }],
      [new Float64Array(1), { kind: 'typedArray', name: 'Float64Array' }],
      [() => 1, { kind: 'function' }],
      [new Dog(4), { kind: 'class', name: 'Dog' }],
      [new Dog(4), { kind: 'class', name: 'Animal' }],
      [{ a: 1, b: 2 }, object({}, num)],
      [{ x: 1 }, object({ x: num }, num)],
      ['anything', { kind: 'opaque', text: 'T' }],
      [Symbol('s'), { kind: 'any' }],
      [undefined, { kind: 'unknown' }],
      ['b', union(lit('a'), lit('b'))],
      [null, union(str, { kind: 'null' })],
    ];
    for (const [value, type] of accepted) assert.equal(checkValue(value, type), undefined, `${describeType(type)} should accept ${String(value)}`);
  });

  it('is lenient where TypeScript is structural: extra properties, missing or undefined optional ones', () => {
    assert.equal(checkValue([{ sepalLength: 1, species: 'setosa', extra: true }], arrayOf(iris)), undefined);
    assert.equal(checkValue({ sepalLength: 1, species: 'setosa', note: undefined }, iris), undefined);
    assert.equal(checkValue(new Dog(3), object({ legs: num })), undefined);
  });

  it('names the path and the first mismatch', () => {
    const rows = [1, 2, 3].map(() => ({ sepalLength: 5.1, species: 'setosa' }));
    rows.push({ sepalLength: 'abc' as unknown as number, species: 'setosa' });
    assert.equal(checkValue(rows, arrayOf(iris)), '[3].sepalLength: expected number, got string ("abc")');
    assert.equal(checkValue({ sepalLength: 1, species: 'virginica' }, iris), '.species: expected "setosa" | "versicolor", got string ("virginica")');
    assert.equal(checkValue({ sepalLength: 1, species: 'setosa', note: 5 }, iris), '.note: expected string, got number (5)');
    assert.equal(checkValue({ species: 'setosa' }, iris), '.sepalLength: expected number, got undefined');
    assert.equal(checkValue({ 'odd key': 'x' }, object({ 'odd key': num })), '["odd key"]: expected number, got string ("x")');
    assert.equal(checkValue({ a: 1, b: 'two' }, object({}, num)), '.b: expected number, got string ("two")');
    assert.equal(checkValue('5', num), 'expected number, got string ("5")');
    assert.equal(checkValue(null, iris), 'expected { sepalLength: number; species: "setosa" | "versicolor"; note?: string }, got null');
    assert.equal(checkValue({}, { kind: 'class', name: 'Model' }), 'expected Model, got object');
    assert.equal(checkValue(new Dog(1), { kind: 'class', name: 'Model' }), 'expected Model, got Dog instance');
    assert.equal(checkValue(new Float32Array(1), { kind: 'typedArray', name: 'Float64Array' }), 'expected Float64Array, got Float32Array instance');
    assert.equal(checkValue([1, 2], { kind: 'bytes' }), 'expected Uint8Array, got array (length 2)');
    assert.equal(checkValue('2024-01-01', { kind: 'date' }), 'expected Date, got string ("2024-01-01")');
    assert.equal(checkValue(1, { kind: 'bigint' }), 'expected bigint, got number (1)');
    assert.equal(checkValue(1, { kind: 'never' }), 'expected never, got number (1)');
    assert.equal(checkValue({}, { kind: 'function' }), 'expected Function, got object');
  });

  it('checks tuples, maps and sets element by element', () => {
    const pair: TypeDescriptor = { kind: 'tuple', elements: [str, num] };
    assert.equal(checkValue(['a', 'b'], pair), '[1]: expected number, got string ("b")');
    assert.match(checkValue(['a'], pair) ?? '', /^expected \[string, number\], got array \(length 1\) \(at least 2 elements expected\)$/);
    assert.match(checkValue(['a', 1, 2], pair) ?? '', /at most 2 elements expected/);
    assert.equal(checkValue([true, 1, 'x'], { kind: 'tuple', elements: [bool], rest: num }), '[2]: expected number, got string ("x")');
    const counts: TypeDescriptor = { kind: 'map', key: str, value: num };
    assert.equal(checkValue(new Map<string, unknown>([['a', 1], ['b', 'x']]), counts), '.get("b"): expected number, got string ("x")');
    assert.equal(checkValue(new Map([[1, 1]]), counts), '.key(1): expected string, got number (1)');
    assert.equal(checkValue({ a: 1 }, counts), 'expected Map<string, number>, got object');
    assert.equal(checkValue(new Set([1, 'x']), { kind: 'set', element: num }), '{1}: expected number, got string ("x")');
    assert.equal(checkValue([new Set([1, 2]), new Set(['x'])], arrayOf({ kind: 'set', element: num })), '[1]{0}: expected number, got string ("x")');
  });

  it('reports the deeper mismatch of the union member a value is meant to be', () => {
    assert.equal(checkValue({ sepalLength: '1', species: 'setosa' }, union(iris, { kind: 'undefined' })), '.sepalLength: expected number, got string ("1")');
    assert.equal(checkValue([1, 'x'], union(arrayOf(num), str)), '[1]: expected number, got string ("x")');
    const shape = union(object({ kind: lit('circle'), r: num }), object({ kind: lit('square'), side: num }));
    assert.equal(checkValue({ kind: 'square', side: 'big' }, shape), '.side: expected number, got string ("big")');
    assert.equal(checkValue({ kind: 'hexagon' }, shape), 'expected { kind: "circle"; r: number } | { kind: "square"; side: number }, got object');
    assert.equal(checkValue(5, union(str, { kind: 'null' })), 'expected string | null, got number (5)');
  });

  it('stops at cyclic values instead of looping', () => {
    type Node = { next?: Node };
    const node: Node = {};
    node.next = node;
    const type: TypeDescriptor = object({ next: [object({ next: [{ kind: 'opaque', text: 'Node' }, 'optional'] }), 'optional'] });
    assert.equal(checkValue(node, type), undefined);
    const list: unknown[] = [];
    list.push(list);
    const nested: TypeDescriptor = arrayOf(arrayOf(arrayOf({ kind: 'any' })));
    assert.equal(checkValue(list, nested), undefined);
  });
});

describe('describeType', () => {
  it('prints TypeScript-like structure compactly', () => {
    assert.equal(describeType(arrayOf(object({ sepalLength: num, species: str }))), '{ sepalLength: number; species: string }[]');
    assert.equal(describeType(arrayOf(union(str, { kind: 'null' }))), '(string | null)[]');
    assert.equal(describeType(union({ kind: 'undefined' }, num)), 'number | undefined');
    assert.equal(describeType(object({ note: [union({ kind: 'undefined' }, str), 'optional'] })), '{ note?: string }');
    assert.equal(describeType({ kind: 'tuple', elements: [str, num], minLength: 1 }), '[string, number?]');
    assert.equal(describeType({ kind: 'tuple', elements: [bool], rest: union(num, str) }), '[boolean, ...(number | string)[]]');
    assert.equal(describeType({ kind: 'map', key: str, value: { kind: 'set', element: { kind: 'date' } } }), 'Map<string, Set<Date>>');
    assert.equal(describeType(object({}, num)), '{ [key: string]: number }');
    assert.equal(describeType(object({})), '{}');
    assert.equal(describeType({ kind: 'bytes' }), 'Uint8Array');
    assert.equal(describeType({ kind: 'typedArray', name: 'Float32Array' }), 'Float32Array');
    assert.equal(describeType({ kind: 'class', name: 'Model' }), 'Model');
    assert.equal(describeType({ kind: 'opaque', text: 'Partial<T>' }), 'Partial<T>');
    assert.equal(describeType(union({ kind: 'function' }, str)), 'Function | string');
    assert.equal(describeType(lit('a"b')), '"a\\"b"');
  });

  it('truncates wide and deep types', () => {
    const wide = object(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field${i}`, num])));
    assert.equal(describeType(wide), '{ field0: number; field1: number; field2: number; field3: number; field4: number; field5: number; field6: number; field7: number; ... 12 more }');
    let deep: TypeDescriptor = num;
    for (let i = 0; i < 10; i++) deep = object({ inner: deep });
    assert.equal(describeType(deep), '{ inner: { inner: { inner: { inner: { inner: ... } } } } }');
    const manyLiterals = union(...Array.from({ length: 30 }, (_, i) => lit(`value${i}`)));
    assert.match(describeType(manyLiterals), /^"value0" \| .* \| "value9" \| \.\.\. 20 more$/);
    const long = object(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`a${'x'.repeat(40)}${i}`, str])));
    const text = describeType(long);
    assert.equal(text.length, 240);
    assert.ok(text.endsWith('...'));
  });
});

describe('convertParamText', () => {
  const convert = (text: string, type: TypeDescriptor | undefined) => convertParamText(text, type, '--param p');
  const rejects = (text: string, type: TypeDescriptor, message: string | RegExp) =>
    assert.throws(
      () => convert(text, type),
      (error: unknown) => {
        assert.ok(error instanceof ParamConversionError, `not a ParamConversionError: ${String(error)}`);
        assert.ok(!error.message.includes('\n'), 'one line');
        if (typeof message === 'string') assert.equal(error.message, message);
        else assert.match(error.message, message);
        assert.equal(error.where, '--param p');
        return true;
      },
    );

  it('converts numbers, rejecting NaN with where and the text', () => {
    assert.equal(convert('0.5', num), 0.5);
    assert.equal(convert('-3', num), -3);
    assert.equal(convert('1e3', num), 1000);
    rejects('abc', num, '--param p: expected a number, got "abc"');
    rejects('', num, '--param p: expected a number, got ""');
    rejects('NaN', num, /expected a number/);
  });

  it('converts booleans from true/false/1/0 only', () => {
    assert.equal(convert('true', bool), true);
    assert.equal(convert('FALSE', bool), false);
    assert.equal(convert('1', bool), true);
    assert.equal(convert('0', bool), false);
    rejects('yes please', bool, '--param p: expected a boolean (true, false, 1 or 0), got "yes please"');
  });

  it('converts bigints and keeps strings as they are', () => {
    assert.equal(convert('12345678901234567890', { kind: 'bigint' }), 12345678901234567890n);
    assert.equal(convert('42n', { kind: 'bigint' }), 42n);
    rejects('1.5', { kind: 'bigint' }, '--param p: expected an integer (bigint), got "1.5"');
    rejects('', { kind: 'bigint' }, /expected an integer/);
    assert.equal(convert('007', str), '007');
    assert.equal(convert('', str), '');
    assert.equal(convert('{"not":"parsed"}', str), '{"not":"parsed"}');
  });

  it('matches literal unions by value', () => {
    const mode = union(lit('fast'), lit('slow'));
    assert.equal(convert('slow', mode), 'slow');
    rejects('medium', mode, '--param p: expected one of "fast" | "slow", got "medium"');
    rejects('medium', union(lit('fast'), lit('slow'), { kind: 'undefined' }), '--param p: expected one of "fast" | "slow", got "medium"');
    assert.equal(convert('2', union(lit(1), lit(2))), 2);
    assert.equal(convert('true', union(lit(true), lit('auto'))), true);
    assert.equal(convert('auto', union(lit('auto'), num)), 'auto');
    assert.equal(convert('8', union(lit('auto'), num)), 8);
    assert.equal(convert('fast', lit('fast')), 'fast');
    rejects('slow', lit('fast'), '--param p: expected "fast", got "slow"');
  });

  it('converts optional and mixed unions member by member', () => {
    assert.equal(convert('3', union({ kind: 'undefined' }, num)), 3);
    assert.equal(convert('null', union(num, { kind: 'null' })), null);
    assert.equal(convert('123', union(str, num)), 123);
    assert.equal(convert('abc', union(str, num)), 'abc');
    assert.deepEqual(convert('["a"]', union(str, arrayOf(str))), ['a']);
    rejects('abc', union(num, bool), '--param p: expected number | boolean, got "abc"');
  });

  it('parses structured types as JSON and checks them', () => {
    assert.deepEqual(convert('[1,2]', arrayOf(num)), [1, 2]);
    assert.deepEqual(convert('{"sepalLength":1,"species":"setosa"}', iris), { sepalLength: 1, species: 'setosa' });
    assert.deepEqual(convert('["a",1]', { kind: 'tuple', elements: [str, num] }), ['a', 1]);
    assert.deepEqual(convert('{"a":1}', { kind: 'map', key: str, value: num }), new Map([['a', 1]]));
    assert.deepEqual(convert('[[1,"one"]]', { kind: 'map', key: num, value: str }), new Map([[1, 'one']]));
    assert.deepEqual(convert('[1,2,2]', { kind: 'set', element: num }), new Set([1, 2]));
    assert.deepEqual(convert('{"when":"2024-05-01T00:00:00Z"}', object({ when: { kind: 'date' } })), { when: new Date('2024-05-01T00:00:00Z') });
    assert.deepEqual(convert('2024-05-01T00:00:00Z', { kind: 'date' }), new Date('2024-05-01T00:00:00Z'));
    assert.deepEqual(convert('[1,2]', { kind: 'bytes' }), new Uint8Array([1, 2]));
    assert.deepEqual(convert('[0.5]', { kind: 'typedArray', name: 'Float64Array' }), new Float64Array([0.5]));
    assert.deepEqual(convert('{"n":"9007199254740993"}', object({ n: { kind: 'bigint' } })), { n: 9007199254740993n });
  });

  it('rejects structured texts that are not JSON or do not fit, naming the path', () => {
    rejects('[1,"x"]', arrayOf(num), '--param p: expected number[]; [1]: expected number, got string ("x") in "[1,\\"x\\"]"');
    rejects('[1,', arrayOf(num), /^--param p: expected JSON for number\[\], got "\[1," \(.+\)$/);
    rejects('{"sepalLength":1}', iris, /^--param p: expected \{ sepalLength: number; .*\}; \.species: expected "setosa" \| "versicolor", got undefined in /);
    rejects('{"a":"x"}', { kind: 'map', key: str, value: num }, /\.get\("a"\): expected number, got string/);
    rejects('["a"]', { kind: 'tuple', elements: [str, num] }, /at least 2 elements expected/);
    rejects('nope', { kind: 'date' }, /^--param p: expected a date/);
    rejects('{}', { kind: 'class', name: 'Model' }, '--param p: expected Model, which a --param text cannot give, got "{}"');
    rejects('x', { kind: 'function' }, /which a --param text cannot give/);
  });

  it('takes JSON when it parses and the raw text otherwise when no type is usable', () => {
    for (const type of [undefined, { kind: 'any' }, { kind: 'unknown' }, { kind: 'opaque', text: 'T' }] as (TypeDescriptor | undefined)[]) {
      assert.deepEqual(convert('{"x":1}', type), { x: 1 });
      assert.equal(convert('12', type), 12);
      assert.equal(convert('plain text', type), 'plain text');
    }
  });

  it('truncates long texts in messages', () => {
    assert.throws(
      () => convert('x'.repeat(500), num),
      (error: Error) => error.message === `--param p: expected a number, got "${'x'.repeat(80)}..."`,
    );
  });
});

describe('convertParamValue (config files, API requests, code)', () => {
  const map: TypeDescriptor = { kind: 'map', key: { kind: 'string' }, value: { kind: 'number' } };
  it('keeps values that fit, and revives plain data as --param JSON is revived', () => {
    const given = new Map([['a', 1]]);
    assert.equal(convertParamValue(given, map, 'run.yaml: parameters.m'), given);
    assert.deepEqual(convertParamValue({ a: 1, b: 2 }, map, 'run.yaml: parameters.m'), new Map([['a', 1], ['b', 2]]));
    assert.deepEqual(convertParamValue('2024-05-01T12:00:00Z', { kind: 'date' }, 'w'), new Date('2024-05-01T12:00:00Z'));
    assert.equal(convertParamValue(5, undefined, 'w'), 5);
  });

  it('refuses values of another type, naming where they came from and the type', () => {
    assert.throws(
      () => convertParamValue(5, { kind: 'string' }, 'run.yaml: parameters.file'),
      (error: unknown) => error instanceof ParamConversionError && error.message === 'run.yaml: parameters.file: expected string, got number (5)' && error.where === 'run.yaml: parameters.file',
    );
    assert.throws(
      () => convertParamValue([1, 'two'], { kind: 'array', element: { kind: 'number' } }, 'request: parameters.scales'),
      (error: Error) => /^request: parameters\.scales: expected number\[\]; \[1\]: expected number, got string/.test(error.message),
    );
  });
});
