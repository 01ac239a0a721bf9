// A run started from a past run (`pipewright run FILE --from STEP --reuse RUN`, the editor's Run
// from Here): the step and its downstream run again, everything else keeps the past run's outputs
// and the run its parameters. Real CLI processes, a real daemon, real SQLite files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { lastJson } from '../support/cli';
import { oneLineError, pw, type Summary } from '../support/cliWorkflow';
import { fixture, tempDir } from '../support/tempDir';

const file = fixture('pipelines', 'runFrom.ts');

describe('run --from STEP --reuse RUN', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');
  const ranFile = path.join(dir, 'ran');
  /** The invocations that executed since the last call, sorted. */
  let seen = 0;
  const ranSince = () => {
    const lines = fs.existsSync(ranFile) ? fs.readFileSync(ranFile, 'utf8').trim().split('\n').filter(Boolean) : [];
    const fresh = lines.slice(seen);
    seen = lines.length;
    return fresh.sort();
  };
  const statuses = (summary: Summary) => Object.fromEntries(summary.steps.map((step) => [step.id, step.status]));
  const outputHash = (summary: Summary, id: string) => summary.steps.find((step) => step.id === id)?.outputs?.[0]?.hash;
  const show = async (runId: string) => lastJson<Summary>(await pw(store, ['runs', 'show', runId, '--json']));
  let first: Summary;

  after(async () => {
    await pw(store, ['server', 'stop']);
  });

  it('runs the step and everything downstream of it, reusing the upstream outputs and keeping the parameters of the run', async () => {
    const ran = await pw(store, ['run', file, '--pipeline', 'scored', '--param', `dir=${dir}`, '--param', 'mean=3', '--json']);
    assert.equal(ran.code, 0, ran.stderr);
    first = lastJson<Summary>(ran);
    assert.deepEqual(ranSince(), ['evaluate', 'load', 'report', 'summary']);

    // No --pipeline and no --param: the reused run's pipeline and parameters.
    const from = await pw(store, ['run', file, '--from', 'evaluate', '--reuse', first.runName, '--json']);
    assert.equal(from.code, 0, from.stderr);
    const second = lastJson<Summary>(from);
    assert.notEqual(second.runId, first.runId);
    assert.equal(second.status, 'completed');
    assert.deepEqual(ranSince(), ['evaluate', 'report'], 'load (upstream) and summary (beside) did not run again');
    assert.deepEqual(statuses(second), { load: 'cached', evaluate: 'completed', report: 'completed', summary: 'cached' });
    const shown = await show(second.runId);
    const original = await show(first.runId);
    assert.deepEqual(shown.parameters, original.parameters);
    assert.deepEqual(shown.parameters, { dir, mean: 3 });
    // The reused outputs are the past run's; the re-run ones are made again (and, the code unchanged, equal).
    assert.equal(outputHash(shown, 'load'), outputHash(original, 'load'));
    assert.equal(outputHash(shown, 'report'), outputHash(original, 'report'));
  });

  it('re-runs the step even when its cache would serve it, and a --param overrides a kept parameter', async () => {
    const from = await pw(store, ['run', file, '--from', 'report', '--reuse', first.runId, '--json']);
    assert.equal(from.code, 0, from.stderr);
    assert.deepEqual(ranSince(), ['report']);
    const overridden = await pw(store, ['run', file, '--from', 'evaluate', '--reuse', first.runId, '--param', 'mean=4', '--json']);
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.deepEqual(ranSince(), ['evaluate', 'report']);
    const shown = await show(lastJson<Summary>(overridden).runId);
    assert.deepEqual(shown.parameters, { dir, mean: 4 });
  });

  it('refuses a step that is not in the pipeline, naming the steps (exit 2)', async () => {
    oneLineError(await pw(store, ['run', file, '--from', 'nowhere', '--reuse', first.runId]), /pipeline "scored" has no step "nowhere" to run from \(steps: load, evaluate, report, summary\)/);
    assert.deepEqual(ranSince(), []);
  });

  it('refuses a run of another pipeline (exit 2)', async () => {
    const other = await pw(store, ['run', file, '--pipeline', 'other', '--param', `dir=${dir}`, '--json']);
    assert.equal(other.code, 0, other.stderr);
    ranSince();
    const otherRun = lastJson<Summary>(other);
    oneLineError(await pw(store, ['run', file, '--pipeline', 'scored', '--param', 'mean=3', '--from', 'evaluate', '--reuse', otherRun.runId]), new RegExp(`run ${otherRun.runName} is a run of pipeline "other", not of "scored": its outputs cannot be reused`));
    assert.deepEqual(ranSince(), []);
  });

  it('refuses a run that lacks an output upstream of the step, saying which and why (exit 2)', async () => {
    const failed = await pw(store, ['run', file, '--pipeline', 'scored', '--param', `dir=${dir}`, '--param', 'mean=-1', '--json']);
    assert.equal(failed.code, 1, failed.stderr);
    ranSince();
    const failedRun = lastJson<Summary>(failed);
    oneLineError(await pw(store, ['run', file, '--from', 'report', '--reuse', failedRun.runId]), new RegExp(`run ${failedRun.runName} has no outputs of load \\(failed there\\), evaluate \\((skipped|cancelled|pending) there\\), upstream of "report"`));
    assert.deepEqual(ranSince(), []);
  });

  it('refuses a run that does not exist, and --from or --reuse alone (exit 2)', async () => {
    oneLineError(await pw(store, ['run', file, '--from', 'evaluate', '--reuse', 'no-such-run']), /no run "no-such-run"/);
    oneLineError(await pw(store, ['run', file, '--from', 'evaluate']), /--from needs --reuse RUN/);
    oneLineError(await pw(store, ['run', file, '--reuse', first.runId]), /--reuse needs --from STEP/);
    oneLineError(await pw(store, ['run', file, '--step', 'report', '--from', 'report', '--reuse', first.runId]), /cannot be combined with --step/);
    assert.deepEqual(ranSince(), []);
  });
});
