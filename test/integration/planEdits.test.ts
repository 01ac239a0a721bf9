// `pipewright plan` on a seeded random sequence of edits of a generated pipeline (a step's body,
// a parameter, a cache switch, the wiring): after each edit, plan, run and check that every
// prediction came true. Real CLI processes on a real SQLite store; needs the built runtime.
// Two sequences of 8 edits, one per file, each well within the suite's per-file timeout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEditSequence } from '../support/planCheck';

describe('pipewright plan on random edits of a pipeline', () => {
  it('every prediction of the edits of seed 14 comes true', { timeout: 900_000 }, async () => {
    const total = await checkEditSequence(14, 8);
    // The sequence exercised each kind of prediction.
    assert.ok(total.reuse > 0 && total.run > 0 && total.conditional > 0, JSON.stringify(total));
  });
});
