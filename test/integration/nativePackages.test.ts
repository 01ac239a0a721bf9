import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it, mock } from 'node:test';
import type * as esbuild from 'esbuild';
import { isNativePackage, nativePackagesExternal } from '../../runtime/src/prepare/externals';
import { cli, lastJson } from '../support/cli';
import { fixture, repoRoot, tempDir, tempProject } from '../support/tempDir';

const project = fixture('projects', 'native');

interface Summary {
  runId: string;
  status: string;
  steps: { id: string; status: string }[];
}

async function runNative(store: string, extra: string[]): Promise<void> {
  // From the project folder, as a user would; the store (and so the bundle) lives elsewhere.
  const result = await cli(['--store', store, 'run', 'pipeline.ts', '--json', '--no-cache', ...extra], { cwd: project });
  assert.equal(result.code, 0, result.stderr);
  const summary = lastJson<Summary>(result);
  assert.equal(summary.status, 'completed', JSON.stringify(summary));
  const rows = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'countRows']);
  assert.equal(rows.stdout.trim(), '3', 'the step opened an in-memory better-sqlite3 database');
  const settings = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'readSettings']);
  assert.deepEqual(JSON.parse(settings.stdout), { model: 'tree', depth: 4 });
}

describe('packages with native addons in steps', () => {
  it('run in process: better-sqlite3 is left external and loaded from the project', async () => {
    const store = path.join(tempDir(), 'store');
    await runNative(store, ['--no-daemon']);
    const bundles = fs.readdirSync(path.join(store, 'bundles')).filter((f) => f.endsWith('.cjs'));
    assert.equal(bundles.length, 1);
    const text = fs.readFileSync(path.join(store, 'bundles', bundles[0]), 'utf8');
    assert.match(text, /require\("better-sqlite3"\)/, 'the native package is required at run time');
    assert.match(text, /require\("yaml"\)/, 'the package listed under pipewright.external is required at run time');
    assert.doesNotMatch(text, /Could not locate the bindings file/, 'the bindings loader is not bundled');
  });

  it('run through the daemon, which resolves them from the project it was told', async () => {
    await runNative(path.join(tempDir(), 'store'), []);
  });

  it('a pipewright.external that is not a list of names is bad input naming the package.json', async () => {
    const dir = tempProject();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', private: true, pipewright: { external: 'yaml' } }));
    fs.writeFileSync(path.join(dir, 'p.ts'), "import { step, pipeline } from 'pipewright';\nexport const s = step(function s(): number { return 1; });\nexport const p = pipeline(function p() { s(); });\n");
    const result = await cli(['run', 'p.ts', '--no-daemon'], { cwd: dir });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr.trim(), `pipewright: ${path.join(fs.realpathSync(dir), 'package.json')}: "pipewright.external" must be an array of package names`);
  });
});

describe('native package detection', () => {
  const packages = tempDir();
  const make = (name: string, manifest: Record<string, unknown>, files: Record<string, string> = {}) => {
    const dir = path.join(packages, 'node_modules', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...manifest }));
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
  };

  it('knows a native package by gypfile, binding.gyp, a .node file, a native helper, or a native dependency', () => {
    assert.equal(isNativePackage(make('by-gypfile', { gypfile: true })), true);
    assert.equal(isNativePackage(make('by-binding-gyp', {}, { 'binding.gyp': '{}' })), true);
    assert.equal(isNativePackage(make('by-addon', {}, { 'prebuilds/linux-x64/addon.node': '' })), true);
    assert.equal(isNativePackage(make('by-helper', { dependencies: { 'node-gyp-build': '^4' } })), true);
    make('binary-only', {}, { 'lib/binary.node': '' });
    assert.equal(isNativePackage(make('by-optional-dependency', { optionalDependencies: { 'binary-only': '1' } })), true);
    assert.equal(isNativePackage(make('plain', { dependencies: { 'plain-too': '1' } })), false);
    make('cycle-a', { dependencies: { 'cycle-b': '1' } });
    assert.equal(isNativePackage(make('cycle-b', { dependencies: { 'cycle-a': '1' } })), false);
  });

  it("judges this repository's real packages", () => {
    assert.equal(isNativePackage(path.join(repoRoot, 'node_modules', 'better-sqlite3')), true);
    assert.equal(isNativePackage(path.join(repoRoot, 'node_modules', 'yaml')), false);
    assert.equal(isNativePackage(path.join(repoRoot, 'node_modules', 'zod')), false);
  });

  it('leaves a package that is already external to esbuild without reading its folder (it scanned `pipewright` on every run)', () => {
    make('pipewright', {}, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`dist/types/f${i}.d.ts`, ''])));
    let resolve: ((args: { path: string; kind: string; resolveDir: string }) => unknown) | undefined;
    const build = { onResolve: (_options: unknown, callback: typeof resolve) => (resolve = callback) } as unknown as esbuild.PluginBuild;
    void nativePackagesExternal(['pipewright', 'yaml']).setup(build);
    assert.ok(resolve, 'the plugin registers a resolver');
    // The module object itself (the one the plugin's `fs` reads through), not this file's namespace copy.
    const nodeFs = createRequire(__filename)('node:fs') as typeof fs;
    const reads = [mock.method(nodeFs, 'readdirSync'), mock.method(nodeFs, 'existsSync'), mock.method(nodeFs, 'readFileSync')];
    try {
      assert.deepEqual(resolve({ path: 'pipewright', kind: 'import-statement', resolveDir: packages }), { path: 'pipewright', external: true });
      assert.deepEqual(resolve({ path: 'yaml/dist/index.js', kind: 'require-call', resolveDir: packages }), { path: 'yaml/dist/index.js', external: true });
      assert.deepEqual(
        reads.map((read) => read.mock.callCount()),
        [0, 0, 0],
        'no file was read to judge them',
      );
    } finally {
      for (const read of reads) read.mock.restore();
    }
    assert.equal(resolve({ path: 'by-gypfile', kind: 'import-statement', resolveDir: packages }) !== undefined, true, 'other packages are still judged');
  });
});
