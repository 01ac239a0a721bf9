import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { summarizeRun } from '../../runtime/src/store/runSummary';
import type { RunSummary } from '../../runtime/src/model/runSummary';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli, lastJson } from '../support/cli';
import { repoRoot, tempDir, tempProject } from '../support/tempDir';

// A helper module: the stack must name this file and line, not the bundle under .pipewright/.
const HELPERS = `export function explode(rows: number): never {
  throw new RangeError(['bad rows: ' + rows, 'line 2 of the message', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7 of the message'].join('\\n'));
}
`;

const PIPELINE = `import * as fs from 'node:fs';
import { pipeline, step } from 'pipewright';
import { explode } from './helpers';

export const deep = step(
  {
    onFailure: (error, context) => {
      const seen = { isError: error instanceof Error, name: error.name, message: error.message, stack: error.stack };
      fs.writeFileSync(String(context.parameters.hookFile), JSON.stringify(seen));
    },
  },
  function deep(n: number, hookFile: string): number {
    return explode(n + hookFile.length * 0);
  },
);

export const odd = step(function odd(n: number): number {
  throw { code: 42, reason: 'odd ' + n };
});

export const fails = pipeline(function fails(n: number, hookFile: string) {
  deep(n, hookFile);
  odd(n);
});
`;

const MESSAGE = ['bad rows: 3', 'line 2 of the message', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7 of the message'].join('\n');

describe('a failed attempt keeps its whole error: name, message, source-mapped stack, thrown value', () => {
  const dir = tempProject();
  const store = path.join(dir, 'store');
  const file = path.join(dir, 'fails.ts');
  const helpers = path.join(dir, 'helpers.ts');
  const hookFile = path.join(dir, 'hook.json');
  fs.writeFileSync(helpers, HELPERS);
  fs.writeFileSync(file, PIPELINE);
  let runId = '';
  let progress = '';

  it('runs (through the daemon) and live progress shows the first lines and where the rest is', async () => {
    const result = await cli(['--store', store, 'run', file, '--param', 'n=3', '--param', `hookFile=${hookFile}`], { cwd: dir });
    assert.equal(result.code, 1, result.stderr);
    progress = result.stdout;
    runId = /\(([0-9a-f-]{36})\) of pipeline fails/.exec(progress)?.[1] ?? '';
    assert.ok(runId, progress);
    assert.match(progress, /✖ deep\s+failed.*: RangeError: bad rows: 3\n {4}line 2 of the message\n {4}line 3\n/);
    assert.ok(progress.includes(`… `) && progress.includes(`pipewright runs show ${runId}, or pipewright logs ${runId} deep --attempt 1`), progress);
    assert.doesNotMatch(progress, /line 7 of the message/, 'only the first lines');
    assert.match(progress, /✖ odd\s+failed.*: threw a non-Error object: \{"code":42,"reason":"odd 3"\}/);
    assert.doesNotMatch(progress, /\[object Object\]/);
  });

  it('runs show prints all of it, with frames in the user\'s files', async () => {
    const shown = await cli(['--store', store, 'runs', 'show', runId], { cwd: dir });
    assert.equal(shown.code, 0, shown.stderr);
    for (const line of MESSAGE.split('\n')) assert.ok(shown.stdout.includes(line), `${line} in ${shown.stdout}`);
    assert.ok(shown.stdout.includes(`at explode (${helpers}:2:9)`), shown.stdout);
    assert.ok(shown.stdout.includes(`${file}:13:`), shown.stdout);
    assert.doesNotMatch(shown.stdout, /\.pipewright|runner\.js|taskRunner/);
    assert.match(shown.stdout, /attempt 1 failed: threw a non-Error object: \{"code":42,"reason":"odd 3"\}/);
  });

  it('--json, the store and the API carry error { name, message, stack, value } per step and attempt', async () => {
    const json = lastJson<RunSummary>(await cli(['--store', store, 'runs', 'show', runId, '--json'], { cwd: dir }));
    const deep = json.steps.find((s) => s.id === 'deep');
    const odd = json.steps.find((s) => s.id === 'odd');
    assert.equal(deep?.error?.name, 'RangeError');
    assert.equal(deep?.error?.message, MESSAGE);
    assert.ok(deep?.error?.stack?.startsWith(`RangeError: ${MESSAGE}\n    at explode (${helpers}:2:9)`), deep?.error?.stack);
    assert.deepEqual(deep?.history?.[0].error, deep?.error);
    assert.deepEqual(odd?.error, { name: 'object', message: '{"code":42,"reason":"odd 3"}', value: { code: 42, reason: 'odd 3' } });
    const client = await connectDaemon(store);
    const detail = await client.getRun({ run: runId });
    assert.deepEqual(detail.attempts.deep[0].error, deep?.error);
    assert.deepEqual(detail.attempts.odd[0].error, odd?.error);
    assert.deepEqual(detail.steps.find((s) => s.id === 'odd')?.error, odd?.error);
  });

  it('the onFailure hook is given a real Error with the name, message and stack', () => {
    const seen = JSON.parse(fs.readFileSync(hookFile, 'utf8')) as { isError: boolean; name: string; message: string; stack: string };
    assert.equal(seen.isError, true);
    assert.equal(seen.name, 'RangeError');
    assert.equal(seen.message, MESSAGE);
    assert.ok(seen.stack.includes(`at explode (${helpers}:2:9)`), seen.stack);
  });

  it('logs of a failed attempt end with its error; a missing attempt or step is an error (exit 2)', async () => {
    const logs = await cli(['--store', store, 'logs', runId, 'deep', '--attempt', '1'], { cwd: dir });
    assert.equal(logs.code, 0, logs.stderr);
    const lines = logs.stderr.trimEnd().split('\n');
    assert.equal(lines[0], '✖ deep attempt 1 failed: RangeError: bad rows: 3');
    assert.ok(lines.includes('  line 7 of the message'), logs.stderr);
    assert.match(lines.at(-1) ?? '', new RegExp(`at .*deep .*${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:13:\\d+\\)$`));
    const missingAttempt = await cli(['--store', store, 'logs', runId, 'deep', '--attempt', '2'], { cwd: dir });
    assert.equal(missingAttempt.code, 2);
    assert.match(missingAttempt.stderr, /step "deep" of run .* has no attempt 2 \(attempts: 1\)/);
    const missingStep = await cli(['--store', store, 'logs', runId, 'nosuch'], { cwd: dir });
    assert.equal(missingStep.code, 2);
    assert.match(missingStep.stderr, /has no step "nosuch"/);
    await stopDaemon(store);
  });
});

describe('the Iris example\'s CSV checker', () => {
  it('shows its problems in live progress, not only "N problem(s) in the data:"', async () => {
    const dir = tempDir();
    const lines = fs.readFileSync(path.join(repoRoot, 'examples', 'iris', 'data', 'iris.csv'), 'utf8').split('\n');
    lines[3] = '4.7,abc,1.3,0.2,setosa';
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, lines.join('\n'));
    const result = await cli(['--store', path.join(dir, 'store'), 'run', path.join(repoRoot, 'examples', 'iris', 'pipeline.ts'), '--param', `path=${bad}`, '--no-daemon']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /✖ loadRows\s+failed.*: Error: .*bad\.csv: 1 problem\(s\) in the data:\n {4} {2}.*bad\.csv: line 4: sepal_width "abc" is not a number\n/);
  });
});

describe('stores written before the error columns', () => {
  it('get them on open, and old rows read as their message', async () => {
    const dir = tempProject();
    const storeDir = path.join(dir, 'store');
    fs.writeFileSync(path.join(dir, 'odd.ts'), PIPELINE);
    fs.writeFileSync(path.join(dir, 'helpers.ts'), HELPERS);
    const result = await cli(['--store', storeDir, 'run', path.join(dir, 'odd.ts'), '--step', 'odd', '--param', 'n=1', '--json', '--no-daemon'], { cwd: dir });
    const { runId } = lastJson<RunSummary>(result);
    // Make it the store an older pipewright wrote: no error columns.
    const db = new Database(path.join(storeDir, 'pipewright.db'));
    for (const table of ['steps', 'attempts']) for (const column of ['error_name', 'error_stack', 'error_value']) db.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    db.close();
    const store = await openRunStore(storeDir, 'readWrite');
    try {
      const summary = await summarizeRun(store, runId, true);
      assert.deepEqual(summary.steps[0].history?.[0].error, { name: 'Error', message: '{"code":42,"reason":"odd 1"}' });
      assert.deepEqual(summary.steps[0].error, { name: 'Error', message: '{"code":42,"reason":"odd 1"}' });
      const reopened = new Database(path.join(storeDir, 'pipewright.db'), { readonly: true });
      for (const table of ['steps', 'attempts']) {
        const columns = (reopened.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
        assert.ok(['error_name', 'error_stack', 'error_value'].every((c) => columns.includes(c)), `${table}: ${columns.join(', ')}`);
      }
      reopened.close();
    } finally {
      await store.close();
    }
  });
});
