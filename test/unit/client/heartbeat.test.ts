import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lateSteps } from '../../../client/src/heartbeatWatch';
import { reduceRunEvent, emptyRunsState } from '../../../client/src/runState';
import { statusBarView } from '../../../client/src/statusText';
import { formatDuration, formatHeartbeatAge, heartbeatAge, heartbeatAgo, heartbeatLabel, heartbeatLevel } from '../../../contracts/src/heartbeat';

describe('heartbeat lateness', () => {
  it('is ok within 1.5 intervals, late after, lost at the timeout', () => {
    assert.equal(heartbeatLevel(7500, 5000), 'ok');
    assert.equal(heartbeatLevel(7501, 5000), 'late');
    assert.equal(heartbeatLevel(14_999, 5000), 'late');
    assert.equal(heartbeatLevel(15_000, 5000), 'lost');
    assert.equal(heartbeatLevel(9000, 5000, 8000), 'lost');
  });

  it('ages from the last beat, else the start', () => {
    assert.equal(heartbeatAge(100, 40, 10), 60);
    assert.equal(heartbeatAge(100, undefined, 10), 90);
    assert.equal(heartbeatAge(100, undefined, undefined), undefined);
  });

  it('finds late running steps and turns the status bar to a warning', () => {
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r', runName: 'r', pipeline: 'p', status: 'running', at: 0 });
    state = reduceRunEvent(state, { type: 'step', runId: 'r', invocationId: 'slow', stepName: 'slow', status: 'running', attempt: 1, cached: false, at: 0 });
    state = reduceRunEvent(state, { type: 'heartbeat', runId: 'r', invocationId: 'slow', attempt: 1, at: 1000 });
    const settings = { intervalMs: 1000, timeoutMs: 3000 };
    assert.deepEqual(lateSteps(state, 2000, settings), []);
    assert.deepEqual(lateSteps(state, 3000, settings), [{ runId: 'r', invocationId: 'slow', ageMs: 2000, level: 'late' }]);
    const view = statusBarView('local', 'active', 1, lateSteps(state, 4500, settings));
    assert.equal(view.severity, 'warning');
    assert.match(view.text, /1 late/);
    assert.match(view.tooltip, /heartbeat lost: slow \(last beat 3 s ago\)/);
    assert.equal(statusBarView('local', 'active', 1, []).severity, 'normal');
  });

  it('says heartbeat ages in human units: just now under 2 s, then whole seconds, minutes, hours', () => {
    assert.equal(formatHeartbeatAge(1), 'just now');
    assert.equal(formatHeartbeatAge(1999), 'just now');
    assert.equal(formatHeartbeatAge(2000), '2 s');
    assert.equal(formatHeartbeatAge(12_900), '12 s');
    assert.equal(formatHeartbeatAge(59_999), '59 s');
    assert.equal(formatHeartbeatAge(60_000), '1 min');
    assert.equal(formatHeartbeatAge(3 * 60_000 + 59_000), '3 min');
    assert.equal(formatHeartbeatAge(2 * 3_600_000 + 5), '2 h');
    assert.equal(heartbeatAgo(500), 'just now');
    assert.equal(heartbeatAgo(12_000), '12 s ago');
    assert.equal(heartbeatLabel(1, 'ok'), '♥ just now');
    assert.equal(heartbeatLabel(12_000, 'late'), '♥ 12 s late');
    assert.equal(heartbeatLabel(180_000, 'lost'), '♥ 3 min lost');
  });

  it('formats durations', () => {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(4200), '4.2 s');
    assert.equal(formatDuration(185_000), '3 m 05 s');
  });
});
