// What `pipewright plan` says about why each step runs, and its bad input. Real CLI processes on
// a real SQLite store; needs the built runtime.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cli } from '../support/cli';
import { env, oneLineError } from '../support/cliWorkflow';
import { initialFixture, plan, planThenRun, run, source, type Plan } from '../support/planCheck';
import { tempProject } from '../support/tempDir';

describe('pipewright plan: reasons and bad input', () => {
  it('says why each step runs: code, parameter, input, upstream, cache off', { timeout: 300_000 }, async () => {
    const dir = tempProject();
    const store = path.join(dir, 'store');
    const file = path.join(dir, 'edits.ts');
    const fixture = initialFixture([[], [], [1], [], [3]]);
    const args = ['edits.ts'];
    const reasons = (planned: Plan) => Object.fromEntries(planned.steps.map((s) => [s.id, s.action === 'reuse' ? 'reuse' : s.reason]));
    fs.writeFileSync(file, source(fixture));
    await run(store, args, dir);
    const firstRun = (await plan(store, args, dir)).steps;
    assert.ok(firstRun.every((s) => s.action === 'reuse'), JSON.stringify(firstRun));
    fixture.versions[1] = 1;
    fixture.literals[3] = 2;
    fixture.cache[0] = false;
    fs.writeFileSync(file, source(fixture));
    const { planned } = await planThenRun(store, args, dir, 'edited');
    assert.deepEqual(reasons(planned), { s0: 'cache off', s1: 'code changed', s2: 'upstream will run', s3: 'parameter changed', s4: 'upstream will run' });
    const s3 = planned.steps.find((s) => s.id === 's3');
    assert.equal(s3?.detail, 'p');
    assert.match(s3?.since?.runName ?? '', /^edits-/);
    // s1's next version is stored (reused below) but s2, caching off, never makes an entry from it.
    fixture.versions[1] = 2;
    fixture.cache[0] = undefined;
    fixture.cache[2] = false;
    fs.writeFileSync(file, source(fixture));
    await planThenRun(store, args, dir, 'without an entry of s2');
    fixture.cache[2] = undefined;
    fs.writeFileSync(file, source(fixture));
    const input = await planThenRun(store, args, dir, 'input changed');
    assert.deepEqual(reasons(input.planned), { s0: 'reuse', s1: 'reuse', s2: 'input changed', s3: 'reuse', s4: 'reuse' });
    assert.equal(input.planned.steps.find((s) => s.id === 's2')?.detail, 'in1');
    // A rewire changes s2's parameter list, which is its code.
    fixture.wiring[2] = [0];
    fs.writeFileSync(file, source(fixture));
    const rewired = await planThenRun(store, args, dir, 'rewired');
    assert.equal(reasons(rewired.planned).s2, 'code changed');
    const text = await cli(['--store', store, 'plan', 'edits.ts', '--param', 'scale=3'], { cwd: dir, env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^plan of edits \(store store\):\n/);
    assert.match(text.stdout, /\n {2}s0 +run: parameter changed \(p; since run edits-[^)]*\)\n/);
    assert.match(text.stdout, /\n {2}s1 +reuse\n/);
    assert.match(text.stdout, /\n {2}s2 +run: upstream will run \(s0\)\n/);
    assert.match(text.stdout, /\n3 to reuse, 2 to run\n$/);
  });

  it('says an entry too old to reuse expired, and a step whose own cacheKey throws will fail it', { timeout: 300_000 }, async () => {
    const dir = tempProject();
    const store = path.join(dir, 'store');
    fs.writeFileSync(
      path.join(dir, 'old.ts'),
      [
        "import { pipeline, step } from 'pipewright';",
        "export const brief = step({ cacheExpiresAfter: '200ms' }, function brief(n: number): number { return n; });",
        "export const keyed = step({ cacheKey: ({ n }) => { if (n === 2) throw new Error('no key for two'); return String(n); } }, function keyed(n: number): number { return n; });",
        'export const old = pipeline(function old(n: number = 1) { brief(n); keyed(n); });',
        '',
      ].join('\n'),
    );
    await run(store, ['old.ts'], dir);
    // The plan's own start takes longer than 200 ms: the entry is too old by then.
    const { planned } = await planThenRun(store, ['old.ts'], dir, 'expired');
    assert.deepEqual(planned.steps.map((s) => [s.id, s.action, s.reason]), [['brief', 'run', 'cache expired'], ['keyed', 'reuse', undefined]]);
    const failing = await planThenRun(store, ['old.ts', '--param', 'n=2'], dir, 'custom key throws');
    const keyed = failing.planned.steps.find((s) => s.id === 'keyed');
    assert.equal(keyed?.reason, 'custom cache key failed');
    assert.match(keyed?.detail ?? '', /no key for two/);
  });

  it('refuses bad input as the other commands do (exit 2, naming what and where)', async () => {
    const dir = tempProject();
    fs.writeFileSync(path.join(dir, 'edits.ts'), source(initialFixture([[], [], [], [], []])));
    const store = path.join(dir, 'store');
    oneLineError(await cli(['--store', store, 'plan', 'missing.ts'], { cwd: dir, env }), /pipeline file not found: missing\.ts/);
    oneLineError(await cli(['--store', store, 'plan', 'edits.ts', '--param', 'scale'], { cwd: dir, env }), /--param scale: expected key=value/);
    oneLineError(await cli(['--store', store, 'plan', 'edits.ts', '--param', 'scale=many'], { cwd: dir, env }), /scale/);
    oneLineError(await cli(['--store', store, 'plan', 'edits.ts', '--param', 'nope=1'], { cwd: dir, env }), /nope/);
  });
});
