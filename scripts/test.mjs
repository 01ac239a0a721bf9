// The one test command: build, type-check, lint, then every test file with node's test runner.
// Unit tests import TypeScript sources through tsx; runner processes use the built bundles.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

function step(label, command, args) {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stdout.write(`\n${label} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status || 1);
  }
}

function testFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(full);
      return entry.name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

const only = process.argv.slice(2);
if (only.length === 0) {
  step('build', process.execPath, ['scripts/build.mjs']);
  step('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-b']);
  step('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
}
const files = only.length > 0 ? only : testFiles('test');
step(`tests (${files.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files]);
