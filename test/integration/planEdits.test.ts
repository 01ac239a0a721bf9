// `pipewright plan` on a seeded random sequence of edits of a generated pipeline (a step's body,
// a parameter, a cache switch, the wiring): after each edit, plan, run and check that every
// prediction came true. Real CLI processes on a real SQLite store; needs the built runtime.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkPlan, edit, initialFixture, plan, planThenRun, random, run, source, type Checked } from '../support/planCheck';
import { tempProject } from '../support/tempDir';

describe('pipewright plan on random edits of a pipeline', () => {
  it('every prediction of a seeded sequence of edits comes true', { timeout: 900_000 }, async () => {
    const dir = tempProject();
    const store = path.join(dir, 'store');
    const file = path.join(dir, 'edits.ts');
    const fixture = initialFixture([[], [0], [0, 1], [2], [1, 3]]);
    const next = random(14);
    let version = 100;
    const fresh = () => version++;
    const args = () => ['edits.ts', '--param', `scale=${fixture.scale}`, ...(fixture.noCache ? ['--no-cache'] : [])];
    fs.writeFileSync(file, source(fixture));
    const total: Checked = { reuse: 0, run: 0, conditional: 0 };
    const add = (checked: Checked) => {
      total.reuse += checked.reuse;
      total.run += checked.run;
      total.conditional += checked.conditional;
    };
    const empty = await plan(store, args(), dir);
    assert.ok(!fs.existsSync(path.join(store, 'pipewright.db')), 'planning creates no store');
    assert.deepEqual(empty.steps.map((s) => [s.id, s.action, s.reason]), [['s0', 'run', 'no entry yet'], ...[1, 2, 3, 4].map((i) => [`s${i}`, 'run', 'upstream will run'])]);
    add(await checkPlan(empty, await run(store, args(), dir), store, 'first run'));
    const edits = 16;
    for (let n = 1; n <= edits; n++) {
      const what = edit(fixture, next, fresh);
      fs.writeFileSync(file, source(fixture));
      const { checked } = await planThenRun(store, args(), dir, `edit ${n} (${what})`);
      add(checked);
    }
    // The sequence exercised each kind of prediction.
    assert.ok(total.reuse > 0 && total.run > 0 && total.conditional > 0, JSON.stringify(total));
  });
});
