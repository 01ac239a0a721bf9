// The command line as a user meets it: what to do next after a run, listing runs, a retry with
// nothing to retry, unknown subcommands. Real CLI processes, a real daemon, real SQLite files.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { answerStatus } from '../../runtime/src/api/client';
import { NothingToRetryError } from '../../runtime/src/model/errorCodes';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { cli, lastJson } from '../support/cli';
import { basics, env, fixable, nextCommands, oneLineError, pw, rowsOf, withStore, type Summary } from '../support/cliWorkflow';
import { tempDir } from '../support/tempDir';
import { waitForAsync } from '../support/waitFor';

describe('after a run, one line of what to do next', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  it('a completed run suggests showing it and listing its artifacts, and each suggestion works', async () => {
    const result = await pw(store, ['run', basics, '--param', 'count=4']);
    assert.equal(result.code, 0, result.stderr);
    const runId = /^Run \S+ \(([0-9a-f-]{36})\)/.exec(result.stdout)?.[1] ?? '';
    assert.ok(runId, result.stdout);
    assert.match(result.stdout.trim().split('\n').at(-1) ?? '', /^next: /, 'the last line');
    const next = nextCommands(result.stdout);
    assert.deepEqual(next, [
      ['--store', store, 'runs', 'show', runId],
      ['--store', store, 'artifacts', 'list', runId],
    ]);
    for (const args of next) assert.equal((await cli(args, { env })).code, 0, args.join(' '));
  });

  it("a failed run suggests the failed step's logs, showing it and a retry; with --json the hint goes to stderr", async () => {
    const result = await pw(store, ['run', fixable, '--param', `dir=${dir}`, '--json']);
    assert.equal(result.code, 1, result.stderr);
    const summary = lastJson<Summary>(result);
    assert.equal(summary.status, 'failed');
    assert.deepEqual(nextCommands(result.stderr), [
      ['--store', store, 'logs', summary.runId, 'fragile'],
      ['--store', store, 'runs', 'show', summary.runId],
      ['--store', store, 'runs', 'retry', summary.runId],
    ]);
    assert.doesNotMatch(result.stdout, /next:/);
    const logs = await cli(nextCommands(result.stderr)[0], { env });
    assert.equal(logs.code, 0, logs.stderr);
  });
});

describe('runs list: a table with start time and duration, filtered by status, limited', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  it('has a header, one row per run, --status and --limit, and refuses bad values', async () => {
    const completed = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=3', '--json']));
    const failed = lastJson<Summary>(await pw(store, ['run', fixable, '--param', `dir=${dir}`, '--json']));
    assert.equal(failed.status, 'failed');
    const list = await pw(store, ['runs', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = rowsOf(list.stdout);
    assert.deepEqual(header, ['RUN', 'STATUS', 'PIPELINE', 'NAME', 'STEPS', 'STARTED', 'DURATION']);
    assert.deepEqual(
      rows.map((row) => row.slice(0, 6)),
      [failed, completed].map((run) => [run.runId.slice(0, 8), run.status, run.runName.split('-')[0], run.runName, run === failed ? '1/3' : '7/7', run.createdAt.slice(0, 19).replace('T', ' ')]),
    );
    for (const row of rows) assert.match(row[6], /^\d+ ms$|^\d+\.\d s$/);

    const onlyFailed = rowsOf((await pw(store, ['runs', 'list', '--status', 'failed'])).stdout).slice(1);
    assert.deepEqual(onlyFailed.map((row) => row[0]), [failed.runId.slice(0, 8)]);
    const both = rowsOf((await pw(store, ['runs', '--status', 'failed,completed'])).stdout).slice(1);
    assert.equal(both.length, 2);
    assert.equal((await pw(store, ['runs', 'list', '--status', 'running,cancelled'])).stdout.trim(), 'no runs match');
    const json = lastJson<Summary[]>(await pw(store, ['runs', 'list', '--status', 'completed', '--json'])) as unknown as Summary[];
    assert.deepEqual(json.map((run) => run.runId), [completed.runId]);
    const limited = rowsOf((await pw(store, ['runs', 'list', '--limit', '1'])).stdout).slice(1);
    assert.deepEqual(limited.map((row) => row[0]), [failed.runId.slice(0, 8)], 'the newest run');

    oneLineError(await pw(store, ['runs', 'list', '--status', 'failed,bogus']), /--status failed,bogus: unknown run status "bogus" \(statuses: running, completed, failed, cancelled, crashed\)/);
    oneLineError(await pw(store, ['runs', 'list', '--limit', '0']), /--limit 0: expected a whole number from 1 to 1000/);
    oneLineError(await pw(store, ['runs', 'list', '--limit', 'ten']), /--limit ten: expected a whole number/);
  });
});

describe('runs retry of a run where every step succeeded', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');
  const runCount = () => withStore(store, async (db) => (await db.listRuns({ limit: 1000 })).length);

  it('says there is nothing to retry and exits 0, making no run, from the CLI and the API alike', async () => {
    const run = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=2', '--json']));
    assert.equal(run.status, 'completed');
    const before = await runCount();
    const retry = await pw(store, ['runs', 'retry', run.runId]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, new RegExp(`run ${run.runName} is completed and every step succeeded: nothing to retry; to re-run one step and what depends on it: pipewright --store ${store} runs retry ${run.runId} --step STEP`));
    const json = await pw(store, ['runs', 'retry', run.runName, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.match(json.stderr, /nothing to retry/);
    assert.deepEqual([lastJson<Summary>(json).runId, lastJson<Summary>(json).status], [run.runId, 'completed'], 'the run that holds the result');
    const detached = await pw(store, ['runs', 'retry', run.runId, '--detach']);
    assert.equal(detached.code, 0, detached.stderr);
    assert.equal(detached.stdout.trim(), run.runId);
    assert.equal(await runCount(), before, 'no empty run was made');

    const client = await connectDaemon(store);
    await assert.rejects(client.retryRun({ run: run.runId }), (error: unknown) => error instanceof NothingToRetryError && answerStatus(error) === 409 && error.code === 'nothing-to-retry' && /nothing to retry/.test(error.message));
    assert.equal(await runCount(), before);
    // One named step is always retried.
    const one = await client.retryRun({ run: run.runId, step: 'split' });
    assert.equal(one.parentRunId, run.runId);
    assert.equal(await runCount(), before + 1);
    const ended = await waitForAsync('the retry of split ends', async () => {
      const detail = await client.getRun({ run: one.runId });
      return detail.status !== 'running' && detail;
    });
    assert.equal(ended.status, 'completed');
  });
});

describe('an unknown subcommand', () => {
  const store = path.join(tempDir(), 'store');

  it('names the valid ones and exits 2, for every command group', async () => {
    const groups: [string, string][] = [
      ['runs', 'list, cancel, retry, show, watch, diff'],
      ['services', 'list, start, status, stop, logs'],
      ['server', 'start, stop, status, logs'],
      ['artifacts', 'list, get'],
      ['tokens', 'create, list, revoke'],
      ['deploy', 'kubernetes'],
    ];
    for (const [group, valid] of groups) {
      oneLineError(await pw(store, [group, 'frobnicate']), new RegExp(`^pipewright: unknown command "${group} frobnicate" \\(${group} commands: ${valid}\\)\\n$`));
    }
    oneLineError(await pw(store, ['frobnicate']), /^pipewright: unknown command "frobnicate" \(commands: run, plan, runs, debug, logs, artifacts, server, services, check, dag, worker, workers, tokens, deploy\)\n$/);
    // The default subcommand still answers the bare group.
    const bare = await pw(store, ['runs', '--json']);
    assert.equal(bare.code, 2, 'no store yet: bad input, not an unknown command');
    assert.match(bare.stderr, /no pipewright store/);
  });
});
