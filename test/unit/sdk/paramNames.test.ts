import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readParams } from '../../../runtime/src/sdk/paramNames';

describe('reading parameter names from function source', () => {
  it('handles declarations, defaults, arrows, async, destructuring, rest and comments', () => {
    const names = (fn: (...args: never[]) => unknown) => readParams(fn).map((p) => `${p.rest ? '...' : ''}${p.name}${p.hasDefault ? '=' : ''}`);
    assert.deepEqual(names(function f(a: number, b = 'x,(y)', c = [1, 2]) { return [a, b, c]; }), ['a', 'b=', 'c=']);
    assert.deepEqual(names(async (x: string) => x), ['x']);
    assert.deepEqual(names(((x: string) => x) as never), ['x']);
    assert.deepEqual(names(function g({ a }: { a: number }, [b]: number[]) { return a + b; }), ['arg0', 'arg1']);
    assert.deepEqual(names(function h(/* first */ a: number, // second
      b = `tpl ${1}`) { return [a, b]; }), ['a', 'b=']);
    assert.deepEqual(names(function r(...rest: number[]) { return rest; }), ['...rest']);
    assert.deepEqual(names(function none() { return 1; }), []);
    assert.deepEqual(names(function obj(o = { a: 1, b: (2) }) { return o; }), ['o=']);
  });
});
