import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseTable, leaseKey } from '../../../runtime/src/engine/leases';

describe('lease renewal tells a late beat', () => {
  const key = leaseKey('r1', 'fit');

  it('says after which beat a beat came more than 1.5 intervals late; the first beat and beats on time say nothing', () => {
    const table = new LeaseTable();
    table.grant(key, 1, 0, 30_000, 3000, 1000);
    // The first beat comes after the runner started: never judged late.
    assert.deepEqual(table.renew(key, 1, 2500), { ok: true, stop: false });
    assert.deepEqual(table.renew(key, 1, 3500), { ok: true, stop: false });
    assert.deepEqual(table.renew(key, 1, 5000), { ok: true, stop: false }, 'exactly 1.5 intervals is jitter, not late');
    assert.deepEqual(table.renew(key, 1, 6600), { ok: true, stop: false, lateAfter: 5000 });
    assert.deepEqual(table.renew(key, 1, 7600), { ok: true, stop: false });
  });

  it('judges nothing without an interval, and a beat past the lease is refused, not late', () => {
    const table = new LeaseTable();
    table.grant(key, 1, 0, 30_000, 3000);
    table.renew(key, 1, 100);
    assert.deepEqual(table.renew(key, 1, 2900), { ok: true, stop: false });
    const timed = new LeaseTable();
    timed.grant(key, 1, 0, 30_000, 3000, 1000);
    timed.renew(key, 1, 100);
    assert.equal(timed.renew(key, 1, 3200).ok, false);
  });
});
