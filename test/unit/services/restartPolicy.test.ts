import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESTART_LIMIT, RESTART_WINDOW_MS, describeExit, restartDecision } from '../../../runtime/src/services/restartPolicy';

const crash = { code: 1, signal: null };

describe('restart policy', () => {
  it('never restarts under "never", nor after a clean exit', () => {
    assert.deepEqual(restartDecision('never', crash, [], 0), { restart: false, reason: 'restart policy is "never"', recent: [] });
    assert.equal(restartDecision('on-failure', { code: 0, signal: null }, [], 0).restart, false);
  });

  it('restarts failures: a non-zero code, a signal, or an unknown status', () => {
    for (const exit of [crash, { code: null, signal: 'SIGKILL' }, { code: null, signal: null }]) {
      assert.deepEqual(restartDecision('on-failure', exit, [], 5), { restart: true, recent: [5] });
    }
  });

  it(`allows at most ${RESTART_LIMIT} restarts in a sliding window`, () => {
    let recent: number[] = [];
    for (const now of [1000, 2000, 3000]) {
      const decision = restartDecision('on-failure', crash, recent, now);
      assert.equal(decision.restart, true);
      recent = decision.recent;
    }
    const refused = restartDecision('on-failure', crash, recent, 4000);
    assert.deepEqual(refused, { restart: false, reason: 'not restarted: already restarted 3 times within 60 s', recent: [1000, 2000, 3000] });
    const later = restartDecision('on-failure', crash, recent, 1000 + RESTART_WINDOW_MS);
    assert.deepEqual(later, { restart: true, recent: [2000, 3000, 1000 + RESTART_WINDOW_MS] }, 'the oldest restart left the window');
  });

  it('describes exits', () => {
    assert.equal(describeExit(crash), 'exited with code 1');
    assert.equal(describeExit({ code: null, signal: 'SIGTERM' }), 'was killed by SIGTERM');
    assert.equal(describeExit({ code: null, signal: null }), 'is gone (exit status unknown)');
  });
});
