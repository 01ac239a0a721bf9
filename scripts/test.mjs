// The one test command: build, type-check, lint, every test file with node's test runner, then
// the end-to-end suite (package the .vsix, install it into VS Code's server build, drive the
// workbench with headless Chromium). Unit tests import TypeScript sources through tsx; runner
// processes use the built bundles.
//   node scripts/test.mjs             everything
//   node scripts/test.mjs FILE...     only these test files
//   node scripts/test.mjs --e2e       only the end-to-end suite (and what it needs)
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

function testFiles(dir, suffix) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(full, suffix);
      return entry.name.endsWith(suffix) ? [full] : [];
    })
    .sort();
}

function e2e() {
  step('end-to-end tools (Node 24, code-server; cached)', process.execPath, ['scripts/e2e-tools.mjs']);
  step('package the .vsix', 'npm', ['run', 'package']);
  const files = testFiles('test/e2e', '.e2e.ts');
  step(`end-to-end (${files.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files]);
}

const args = process.argv.slice(2);
if (args.includes('--e2e')) {
  step('build', process.execPath, ['scripts/build.mjs']);
  e2e();
} else if (args.length > 0) {
  step(`tests (${args.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...args]);
} else {
  step('build', process.execPath, ['scripts/build.mjs']);
  step('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-b']);
  step('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
  const files = testFiles('test', '.test.ts');
  step(`tests (${files.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files]);
  e2e();
}
