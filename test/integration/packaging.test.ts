import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, tempDir, tempProject } from '../support/tempDir';

function node(cwd: string, file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const BODY = `
const double = step(function double(x) { return x * 2; });
const p = pipeline(function p(n) { double(double(n)); });
const dag = p.compile({ n: 1 });
console.log(JSON.stringify(dag.nodes.map((node) => node.id)));
`;

describe('the pipewright package', () => {
  it('works from CommonJS', () => {
    const dir = tempProject();
    fs.writeFileSync(path.join(dir, 'consumer.cjs'), `const { step, pipeline } = require('pipewright');\n${BODY}`);
    const result = node(dir, 'consumer.cjs');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), '["double","double_2"]');
  });

  it('works from ESM, sharing one module instance with require()', () => {
    const dir = tempProject();
    fs.writeFileSync(
      path.join(dir, 'consumer.mjs'),
      `import { step, pipeline } from 'pipewright';\nimport { createRequire } from 'node:module';\nconst required = createRequire(import.meta.url)('pipewright');\nif (required.step !== step) throw new Error('two instances');\n${BODY}`,
    );
    const result = node(dir, 'consumer.mjs');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), '["double","double_2"]');
  });

  it('ships type declarations that a NodeNext TypeScript project resolves', () => {
    const dir = tempProject();
    // A TypeScript project for Node has @types/node, as the declarations expect.
    fs.mkdirSync(path.join(dir, 'node_modules', '@types'));
    fs.symlinkSync(path.join(repoRoot, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir');
    fs.writeFileSync(
      path.join(dir, 'consumer.ts'),
      [
        "import { step, pipeline, type RunSummary } from 'pipewright';",
        'export const double = step(function double(x: number): number { return x * 2; });',
        'export const p = pipeline(function p(n: number) { double(double(n)); });',
        'export const done: Promise<RunSummary> | undefined = undefined;',
        '// @ts-expect-error a string handle is not a number input',
        "export const bad = pipeline(function bad() { double('no'); });",
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['consumer.ts'] }),
    );
    const tsc = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });
});

describe('npm pack of the runtime', () => {
  /** A copy of what the runtime's build needs, with no dist/ but a stale, minified index.js. */
  function checkout(): string {
    const dir = tempDir('pipewright-pack-');
    for (const part of ['scripts/build.mjs', 'tsconfig.base.json', 'contracts/src', 'server/src', 'runtime/src', 'runtime/bin', 'runtime/package.json', 'runtime/tsconfig.json', 'runtime/README.md', 'runtime/LICENSE']) {
      fs.cpSync(path.join(repoRoot, part), path.join(dir, part), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    fs.mkdirSync(path.join(dir, 'runtime', 'dist'));
    fs.writeFileSync(path.join(dir, 'runtime', 'dist', 'index.js'), 'exports.a=1;');
    return dir;
  }

  it('always builds and ships declarations, readable code with source maps, README and LICENSE', () => {
    const dir = checkout();
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: path.join(dir, 'runtime'), encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const files = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    for (const file of ['package.json', 'README.md', 'LICENSE', 'bin/pipewright.js', 'dist/index.mjs', 'dist/types/index.d.ts', 'dist/types/sdk/step.d.ts', 'dist/types/artifacts/fileHash.d.ts']) {
      assert.ok(files.includes(file), `ships ${file}`);
    }
    for (const bundle of ['index', 'cli', 'runner', 'heartbeatWorker', 'analysis']) {
      assert.ok(files.includes(`dist/${bundle}.js`) && files.includes(`dist/${bundle}.js.map`), `ships dist/${bundle}.js with its source map`);
    }
    assert.deepEqual(files.filter((f) => f.endsWith('.tsbuildinfo') || f.startsWith('src/')), [], 'no build state, no sources');
    // The stale minified build was replaced by a readable one.
    const index = fs.readFileSync(path.join(dir, 'runtime', 'dist', 'index.js'), 'utf8');
    const lines = index.split('\n');
    // Minified code is a few lines of many thousand characters. A readable bundle's longest lines are
    // the `var` lists esbuild hoists for a lazily initialized module (run options: about 400).
    const longest = Math.max(...lines.map((line) => line.length));
    assert.ok(lines.length > 1000 && longest < 1000, `not minified (${lines.length} lines, the longest ${longest} characters)`);
    assert.match(index, /\n\/\/# sourceMappingURL=index\.js\.map\n$/);
    assert.match(index, /^function fileHash\(target\) \{$/m);
  });
});
