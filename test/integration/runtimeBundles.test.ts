/**
 * What the built runtime loads to start: the package entry (which every runner process loads for
 * the bundle's `require('pipewright')`) takes zod as one file bundled beside it, not zod's 95
 * files from node_modules (64 of them locales nothing uses), and zod still words its failures in
 * English.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/tempDir';

const entry = path.join(repoRoot, 'runtime', 'dist', 'index.js');

/** Loads the built package entry in a fresh Node process, runs `script` on it, and answers what it printed. */
function inFreshProcess(script: string): { files: string[]; output: string } {
  const source = `const pipewright = require(${JSON.stringify(entry)});
Promise.resolve().then(async () => { ${script} }).then((output) => console.log(JSON.stringify({ files: Object.keys(require.cache), output })));`;
  const result = spawnSync(process.execPath, ['-e', source], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { files: string[]; output: string };
}

test('the package entry loads zod as the one file beside it, and none of node_modules/zod', () => {
  const { files } = inFreshProcess('return "";');
  const fromNodeModules = files.filter((file) => file.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`));
  assert.deepEqual(fromNodeModules, [], `zod's own files were loaded: ${fromNodeModules.length}`);
  assert.ok(files.includes(path.join(repoRoot, 'runtime', 'dist', 'zod.js')), files.join('\n'));
});

test("zod bundled without its locales still explains a bad option in English, naming it", () => {
  const { output } = inFreshProcess(`
    const noop = pipewright.step(function noop() { return 1; });
    const p = pipewright.pipeline(function bundled() { noop(); });
    try { await p.run({}, { maxParallel: 'two' }); return 'accepted'; } catch (error) { return error.message; }`);
  assert.match(output, /maxParallel/, output);
  assert.match(output, /expected number, received string/, output);
});
