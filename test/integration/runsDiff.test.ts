/**
 * `pipewright runs diff A B` on real runs in a real SQLite store, through the real CLI, and the
 * daemon's `GET /runs/:run/diff/:other` answering the same comparison over loopback HTTP.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { answerStatus } from '../../runtime/src/api/client';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import type { RunDiff } from '../../runtime/src/model/runDiff';
import { cli, lastJson } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';

describe('runs diff', () => {
  const storeDir = path.join(tempDir(), 'store');
  const options = { storeDir };
  const basics = fixture('pipelines', 'basics.ts');
  const runs = (async () => {
    const a = await runPipelineFile({ file: basics, parameters: { count: 2 }, options: { ...options, runName: 'diff-a' } });
    const b = await runPipelineFile({ file: basics, parameters: { count: 6, scales: [1, 2] }, options: { ...options, runName: 'diff-b' } });
    const again = await runPipelineFile({ file: basics, parameters: { count: 2 }, options: { ...options, runName: 'diff-again' } });
    const pre = await runPipelineFile({ file: fixture('pipelines', 'composition.ts'), pipeline: 'preprocess', parameters: { value: 2 }, options });
    return { a, b, again, pre };
  })();
  const diffCli = (args: string[]) => cli(['--store', storeDir, 'runs', 'diff', ...args]);
  after(() => stopDaemon(storeDir));

  it('puts the parameters that differ first, then each invocation: added, removed, status, duration and output hashes', async () => {
    const { a, b } = await runs;
    const result = await diffCli([a.runId, b.runName, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', 'runs of one pipeline: no warning');
    const diff = lastJson<RunDiff>(result);
    assert.equal(diff.a.runId, a.runId);
    assert.equal(diff.b.runId, b.runId);
    assert.deepEqual(
      diff.parameters.filter((p) => !p.same).map((p) => p.name),
      ['count', 'scales'],
    );
    assert.deepEqual(
      diff.parameters.slice(0, 2).map((p) => p.name),
      ['count', 'scales'],
      'the differing parameters come first',
    );
    const byId = Object.fromEntries(diff.steps.map((s) => [s.id, s]));
    assert.equal(byId.total_3.change, 'removed', 'B ran with two scales: its third total is gone');
    assert.equal(byId.total_3.b, undefined);
    assert.equal(byId.makeRows.change, 'changed');
    assert.equal(byId.makeRows.outputs[0].change, 'different', 'six rows hash otherwise than two');
    assert.notEqual(byId.makeRows.outputs[0].a, byId.makeRows.outputs[0].b);
    assert.equal(typeof byId.makeRows.durationDeltaMs, 'number');
    assert.equal(byId.makeRows.a?.status, 'completed');
    assert.deepEqual(
      byId.split.outputs.map((o) => o.name).sort(),
      ['test', 'train'],
    );
    assert.equal(diff.summary.removed, 1);

    const text = await diffCli([a.runId, b.runId]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /parameters that differ:\n\s+count\s+2\s+→\s+6\n/);
    assert.match(text.stdout, /^total_3\s+removed\s+completed/m);
    assert.match(text.stdout, /^makeRows\s+changed\s+completed .*output [0-9a-f]{12}≠[0-9a-f]{12}$/m);
    assert.match(text.stdout, /1 removed/);
  });

  it('finds nothing changed between two runs of the same parameters (the second one reused from the cache)', async () => {
    const { a, again } = await runs;
    const diff = lastJson<RunDiff>(await diffCli([a.runId, again.runId, '--json']));
    assert.ok(
      diff.steps.every((s) => s.change === 'same' && s.outputs.every((o) => o.change === 'same')),
      JSON.stringify(diff.steps.map((s) => [s.id, s.change])),
    );
    assert.ok(again.steps.every((s) => s.status === 'cached'), 'the second run was reused');
    assert.equal(diff.summary.parametersChanged, 0);
  });

  it('compares runs of two pipelines with a warning on stderr', async () => {
    const { a, pre } = await runs;
    const result = await diffCli([a.runId, pre.runId, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^warning: the runs are of different pipelines \(basics, preprocess\): invocations are matched by id$/m);
    const diff = lastJson<RunDiff>(result);
    assert.equal(diff.samePipeline, false);
    assert.equal(diff.summary.added, pre.steps.length);
  });

  it('refuses an unknown run and the same run twice (by id and by name), exit 2', async () => {
    const { a } = await runs;
    const unknown = await diffCli([a.runId, 'no-such-run']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no run "no-such-run"/);
    const twice = await diffCli([a.runId, a.runName]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, new RegExp(`run ${a.runName} \\(${a.runId}\\) was given twice: compare two different runs`));
  });

  it('is answered by the daemon the same, with 404 for an unknown run and 400 for the same run twice', async () => {
    const { a, b } = await runs;
    const local = lastJson<RunDiff>(await diffCli([a.runId, b.runId, '--json']));
    const client = await connectDaemon(storeDir);
    assert.deepEqual(await client.diffRuns({ run: a.runName, other: b.runId }), local);
    const status = (promise: Promise<unknown>) => promise.then(() => 200, (error: unknown) => answerStatus(error));
    assert.equal(await status(client.diffRuns({ run: a.runId, other: 'no-such-run' })), 404);
    assert.equal(await status(client.diffRuns({ run: a.runId, other: a.runName })), 400);
  });
});
