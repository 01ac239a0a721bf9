// V8's code cache of a large CommonJS file (TypeScript, the server's bundle), kept between
// processes: each case is a fresh Node process loading a module through requireWithCodeCache,
// as the analysis engine and the language server's entry do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../../support/tempDir';

const codeCache = path.resolve(__dirname, '../../../runtime/src/system/codeCache.ts');
const nodeCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

interface Load {
  outcome: string;
  value: unknown;
  sameAsRequire: boolean;
  error?: string;
}

/** Loads `file` in a fresh process with the cache folder `cacheDir` (or `off`). */
function load(file: string, cacheDir: string): Load {
  const script = `const { requireWithCodeCache, codeCacheOutcome } = require(${JSON.stringify(codeCache)});
let value, error;
try { value = requireWithCodeCache(${JSON.stringify(file)}).value; } catch (e) { error = e.message; }
let sameAsRequire = false;
try { sameAsRequire = require(${JSON.stringify(file)}).value === value; } catch (e) { error += ' / again: ' + e.message; }
process.stdout.write(JSON.stringify({ outcome: codeCacheOutcome(${JSON.stringify(file)}) ?? 'none', value, sameAsRequire, error }));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...process.env, PIPEWRIGHT_CODE_CACHE: cacheDir } });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Load;
}

function moduleFile(dir: string, value: string): string {
  const file = path.join(dir, 'big.js');
  fs.writeFileSync(file, `'use strict';\nfunction compute() { return ${JSON.stringify(value)}; }\nmodule.exports = { value: compute(), dir: __dirname, self: require('node:path').basename(__filename) };\n`);
  return file;
}

const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.v8')) : []);

describe('V8 code cache (Node before 22.1; Node 22.1+ has its own)', () => {
  it('writes the cache owner-only on first load, then loads from it: one module instance, as require gives', () => {
    const dir = tempDir();
    const file = moduleFile(dir, 'first');
    const cache = path.join(dir, 'cache');
    const first = load(file, cache);
    assert.deepEqual({ ...first }, { outcome: nodeCache ? 'node' : 'written', value: 'first', sameAsRequire: true });
    if (nodeCache) return; // Node's compile cache is Node's to test
    const [name] = cacheFiles(cache);
    assert.ok(name, 'a cache file was written');
    assert.equal(fs.statSync(cache).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(cache, name)).mode & 0o777, 0o600);
    assert.deepEqual({ ...load(file, cache) }, { outcome: 'accepted', value: 'first', sameAsRequire: true });
  });

  it('compiles anew when the file changed, and when the cache is garbage or writable by others', () => {
    if (nodeCache) return;
    const dir = tempDir();
    const file = moduleFile(dir, 'old');
    const cache = path.join(dir, 'cache');
    assert.equal(load(file, cache).outcome, 'written');
    // The same length and the same modification time (as npm leaves every file it installs): V8
    // would run the old top-level code from the old cache, so the cache is named by the content too.
    const literal = path.join(dir, 'literal.js');
    const npmTime = new Date('1985-10-26T08:15:00Z');
    fs.writeFileSync(literal, "module.exports = { value: 'aaa' };\n");
    fs.utimesSync(literal, npmTime, npmTime);
    assert.equal(load(literal, cache).outcome, 'written');
    fs.writeFileSync(literal, "module.exports = { value: 'bbb' };\n");
    fs.utimesSync(literal, npmTime, npmTime);
    assert.deepEqual({ ...load(literal, cache) }, { outcome: 'written', value: 'bbb', sameAsRequire: true });
    moduleFile(dir, 'new and longer');
    assert.deepEqual({ ...load(file, cache) }, { outcome: 'written', value: 'new and longer', sameAsRequire: true });
    const current = cacheFiles(cache).map((name) => path.join(cache, name)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]!;
    fs.writeFileSync(current, Buffer.alloc(4096, 7));
    assert.deepEqual({ ...load(file, cache) }, { outcome: 'written', value: 'new and longer', sameAsRequire: true }, 'V8 refused the garbage; written again');
    assert.equal(load(file, cache).outcome, 'accepted');
    fs.chmodSync(current, 0o666);
    assert.equal(load(file, cache).outcome, 'written', 'a cache others could write is not read');
    assert.equal(fs.statSync(current).mode & 0o777, 0o600);
  });

  it('never uses a folder that is not its own, nor one turned off; a module that throws is not kept', () => {
    const dir = tempDir();
    const file = moduleFile(dir, 'plain');
    assert.deepEqual({ ...load(file, 'off') }, { outcome: 'off', value: 'plain', sameAsRequire: true });
    if (process.getuid?.() === 0 && !nodeCache) {
      const foreign = path.join(dir, 'foreign');
      fs.mkdirSync(foreign, { mode: 0o700 });
      fs.chownSync(foreign, 65534, 65534);
      assert.deepEqual({ ...load(file, foreign) }, { outcome: 'off', value: 'plain', sameAsRequire: true });
      assert.deepEqual(cacheFiles(foreign), []);
    }
    const throwing = path.join(dir, 'throws.js');
    fs.writeFileSync(throwing, "throw new Error('broken at load');\n");
    const failed = load(throwing, path.join(dir, 'cache'));
    assert.equal(failed.error, 'broken at load / again: broken at load', 'the next require runs it again');
  });
});

describe('the code cache folder', () => {
  it('keeps the 16 newest caches (each version of a file writes its own)', () => {
    if (nodeCache) return;
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const files = Array.from({ length: 18 }, (_, i) => {
      fs.mkdirSync(path.join(dir, `v${i}`));
      return moduleFile(path.join(dir, `v${i}`), `version ${i}`);
    });
    const script = `const { requireWithCodeCache, codeCacheOutcome } = require(${JSON.stringify(codeCache)});
const files = ${JSON.stringify(files)};
process.stdout.write(JSON.stringify(files.map((file) => [requireWithCodeCache(file).value, codeCacheOutcome(file)])));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...process.env, PIPEWRIGHT_CODE_CACHE: cache } });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), files.map((_, i) => [`version ${i}`, 'written']));
    assert.equal(cacheFiles(cache).length, 16);
    // The newest ones are kept: the last file loads from its cache.
    assert.equal(load(files[17]!, cache).outcome, 'accepted');
  });
});

describe('the bundles that load TypeScript use the code cache', () => {
  const repoRoot = path.resolve(__dirname, '../../..');
  const run = (args: string[], cache: string, input?: string) =>
    spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', input: input ?? '', env: { ...process.env, PIPEWRIGHT_CODE_CACHE: cache } });
  const written = (cache: string) => cacheFiles(cache).map((name) => [name, fs.statSync(path.join(cache, name)).mtimeMs] as const);

  it("pipewright check (the runtime's analysis engine: TypeScript's own file) and the language server's entry (its bundle)", () => {
    if (nodeCache) return;
    const cache = path.join(tempDir(), 'cache');
    const check = () => run(['runtime/bin/pipewright.js', 'check', 'test/fixtures/pipelines/basics.ts'], cache);
    const first = check();
    assert.equal(first.status, 0, first.stderr);
    const afterCheck = written(cache);
    assert.equal(afterCheck.length, 1, 'one cache: TypeScript');
    assert.equal(check().status, 0);
    assert.deepEqual(written(cache), afterCheck, 'the second check read it and wrote nothing');
    // The server ends when its input does (exit code 1: no LSP exit notification came).
    run(['dist/server/server.js', '--stdio'], cache);
    const afterServer = written(cache);
    assert.equal(afterServer.length, 2, 'and one for the server bundle');
    run(['dist/server/server.js', '--stdio'], cache);
    assert.deepEqual(written(cache), afterServer);
  });
});
