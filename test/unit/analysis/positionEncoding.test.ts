/** Positions on the wire in UTF-8 or UTF-16, converted from and to the analysis's UTF-16. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { negotiateEncoding, PositionConverter } from '../../../server/src/positionEncoding';

const TEXT = 'const a = 1;\r\nconst é = "🚀"; x\n';
const converter = (encoding: 'utf-8' | 'utf-16') => new PositionConverter(encoding, (uri) => (uri === 'file:///a.ts' ? TEXT : undefined));

describe('position encodings', () => {
  it('takes utf-8 when the client offers it, else utf-16', () => {
    assert.equal(negotiateEncoding(['utf-32', 'utf-8']), 'utf-8');
    assert.equal(negotiateEncoding(['utf-16']), 'utf-16');
    assert.equal(negotiateEncoding(['utf-32']), 'utf-16');
    assert.equal(negotiateEncoding(undefined), 'utf-16');
  });

  it('counts bytes for utf-8: 2 for é, 4 for a surrogate pair, and back again', () => {
    const utf8 = converter('utf-8');
    const line = TEXT.split('\n')[1];
    const x = line.indexOf('x');
    assert.equal(x, 16, 'UTF-16 units before x');
    assert.deepEqual(utf8.outgoing('file:///a.ts', { line: 1, character: x }), { line: 1, character: 19 });
    assert.deepEqual(utf8.incoming('file:///a.ts', { line: 1, character: 19 }), { line: 1, character: 16 });
    // The first line ends in \r\n: the \r is no character of the line.
    assert.deepEqual(utf8.outgoing('file:///a.ts', { line: 0, character: 12 }), { line: 0, character: 12 });
    // A byte inside é counts to its end, never into the middle of a character.
    assert.deepEqual(utf8.incoming('file:///a.ts', { line: 1, character: 7 }), { line: 1, character: 7 });
    assert.deepEqual(utf8.outgoingRange('file:///a.ts', { start: { line: 1, character: 6 }, end: { line: 1, character: 7 } }), { start: { line: 1, character: 6 }, end: { line: 1, character: 8 } });
  });

  it('leaves utf-16 positions, and those of unknown documents, as they are', () => {
    assert.deepEqual(converter('utf-16').outgoing('file:///a.ts', { line: 1, character: 16 }), { line: 1, character: 16 });
    assert.deepEqual(converter('utf-8').outgoing('file:///b.ts', { line: 1, character: 16 }), { line: 1, character: 16 });
  });
});
