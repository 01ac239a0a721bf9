import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cli, lastJson } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';

const TOO_DEEP = /nested more than 1000 levels deep/;

function attemptErrors(store: string, runId: string, step: string): (string | null)[] {
  const db = new Database(path.join(store, 'pipewright.db'), { readonly: true });
  try {
    return (db.prepare('SELECT error FROM attempts WHERE run_id = ? AND step_id = ? ORDER BY attempt').all(runId, step) as { error: string | null }[]).map((row) => row.error);
  } finally {
    db.close();
  }
}

describe('artifacts nested 100,000 deep', () => {
  it('reading one names the run, step and output instead of overflowing the stack', async () => {
    const store = path.join(tempDir(), 'store');
    const first = await cli(['--store', store, 'run', fixture('pipelines', 'basics.ts'), '--param', 'count=4', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const { runId } = lastJson<{ runId: string }>(first);
    // makeRows' committed output becomes a valid json@1 artifact (its hash matches) nested 100,000 deep.
    const bytes = Buffer.from(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
    const hash = createHash('sha256').update('json@1').update('\0').update(bytes).digest('hex');
    fs.mkdirSync(path.join(store, 'artifacts', hash.slice(0, 2)), { recursive: true });
    fs.writeFileSync(path.join(store, 'artifacts', hash.slice(0, 2), hash), bytes);
    const db = new Database(path.join(store, 'pipewright.db'));
    db.prepare('INSERT INTO artifacts (hash, materializer, size, type_name, created_at) VALUES (?, ?, ?, ?, ?)').run(hash, 'json@1', bytes.length, 'Array', Date.now());
    db.prepare("UPDATE step_outputs SET hash = ? WHERE run_id = ? AND step_id = 'makeRows'").run(hash, runId);
    db.close();

    const get = await cli(['--store', store, 'artifacts', 'get', runId, 'makeRows']);
    assert.equal(get.code, 1, get.stderr);
    assert.doesNotMatch(get.stderr, /call stack/);
    assert.match(get.stderr, new RegExp(`output "output" of step "makeRows" in run \\S+ \\(${runId}\\) \\(artifact ${hash}\\) could not be loaded`));
    assert.match(get.stderr, TOO_DEEP);

    // A step reading it as its input fails at once (no retry helps), naming where the input came from.
    const retry = await cli(['--store', store, 'runs', 'retry', runId, '--step', 'split', '--json']);
    assert.equal(retry.code, 1, retry.stderr);
    const retried = lastJson<{ runId: string; steps: { id: string; status: string; attempts: number }[] }>(retry);
    assert.deepEqual(retried.steps.find((s) => s.id === 'split'), { ...retried.steps.find((s) => s.id === 'split'), status: 'failed', attempts: 1 });
    const [error] = attemptErrors(store, retried.runId, 'split');
    // The retry run reuses makeRows' committed output, so that is the run it names.
    assert.match(error ?? '', new RegExp(`^step "split" input "rows": output "output" of step "makeRows" in run \\S+ \\(${retried.runId}\\) \\(artifact ${hash}\\) could not be loaded`));
    assert.match(error ?? '', TOO_DEEP);
  });

  it('a step returning one fails with a clear error naming the output, not a stack overflow', async () => {
    const store = path.join(tempDir(), 'store');
    const result = await cli(['--store', store, 'run', fixture('pipelines', 'deep.ts'), '--param', 'depth=100000', '--json', '--no-daemon']);
    assert.equal(result.code, 1, result.stderr);
    const { runId } = lastJson<{ runId: string }>(result);
    const [error] = attemptErrors(store, runId, 'deepValue');
    assert.match(error ?? '', /^step "deepValue" output "output": value\[0\]\[0\]/);
    assert.match(error ?? '', TOO_DEEP);
    assert.doesNotMatch(error ?? '', /call stack/);
  });
});
