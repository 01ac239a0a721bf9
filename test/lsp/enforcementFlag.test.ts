// PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS has one parser: `yes` turns enforcement on for the language
// server as it does for `pipewright check` and runs (the server used to accept only `true`).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { cli } from '../support/cli';
import { fixture } from '../support/tempDir';
import { LspClient, uriOf } from './lspClient';

const annotations = fixture('analysis', 'diagnostics', 'annotations.ts');

describe('the enforce-annotations environment flag', () => {
  it('"yes" makes annotation findings errors in the language server and in pipewright check alike', async () => {
    const env = { ...process.env, PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: 'yes' };
    const client = new LspClient('stdio', env);
    try {
      await client.initialize(fixture('analysis'));
      await client.open(annotations, fs.readFileSync(annotations, 'utf8'));
      const published = await client.diagnostics((p) => p.uri === uriOf(annotations) && p.diagnostics.length > 0);
      assert.equal(published.diagnostics.length, 5);
      assert.deepEqual(published.diagnostics.map((d) => d.severity), [1, 1, 1, 1, 1], 'errors, not warnings');
    } finally {
      await client.stop();
    }
    const check = await cli(['check', annotations, '--json'], { env: { PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: 'yes' } });
    assert.equal(check.code, 1, check.stderr);
    const found = JSON.parse(check.stdout) as { severity: string }[];
    assert.equal(found.length, 5);
    assert.ok(found.every((d) => d.severity === 'error'));
  });

  it('a malformed value is bad input naming the variable (exit 2)', async () => {
    const check = await cli(['check', annotations], { env: { PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: 'maybe' } });
    assert.equal(check.code, 2, check.stderr);
    assert.match(check.stderr, /PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: "maybe" is not on or off/);
  });
});
