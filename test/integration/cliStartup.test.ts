/**
 * What each quick command loads: `runs list`, `runs show` and `--version` load what they need
 * (commander; the store's better-sqlite3), never the bundler, the compiler, the HTTP server, the
 * schemas or the YAML parser the other commands use (their start-up is timed in `npm run bench`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { cli } from '../support/cli';
import { fixture, repoRoot, tempDir } from '../support/tempDir';

/** The packages a real CLI process loaded while running `args`. */
async function packagesLoadedBy(args: string[]): Promise<string[]> {
  const report = path.join(tempDir(), 'loaded.json');
  const result = await cli(args, { env: { NODE_OPTIONS: `--require ${path.join(repoRoot, 'test', 'support', 'loadedPackages.cjs')}`, LOADED_PACKAGES_FILE: report } });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(fs.readFileSync(report, 'utf8')) as string[];
}

/** Packages of other commands: the bundler, the analysis's compiler, the daemon's HTTP server, schemas, YAML, PostgreSQL. */
const HEAVY = ['esbuild', 'typescript', 'fastify', 'fastify-type-provider-zod', 'zod', 'yaml', 'pg'];

describe('CLI start-up loads only what the command needs', () => {
  const storeDir = path.join(tempDir(), 'store');
  const stored = runPipelineFile({ file: fixture('pipelines', 'basics.ts'), parameters: { count: 2 }, options: { storeDir } });

  it('--version loads commander alone', async () => {
    assert.deepEqual(await packagesLoadedBy(['--version']), ['commander']);
  });

  it('runs list and runs show load commander and better-sqlite3, none of the heavy packages', async () => {
    const run = await stored;
    assert.equal(run.status, 'completed');
    for (const args of [['runs', 'list'], ['runs', 'show', run.runId], ['runs', 'show', run.runId, '--json']]) {
      const loaded = await packagesLoadedBy(['--store', storeDir, ...args]);
      assert.ok(loaded.includes('better-sqlite3'), `${args.join(' ')} reads the store: ${loaded.join(', ')}`);
      assert.deepEqual(loaded.filter((name) => HEAVY.includes(name)), [], `${args.join(' ')} loaded ${loaded.join(', ')}`);
    }
  });

  it('a command that bundles still loads what it needs (run --help lists every option)', async () => {
    const loaded = await packagesLoadedBy(['run', '--help']);
    assert.ok(loaded.includes('esbuild') && loaded.includes('zod'), loaded.join(', '));
  });

  it('help lists every command', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const command of ['run', 'runs', 'logs', 'artifacts', 'server', 'services', 'check', 'dag']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), help.stdout);
  });
});
