import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkValue, convertParamText, describeType, ParamConversionError, type TypeDescriptor } from '../../../runtime/src/build/typeDescriptor';

const row: TypeDescriptor = {
  kind: 'object',
  properties: { x: { type: { kind: 'number' }, optional: false }, note: { type: { kind: 'string' }, optional: true } },
};

describe('checking values against descriptors', () => {
  it('accepts conforming values (extra properties allowed, optional ones may be missing)', () => {
    assert.equal(checkValue([{ x: 1 }, { x: 2, note: 'n', extra: true }], { kind: 'array', element: row }), undefined);
    assert.equal(checkValue(new Map([['a', new Set([new Date()])]]), { kind: 'map', key: { kind: 'string' }, value: { kind: 'set', element: { kind: 'date' } } }), undefined);
    assert.equal(checkValue('anything', { kind: 'opaque', text: 'T' }), undefined);
    assert.equal(checkValue(Buffer.from('x'), { kind: 'bytes' }), undefined);
    assert.equal(checkValue('b', { kind: 'union', types: [{ kind: 'literal', value: 'a' }, { kind: 'literal', value: 'b' }] }), undefined);
  });

  it('names the path of the first mismatch', () => {
    assert.equal(checkValue([{ x: 1 }, { x: 'abc' }], { kind: 'array', element: row }), '[1].x: expected number, got string ("abc")');
    assert.equal(checkValue({ x: 1, note: 5 }, row), '.note: expected string, got number (5)');
    assert.equal(checkValue('c', { kind: 'union', types: [{ kind: 'literal', value: 'a' }, { kind: 'literal', value: 'b' }] }), 'expected "a" | "b", got string ("c")');
    assert.equal(checkValue({}, { kind: 'class', name: 'Model' }), 'expected Model, got object');
    assert.equal(checkValue(new Float32Array(1), { kind: 'typedArray', name: 'Float64Array' }), 'expected Float64Array, got Float32Array instance');
  });

  it('describes types compactly', () => {
    assert.equal(describeType({ kind: 'array', element: row }), '{ x: number; note?: string }[]');
    assert.equal(describeType({ kind: 'array', element: { kind: 'union', types: [{ kind: 'string' }, { kind: 'null' }] } }), '(string | null)[]');
  });
});

describe('converting --param texts', () => {
  it('converts to the declared type', () => {
    assert.equal(convertParamText('0.5', { kind: 'number' }, '--param lr'), 0.5);
    assert.equal(convertParamText('true', { kind: 'boolean' }, '--param b'), true);
    assert.equal(convertParamText('12345678901234567890', { kind: 'bigint' }, '--param n'), 12345678901234567890n);
    assert.equal(convertParamText('007', { kind: 'string' }, '--param s'), '007');
    assert.equal(convertParamText('slow', { kind: 'union', types: [{ kind: 'literal', value: 'fast' }, { kind: 'literal', value: 'slow' }] }, '--param m'), 'slow');
    assert.deepEqual(convertParamText('[1,2]', { kind: 'array', element: { kind: 'number' } }, '--param xs'), [1, 2]);
    assert.deepEqual(convertParamText('{"a":1}', { kind: 'map', key: { kind: 'string' }, value: { kind: 'number' } }, '--param m'), new Map([['a', 1]]));
    assert.equal(convertParamText('3', { kind: 'union', types: [{ kind: 'number' }, { kind: 'undefined' }] }, '--param n'), 3);
    assert.deepEqual(convertParamText('{"x":1}', undefined, '--param any'), { x: 1 });
    assert.equal(convertParamText('plain text', undefined, '--param any'), 'plain text');
  });

  it('rejects texts that do not fit, naming where and what was expected', () => {
    const rejects = (text: string, type: TypeDescriptor, pattern: RegExp) =>
      assert.throws(() => convertParamText(text, type, '--param p'), (e: Error) => e instanceof ParamConversionError && pattern.test(e.message));
    rejects('abc', { kind: 'number' }, /^--param p: expected a number, got "abc"$/);
    rejects('', { kind: 'number' }, /expected a number/);
    rejects('maybe', { kind: 'boolean' }, /expected a boolean/);
    rejects('medium', { kind: 'union', types: [{ kind: 'literal', value: 'fast' }, { kind: 'literal', value: 'slow' }] }, /expected one of "fast" \| "slow"/);
    rejects('[1,"x"]', { kind: 'array', element: { kind: 'number' } }, /\[1\]: expected number/);
    rejects('[1,', { kind: 'array', element: { kind: 'number' } }, /expected JSON for number\[\]/);
  });
});
