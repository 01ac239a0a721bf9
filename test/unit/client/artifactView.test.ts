import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { artifactView, imageKind, recordTable, TABLE_ROWS } from '../../../client/src/artifactView';
import { formatBytes } from '../../../contracts/src/byteSize';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('opening an artifact', () => {
  it('pretty-prints JSON and shows text as text', () => {
    assert.deepEqual(artifactView(bytes('{"a":[1,2]}'), 'json@1', 'x'), { kind: 'document', extension: 'json', text: '{\n  "a": [\n    1,\n    2\n  ]\n}\n' });
    assert.deepEqual(artifactView(bytes('[1,2]'), 'json@1', 'x'), { kind: 'document', extension: 'json', text: '[\n  1,\n  2\n]\n' }, 'an array of numbers is JSON, not a table');
    assert.deepEqual(artifactView(bytes('mean 1.5'), 'text@1', 'x'), { kind: 'document', extension: 'txt', text: 'mean 1.5' });
  });

  it('shows an array of records as a table: counts, columns, their types, the first rows', () => {
    const rows = Array.from({ length: TABLE_ROWS + 5 }, (_, i) => ({ id: i, species: i % 2 ? 'setosa' : null }));
    const view = artifactView(bytes(JSON.stringify(rows)), 'json@1', 'x');
    assert.equal(view.kind, 'document');
    const lines = (view as { text: string }).text.split('\n');
    assert.deepEqual(lines.slice(0, 7), [`${TABLE_ROWS + 5} rows · 2 columns · the first ${TABLE_ROWS} rows`, '', 'id      species', 'number  null | string', '──────  ─────────────', '0       null', '1       setosa']);
    assert.equal(lines.at(-2), '… 5 more');
    assert.equal(recordTable([{ at: { $pw: 'date', value: 'x' } }], true)?.split('\n')[3], 'date', 'a structured value\'s column type is its kind');
    assert.equal(recordTable([]), undefined);
    assert.equal(recordTable([{ a: 1 }, 2]), undefined);
  });

  it('shows images as images and offers other bytes for saving', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    assert.deepEqual(artifactView(png, 'bytes@1', 'x'), { kind: 'image', extension: 'png' });
    assert.equal(imageKind(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), 'jpg');
    assert.equal(imageKind(bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>')), 'svg');
    assert.deepEqual(artifactView(new Uint8Array(2048), 'buffer@1', 'output "model" of fit'), { kind: 'bytes', summary: 'output "model" of fit is 2.0 kB of binary data (buffer@1)' });
    assert.equal(artifactView(new Uint8Array([1]), 'onnx@1', 'y').kind, 'bytes', 'a custom materializer\'s bytes are saved, not guessed at');
  });

  it('writes sizes in powers of 1000', () => {
    assert.deepEqual([0, 999, 1000, 1550, 99_499, 999_999, 12_300_000].map(formatBytes), ['0 B', '999 B', '1.0 kB', '1.6 kB', '99 kB', '1.0 MB', '12 MB']);
  });
});
