import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunTimeline, TimelineAttempt, TimelineInvocation } from '../../../runtime/src/model/runTimeline';
import { criticalPath, layoutTimeline } from '../../../webview/src/timelineLayout';

const T0 = 1_700_000_000_000;
const attempt = (n: number, status: TimelineAttempt['status'], from: number, to: number | null, extra: Partial<TimelineAttempt> = {}): TimelineAttempt => ({ attempt: n, status, startedAt: T0 + from, endedAt: to === null ? null : T0 + to, heartbeatAt: null, gaps: [], ...extra });
const invocation = (id: string, upstream: string[], attempts: TimelineAttempt[], extra: Partial<TimelineInvocation> = {}): TimelineInvocation => ({
  id,
  step: id,
  status: attempts.at(-1)?.status === 'running' ? 'running' : 'completed',
  cached: false,
  startedAt: attempts[0] ? attempts[0].startedAt : null,
  endedAt: attempts.at(-1)?.endedAt ?? null,
  upstream,
  attempts,
  ...extra,
});

/**
 * load ─┬─ clean (fast) ─┐
 *       └─ fit (slow, retried after a lost attempt) ─┴─ report
 * plus `lint`, on its own, which ends before report.
 */
const timeline: RunTimeline = {
  runId: 'r1',
  runName: 'train-1',
  pipeline: 'train',
  status: 'completed',
  startedAt: T0,
  endedAt: T0 + 10_000,
  now: T0 + 20_000,
  invocations: [
    invocation('load', [], [attempt(1, 'completed', 0, 1000)]),
    invocation('clean', ['load'], [attempt(1, 'completed', 1000, 2000)]),
    invocation('fit', ['load'], [attempt(1, 'lost', 1000, 4000, { heartbeatAt: T0 + 2000 }), attempt(2, 'completed', 5000, 8000, { gaps: [{ from: T0 + 6000, to: T0 + 7000 }] })]),
    invocation('lint', [], [attempt(1, 'completed', 0, 9000)]),
    invocation('report', ['clean', 'fit'], [attempt(1, 'completed', 8000, 10_000)]),
    invocation('cachedStep', ['load'], [], { status: 'cached', cached: true, startedAt: T0 + 1000, endedAt: T0 + 1000 }),
  ],
};

const geometry = { axisWidth: 1000, labelWidth: 100, rowHeight: 20, headerHeight: 30, heartbeatIntervalMs: 1000 };

describe('timeline layout', () => {
  it('puts one bar per attempt at its start and length, 0.1 px per ms over a 10 s run, one row per invocation', () => {
    const layout = layoutTimeline(timeline, geometry, T0 + 20_000);
    assert.equal(layout.origin, T0);
    assert.equal(layout.end, T0 + 10_000);
    assert.equal(layout.scale, 0.1);
    assert.deepEqual(
      layout.rows.map((row) => [row.id, row.y]),
      [
        ['load', 30],
        ['clean', 50],
        ['fit', 70],
        ['lint', 90],
        ['report', 110],
        ['cachedStep', 130],
      ],
    );
    assert.equal(layout.height, 150);
    const bars = layout.bars.map((bar) => [bar.id, bar.attempt, bar.kind, bar.x, bar.width]);
    assert.deepEqual(bars, [
      ['load', 1, 'completed', 100, 100],
      ['clean', 1, 'completed', 200, 100],
      ['fit', 1, 'lost', 200, 300],
      ['fit', 2, 'completed', 600, 300],
      ['lint', 1, 'completed', 100, 900],
      ['report', 1, 'completed', 900, 200],
      ['cachedStep', 0, 'cached', 200, 3],
    ]);
    const fitBar = layout.bars.find((bar) => bar.id === 'fit' && bar.attempt === 2)!;
    assert.equal(fitBar.y, 70 + (20 - 12) / 2, 'bars are 60% of a row, centred');
  });

  it('shows the retry delay, the recorded heartbeat gap and the lost attempt\'s silence since its last beat', () => {
    const layout = layoutTimeline(timeline, geometry, T0 + 20_000);
    assert.deepEqual(
      layout.delays.map((delay) => [delay.id, delay.attempt, delay.x, delay.width]),
      [['fit', 2, 500, 100]],
    );
    assert.deepEqual(
      layout.gaps.map((gap) => [gap.id, gap.attempt, gap.kind, gap.x, gap.width]),
      [
        ['fit', 1, 'silent', 300, 200],
        ['fit', 2, 'late', 700, 100],
      ],
    );
    assert.match(layout.gaps[0].title, /no heartbeat for 2\.0 s until it was lost/);
  });

  it('finds the critical path: back from the step that ended last through the upstream that ended last', () => {
    assert.deepEqual(criticalPath(timeline.invocations, T0 + 20_000), ['load', 'fit', 'report']);
    const layout = layoutTimeline(timeline, geometry, T0 + 20_000);
    assert.deepEqual(layout.criticalPath, ['load', 'fit', 'report']);
    assert.deepEqual(
      layout.rows.filter((row) => row.critical).map((row) => row.id),
      ['load', 'fit', 'report'],
    );
    assert.deepEqual(
      layout.bars.filter((bar) => bar.critical).map((bar) => `${bar.id}#${bar.attempt}`),
      ['load#1', 'fit#1', 'fit#2', 'report#1'],
    );
  });

  it('lets a running run reach now, marks a running attempt silent past lateness, and ticks at round times', () => {
    const running: RunTimeline = {
      ...timeline,
      status: 'running',
      endedAt: null,
      invocations: [invocation('load', [], [attempt(1, 'completed', 0, 1000)]), invocation('fit', ['load'], [attempt(1, 'running', 1000, null, { heartbeatAt: T0 + 2000 })])],
    };
    const layout = layoutTimeline(running, geometry, T0 + 4000);
    assert.equal(layout.end, T0 + 4000);
    assert.equal(layout.scale, 0.25);
    const fit = layout.bars.find((bar) => bar.id === 'fit')!;
    assert.deepEqual([fit.kind, fit.x, fit.width], ['running', 350, 750]);
    assert.deepEqual(
      layout.gaps.map((gap) => [gap.kind, gap.x, gap.width]),
      [['silent', 600, 500]],
      'no beat for 2 s with beats due every second',
    );
    assert.deepEqual(criticalPath(running.invocations, T0 + 4000), ['load', 'fit']);
    // 0.25 px/ms: ticks of 500 ms are 125 px apart (200 ms would be 50 px, under 70).
    assert.deepEqual(
      layout.ticks.map((tick) => [tick.x, tick.label]),
      [
        [100, '0 ms'],
        [225, '500 ms'],
        [350, '1.0 s'],
        [475, '1.5 s'],
        [600, '2.0 s'],
        [725, '2.5 s'],
        [850, '3.0 s'],
        [975, '3.5 s'],
        [1100, '4.0 s'],
      ],
    );
    const onTime = layoutTimeline({ ...running, invocations: [invocation('fit', [], [attempt(1, 'running', 0, null, { heartbeatAt: T0 + 3000 })])] }, geometry, T0 + 4000);
    assert.deepEqual(onTime.gaps, [], 'a beat a second ago is on time');
  });
});
