// The API's client derives its methods from the route table at run time, so the table is in the
// bundles of its users (the extension, the CLI). Its schemas are functions the daemon calls with
// zod: bundling the client must not bring zod along (some 440 KB in the extension's bundle).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';

const repo = path.resolve(__dirname, '../../..');

test('the API client and its route table bundle without zod', async () => {
  const result = await esbuild.build({
    absWorkingDir: repo,
    entryPoints: ['runtime/src/api/client.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.includes('runtime/src/api/routes.ts'), 'the route table is bundled with the client');
  assert.deepEqual(inputs.filter((input) => input.includes('node_modules/zod/')), []);
});
