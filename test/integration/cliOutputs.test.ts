// What a run was given and what it produced, as `runs show` and `artifacts list` print it. Real
// CLI processes, a real daemon, real SQLite files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { lastJson } from '../support/cli';
import { basics, fixable, oneLineError, pw, rowsOf, withStore, type Output, type Summary } from '../support/cliWorkflow';
import { tempDir } from '../support/tempDir';

function byName(outputs: Output[]): Output[] {
  return outputs.toSorted((a, b) => a.name.localeCompare(b.name));
}

describe('runs show and artifacts list: parameters and every output', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  it('shows the parameters and each step’s outputs (name, type, materializer, size, hash), in text and JSON', async () => {
    const run = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=6', '--param', 'scales=[1,2]', '--json']));
    const recorded = await withStore(store, async (db) => Object.fromEntries(await Promise.all((await db.getSteps(run.runId)).map(async (step) => [step.invocationId, await db.getOutputs(run.runId, step.invocationId)] as const))));
    const show = await pw(store, ['runs', 'show', run.runId]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /\n {2}params {3}count=6\n {11}scales=\[1,2\]\n/);
    const { train, test } = recorded.split;
    assert.match(show.stdout, new RegExp(`  split .*\\n      → train  Array  ${train.materializer}  ${train.size} B  ${train.hash.slice(0, 12)}\\n      → test   Array  ${test.materializer}  ${String(test.size).padStart(String(train.size).length)} B  ${test.hash.slice(0, 12)}\\n`));

    const json = lastJson<Summary & { steps: Record<string, unknown>[] }>(await pw(store, ['runs', 'show', run.runName, '--json']));
    assert.deepEqual(json.parameters, { count: 6, scales: [1, 2] });
    for (const step of json.steps) {
      for (const key of ['id', 'step', 'status', 'attempts', 'cached', 'durationMs', 'history']) assert.ok(key in step, `step field ${key} kept`);
      const expected = Object.entries(recorded[step.id as string]).map(([name, ref]) => ({ name, type: ref.typeName, materializer: ref.materializer, size: ref.size, hash: ref.hash }));
      assert.deepEqual(byName(step.outputs as Output[]), byName(expected), `outputs of ${step.id as string}`);
    }
    // In the order the step declares them.
    assert.deepEqual((json.steps.find((step) => step.id === 'split')?.outputs as Output[]).map((o) => o.name), ['train', 'test']);
  });

  it('artifacts list names every output of every step (or of one step), and artifacts get still reads them', async () => {
    const run = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=5', '--param', 'scales=[3]', '--json']));
    const list = await pw(store, ['artifacts', 'list', run.runId, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const entries = JSON.parse(list.stdout) as { step: string; output: string; type: string; materializer: string; size: number; hash: string }[];
    const expected = await withStore(store, async (db) =>
      (await Promise.all((await db.getSteps(run.runId)).map(async (step) => Object.entries(await db.getOutputs(run.runId, step.invocationId)).map(([output, ref]) => ({ step: step.invocationId, output, type: ref.typeName, materializer: ref.materializer, size: ref.size, hash: ref.hash }))))).flat(),
    );
    const key = (e: { step: string; output: string }) => `${e.step}.${e.output}`;
    assert.deepEqual(entries.toSorted((a, b) => key(a).localeCompare(key(b))), expected.toSorted((a, b) => key(a).localeCompare(key(b))));
    // In step order, each step's outputs in the order it declares them.
    assert.deepEqual(
      entries.map((e) => `${e.step}.${e.output}`),
      ['makeRows.output', 'split.train', 'split.test', 'total.output', 'combine.output', 'final_report.output'],
    );
    const saved = path.join(dir, 'combine.bin');
    assert.equal((await pw(store, ['artifacts', 'get', run.runId, 'combine', '--out', saved])).code, 0);
    assert.equal(fs.statSync(saved).size, entries.find((e) => e.step === 'combine')?.size);
    assert.equal(fs.statSync(saved).mode & 0o777, 0o600, 'saved owner-only, like the stored copy');
    // A stored file that no longer matches its hash is refused, not copied out.
    const combine = entries.find((e) => e.step === 'combine')!;
    fs.writeFileSync(path.join(store, 'artifacts', combine.hash.slice(0, 2), combine.hash), 'not what was stored');
    const refused = await pw(store, ['artifacts', 'get', run.runId, 'combine', '--out', path.join(dir, 'corrupted.bin')]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`artifact ${combine.hash} is corrupted`));
    assert.equal(fs.existsSync(path.join(dir, 'corrupted.bin')), false);

    const [header, ...rows] = rowsOf((await pw(store, ['artifacts', 'list', run.runName])).stdout);
    assert.deepEqual(header, ['STEP', 'OUTPUT', 'TYPE', 'MATERIALIZER', 'SIZE', 'HASH']);
    assert.deepEqual(rows, entries.map((e) => [e.step, e.output, e.type, e.materializer, `${e.size} B`, e.hash.slice(0, 12)]));
    const split = rowsOf((await pw(store, ['artifacts', 'list', run.runId, 'split'])).stdout).slice(1);
    assert.deepEqual(split.map((row) => row[1]), ['train', 'test']);
    oneLineError(await pw(store, ['artifacts', 'list', run.runId, 'ghost']), /run \S+ has no step "ghost" \(steps: makeRows, split, total, combine, final_report\)/);
    oneLineError(await pw(store, ['artifacts', 'list', 'no-such-run']), /no run "no-such-run"/);

    const failed = lastJson<Summary>(await pw(store, ['run', fixable, '--param', `dir=${dir}`, '--json']));
    const partial = JSON.parse((await pw(store, ['artifacts', 'list', failed.runId, '--json'])).stdout) as { step: string }[];
    assert.deepEqual(partial.map((e) => e.step), ['gather'], 'only what was committed');
    assert.match((await pw(store, ['artifacts', 'list', failed.runId, 'fragile'])).stdout, /step "fragile" of run \S+ has no committed outputs/);
  });
});
