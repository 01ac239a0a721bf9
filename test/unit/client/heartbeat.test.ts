import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lateSteps } from '../../../client/src/heartbeatWatch';
import { describeStep } from '../../../client/src/format';
import { reduceRunEvent, emptyRunsState, withRuns } from '../../../client/src/runState';
import type { RunDetail } from '../../../runtime/src/api/protocol';
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

  it("judges a running step by its attempt's own lease, sent with the attempt, not by the editor's settings", () => {
    // The editor's settings (5 s beats, lost at 15 s) and a step whose lease the orchestrator holds for 30 s.
    const editor = { intervalMs: 5000, timeoutMs: 15_000 };
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r', runName: 'r', pipeline: 'p', status: 'running', at: 0 });
    state = reduceRunEvent(state, { type: 'step', runId: 'r', invocationId: 'slow', stepName: 'slow', status: 'running', attempt: 1, cached: false, at: 0 });
    state = reduceRunEvent(state, { type: 'attempt', runId: 'r', invocationId: 'slow', attempt: 1, status: 'running', heartbeat: { intervalMs: 10_000, timeoutMs: 30_000 }, at: 0 });
    const step = state.runs.r.steps.slow;
    assert.deepEqual(step.heartbeatSettings, { intervalMs: 10_000, timeoutMs: 30_000 });
    // 16 s without a beat: past the editor's 15 s, within the lease's 30 s (late: past 1.5 intervals).
    assert.deepEqual(lateSteps(state, 16_000, editor), [{ runId: 'r', invocationId: 'slow', ageMs: 16_000, level: 'late' }]);
    assert.equal(describeStep(step, 16_000, editor), 'running · ♥ 16 s late');
    // At 14 s it is on time for a 10 s interval: the status bar says nothing is late.
    assert.deepEqual(lateSteps(state, 14_000, editor), []);
    const onTime = statusBarView('local', 'active', 1, lateSteps(state, 14_000, editor));
    assert.doesNotMatch(onTime.text, /late|lost/);
    assert.equal(onTime.severity, 'normal');
    assert.equal(lateSteps(state, 30_000, editor)[0]?.level, 'lost');
    // Its end drops the settings: the next attempt brings its own.
    state = reduceRunEvent(state, { type: 'step', runId: 'r', invocationId: 'slow', stepName: 'slow', status: 'completed', attempt: 1, cached: false, durationMs: 20_000, at: 20_000 });
    assert.equal(state.runs.r.steps.slow.heartbeatSettings, undefined);
  });

  it("judges by the editor's settings only when the orchestrator sent none, and reads the settings of the API's running attempts", () => {
    const editor = { intervalMs: 5000, timeoutMs: 15_000 };
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r', runName: 'r', pipeline: 'p', status: 'running', at: 0 });
    state = reduceRunEvent(state, { type: 'attempt', runId: 'r', invocationId: 'old', attempt: 1, status: 'running', at: 0 });
    assert.equal(lateSteps(state, 16_000, editor)[0]?.level, 'lost');
    const detail: RunDetail = {
      runId: 'd', runName: 'd', pipeline: 'p', status: 'running', createdAt: new Date(0).toISOString(), durationMs: null,
      steps: [{ id: 'slow', step: 'slow', status: 'running', attempts: 1, cached: false, durationMs: null }],
      attempts: { slow: [{ attempt: 1, status: 'running', runnerPid: 1, error: null, startedAt: 0, endedAt: null, heartbeatAt: 1000, heartbeat: { intervalMs: 10_000, timeoutMs: 30_000 } }] },
    };
    const loaded = withRuns(emptyRunsState, [detail]);
    assert.deepEqual(loaded.runs.d.steps.slow.heartbeatSettings, { intervalMs: 10_000, timeoutMs: 30_000 });
    assert.equal(describeStep(loaded.runs.d.steps.slow, 17_000, editor), 'running · ♥ 16 s late');
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
