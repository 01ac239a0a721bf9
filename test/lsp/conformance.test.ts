/**
 * LSP conformance of the real server over stdio: position encodings (UTF-8 when the client
 * offers it, UTF-16 otherwise, with non-ASCII text before a diagnostic), document URIs echoed
 * exactly as the client spelled them, and the shutdown / exit sequence as the protocol prescribes.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { tempProject } from '../support/tempDir';
import { LspClient } from './lspClient';

/** A pipeline whose mis-wired argument follows non-ASCII text on its line (2-byte é, 4-byte 🚀). */
const TEXT = [
  "import { pipeline, step } from 'pipewright';",
  "export const label = step(function label(): string { return 'é'; });",
  'export const count = step(function count(n: number): number { return n; });',
  "export const p = pipeline(function p() { const café = label(); /* 🚀 */ count(café); });",
  '',
].join('\n');
const LINE = 3;
/** Where `café` starts in `count(café)`, counted both ways. */
const UTF16_START = TEXT.split('\n')[LINE].indexOf('count(café)') + 'count('.length;
const UTF8_START = Buffer.byteLength(TEXT.split('\n')[LINE].slice(0, UTF16_START), 'utf8');

function project(name = 'main.ts'): string {
  const dir = tempProject();
  fs.writeFileSync(path.join(dir, name), TEXT);
  return path.join(dir, name);
}

describe('LSP conformance', () => {
  for (const [offered, encoding, start, length] of [
    [['utf-8', 'utf-16'], 'utf-8', UTF8_START, Buffer.byteLength('café')],
    [['utf-16'], 'utf-16', UTF16_START, 'café'.length],
    [undefined, 'utf-16', UTF16_START, 'café'.length],
  ] as const) {
    it(`negotiates ${encoding} when the client offers ${offered ? offered.join(', ') : 'nothing'}, and counts diagnostics, hovers and edits in it`, async () => {
      const file = project();
      const client = new LspClient('stdio');
      try {
        const { capabilities } = await client.initialize(path.dirname(file), undefined, offered ? { positionEncodings: [...offered] } : undefined);
        assert.equal(capabilities.positionEncoding, encoding);
        await client.open(file, TEXT);
        const published = await client.diagnostics((p) => p.uri === pathToFileURL(file).toString() && p.diagnostics.length > 0);
        const mismatch = published.diagnostics.find((d) => d.code === 'input-type-mismatch');
        assert.deepEqual(mismatch?.range, { start: { line: LINE, character: start }, end: { line: LINE, character: start + length } });
        // Requests count the same way: a hover on `count` after the non-ASCII text finds the invocation.
        const on = (character: number) => client.connection.sendRequest<{ contents: { value: string }; range: { start: { character: number } } } | null>('textDocument/hover', { textDocument: { uri: pathToFileURL(file).toString() }, position: { line: LINE, character } });
        const callee = start - 'count('.length + 1;
        const hover = await on(callee);
        assert.match(hover?.contents.value ?? '', /\*\*step count\*\*/);
        assert.equal(hover?.range.start.character, start - 'count('.length);
        // An incremental edit after the non-ASCII text (the server asks for whole texts under UTF-8).
        const since = client.published.length;
        const fixed = TEXT.replace('count(café)', 'count(1)');
        if (encoding === 'utf-8') {
          assert.equal((capabilities.textDocumentSync as number) ?? 0, 1, 'full sync');
          await client.change(file, fixed, 2);
        } else {
          await client.connection.sendNotification('textDocument/didChange', {
            textDocument: { uri: pathToFileURL(file).toString(), version: 2 },
            contentChanges: [{ range: { start: { line: LINE, character: UTF16_START }, end: { line: LINE, character: UTF16_START + 'café'.length } }, text: '1' }],
          });
        }
        const after = await client.diagnostics((p) => p.uri === pathToFileURL(file).toString(), since);
        assert.deepEqual(after.diagnostics, []);
        assert.deepEqual(client.failures(), []);
      } finally {
        await client.stop();
      }
    });
  }

  it('names each document exactly as the client spelled its URI (unusual percent-encoding, an encoded drive colon)', async () => {
    const file = project('mäin.ts');
    const dir = path.dirname(file);
    // Lower-case hex and an encoded letter: the same file as pathToFileURL's spelling, written differently.
    const spelled = `${pathToFileURL(dir).toString()}/m%c3%a4%69n.ts`;
    assert.notEqual(spelled, pathToFileURL(file).toString());
    const client = new LspClient('stdio');
    try {
      await client.initialize(dir);
      await client.openUri(spelled, TEXT);
      const published = await client.diagnostics((p) => p.diagnostics.length > 0);
      assert.equal(published.uri, spelled);
      const changed = await client.graphChanged(() => true);
      assert.equal(changed.uri, spelled);
      const listed = await client.connection.sendRequest<{ uri: string }[]>('pipewright/listPipelines', {});
      assert.deepEqual(listed.map((p) => p.uri), [spelled]);
      const symbols = await client.connection.sendRequest<{ location: { uri: string } }[]>('workspace/symbol', { query: 'count' });
      assert.deepEqual([...new Set(symbols.map((s) => s.location.uri))], [spelled]);
      // A Windows-style URI with its drive colon encoded (`file:///c%3A/...`) comes back as sent.
      const windows = 'file:///c%3A/Users/dev/pipeline.ts';
      await client.openUri(windows, TEXT);
      const publishedWindows = await client.diagnostics((p) => p.uri === windows);
      assert.equal(publishedWindows.uri, windows);
      await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: windows } });
      await client.diagnostics((p) => p.uri === windows && p.diagnostics.length === 0);
      assert.deepEqual(client.failures(), []);
    } finally {
      await client.stop();
    }
  });

  it('refuses requests after shutdown with InvalidRequest, and exits 0 on exit after shutdown', async () => {
    const file = project();
    const client = new LspClient('stdio');
    await client.initialize(path.dirname(file));
    await client.open(file, TEXT);
    await client.diagnostics((p) => p.uri === pathToFileURL(file).toString());
    assert.equal(await client.connection.sendRequest('shutdown'), null);
    const uri = pathToFileURL(file).toString();
    for (const [method, params] of [
      ['textDocument/hover', { textDocument: { uri }, position: { line: LINE, character: 1 } }],
      ['textDocument/codeLens', { textDocument: { uri } }],
      ['pipewright/listPipelines', {}],
      ['workspace/symbol', { query: '' }],
      ['pipewright/noSuchMethod', {}],
    ] as const) {
      await assert.rejects(client.connection.sendRequest(method, params), (error: { code?: number }) => {
        assert.equal(error.code, -32600, `${method}: InvalidRequest`);
        return true;
      });
    }
    const exited = new Promise<number | null>((resolve) => client.process.once('exit', (code) => resolve(code)));
    await client.connection.sendNotification('exit');
    assert.equal(await exited, 0);
    client.connection.dispose();
  });

  it('exits 1 on exit without shutdown', async () => {
    const client = new LspClient('stdio');
    await client.initialize(tempProject());
    const exited = new Promise<number | null>((resolve) => client.process.once('exit', (code) => resolve(code)));
    await client.connection.sendNotification('exit');
    assert.equal(await exited, 1);
    client.connection.dispose();
  });
});
