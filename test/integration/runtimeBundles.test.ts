/**
 * What the built runtime loads to start: the package entry (which every runner process loads for
 * the bundle's `require('pipewright')`) loads neither zod nor the store's SQLite, and code given no
 * options compiles without them (loading zod was a fifth of a runner's start-up). Once an option is
 * given, zod is one file bundled beside the entry, not zod's 95 files from node_modules (64 of them
 * locales nothing uses), and it still words its failures in English.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/tempDir';

const entry = path.join(repoRoot, 'runtime', 'dist', 'index.js');

/** Loads the built package entry in a fresh Node process, runs `script` on it, and answers what it printed. */
function inFreshProcess(script: string): { files: string[]; output: unknown } {
  const source = `const pipewright = require(${JSON.stringify(entry)});
Promise.resolve().then(async () => { ${script} }).then((output) => console.log(JSON.stringify({ files: Object.keys(require.cache), output })));`;
  const result = spawnSync(process.execPath, ['-e', source], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { files: string[]; output: unknown };
}

const zodBeside = path.join(repoRoot, 'runtime', 'dist', 'zod.js');
const loadedFrom = (files: string[], name: string) => files.filter((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`));
const DEFINE = `
  const add = pipewright.step(function add(a, b) { return a + b; });
  const double = pipewright.step(function double(x) { return 2 * x; });`;

test('the package entry, and a pipeline given no options compiled with it, load neither zod nor better-sqlite3', () => {
  const { files, output } = inFreshProcess(`${DEFINE}
    const sum = pipewright.pipeline(function sum(n) { double(add(n, 1)); });
    return sum.compile({ n: 2 }).nodes.map((node) => [node.id, node.options]);`);
  assert.deepEqual(output, [['add', { hooks: {} }], ['double', { hooks: {} }]]);
  assert.equal(files.includes(zodBeside), false, 'zod was loaded');
  assert.deepEqual([...loadedFrom(files, 'zod'), ...loadedFrom(files, 'better-sqlite3')], []);
});

test('an option given loads zod as the one file beside the entry, none of node_modules/zod, and is checked as before', () => {
  const { files, output } = inFreshProcess(`${DEFINE}
    const retried = pipewright.pipeline(function retried(n) { double.with({ retry: { maxRetries: 2 } })(add(n, 1)); });
    const messages = [retried.compile({ n: 2 }).nodes[1].options.retry];
    const wrong = pipewright.pipeline(function wrong(n) { double.with({ retry: { maxRetries: -1 } })(n); });
    try { wrong.compile({ n: 1 }); } catch (error) { messages.push(error.message); }
    try { pipewright.step({ retries: 2 }, function typo() {}); } catch (error) { messages.push(error.message); }
    return messages;`);
  const [retry, bound, typo] = output as [unknown, string, string];
  assert.deepEqual(retry, { maxRetries: 2, delay: 0, backoff: 1 });
  assert.match(bound, /step "double": retry\.maxRetries: Too small/);
  assert.match(typo, /unknown option "retries" \(did you mean "retry"\?\)/);
  assert.ok(files.includes(zodBeside), files.join('\n'));
  assert.deepEqual(loadedFrom(files, 'zod'), [], 'zod\'s own files were loaded');
});

test("zod bundled without its locales still explains a bad option in English, naming it", () => {
  const { output } = inFreshProcess(`
    const noop = pipewright.step(function noop() { return 1; });
    const p = pipewright.pipeline(function bundled() { noop(); });
    try { await p.run({}, { maxParallel: 'two' }); return 'accepted'; } catch (error) { return error.message; }`);
  assert.match(String(output), /maxParallel/);
  assert.match(String(output), /expected number, received string/);
});
