import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, tempProject } from '../support/tempDir';

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
