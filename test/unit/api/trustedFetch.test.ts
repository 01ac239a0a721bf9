/**
 * A `fetch` trusting a CA file (`--ca-file`, the extension's `pipewright.orchestrator.caFile`)
 * loads `node:https` with its first request, not when the client is made: the extension's
 * activation and the CLI's start-up build clients. The request itself reaches a real HTTPS server
 * on loopback whose certificate that CA file holds.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../../support/tempDir';

test('a CA-file fetch loads node:https at its first request, and that request is answered over TLS', async () => {
  const dir = tempDir();
  // A self-signed certificate for localhost: its own CA (P-256: quick to make).
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir, stdio: 'pipe' });
  const server = https.createServer({ cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')) }, (_request, response) => response.end('over tls'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `https://localhost:${(server.address() as AddressInfo).port}/`;
    const script = `
      const { fetchFor } = require(${JSON.stringify(path.join(repoRoot, 'runtime', 'src', 'api', 'trustedFetch.ts'))});
      const loaded = () => process.moduleLoadList.includes('NativeModule https');
      const atStart = loaded();
      const trusting = fetchFor({ caFile: ${JSON.stringify(path.join(dir, 'cert.pem'))} });
      const afterMaking = loaded();
      trusting(${JSON.stringify(url)}).then(async (response) => {
        console.log(JSON.stringify({ atStart, afterMaking, status: response.status, body: await response.text(), afterRequest: loaded() }));
      });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { atStart: false, afterMaking: false, status: 200, body: 'over tls', afterRequest: true });
  } finally {
    server.close();
  }
});
