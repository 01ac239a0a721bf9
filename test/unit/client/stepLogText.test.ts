import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localClock, stepLogText } from '../../../client/src/stepLogText';

/** Seconds since the epoch, as `t+N.NNN`: the log's clock is injected so the text is exact. */
const clock = (at: number) => `t+${(at / 1000).toFixed(3)}`;

describe('the step log document', () => {
  it('has one section per attempt, each line timestamped, and a failed attempt ending with its whole error', () => {
    const text = stepLogText(
      'fit',
      [
        { attempt: 1, stream: 'stdout', text: 'training\nepoch 1\n', at: 1100 },
        { attempt: 2, stream: 'stderr', text: 'warming up\n', at: 5200 },
      ],
      [
        { attempt: 1, status: 'failed', runnerPid: 1, startedAt: 1000, endedAt: 1500, heartbeatAt: null, error: { name: 'RangeError', message: 'bad depth\nsee the docs', stack: 'RangeError: bad depth\nsee the docs\n    at fit (/p/pipeline.ts:3:9)' } },
        { attempt: 2, status: 'completed', runnerPid: 1, startedAt: 5000, endedAt: 7000, heartbeatAt: null, error: null },
      ],
      clock,
    );
    assert.equal(
      text,
      [
        '── fit · attempt 1 · failed · started t+1.000 · 500 ms ──',
        't+1.100 stdout  training',
        't+1.100 stdout  epoch 1',
        't+1.500 failed  RangeError: bad depth',
        '                see the docs',
        '                  at fit (/p/pipeline.ts:3:9)',
        '',
        '── fit · attempt 2 · completed · started t+5.000 · 2.0 s ──',
        't+5.200 stderr  warming up',
        '',
      ].join('\n'),
    );
  });

  it('says when an attempt wrote nothing, shows a thrown value, and says when the step has not run', () => {
    const odd = stepLogText('odd', [], [{ attempt: 1, status: 'failed', runnerPid: 1, startedAt: 0, endedAt: 1, heartbeatAt: null, error: { name: 'object', message: '{"code":42}', value: { code: 42 } } }], clock);
    assert.equal(odd, '── odd · attempt 1 · failed · started t+0.000 · 1 ms ──\nt+0.001 failed  threw a non-Error object: {"code":42}\n');
    const running = stepLogText('slow', [], [{ attempt: 1, status: 'running', runnerPid: 1, startedAt: 0, endedAt: null, heartbeatAt: 10, error: null }], clock);
    assert.equal(running, '── slow · attempt 1 · running · started t+0.000 ──\n(no output yet)\n');
    assert.equal(stepLogText('quiet', [], [], clock), '(quiet has not run yet)\n');
  });

  it('puts output outside any attempt (hooks) in a section of its own, last', () => {
    const text = stepLogText('fit', [{ attempt: null, stream: 'stdout', text: 'hook ran', at: 9000 }], [{ attempt: 1, status: 'completed', runnerPid: 1, startedAt: 0, endedAt: 10, heartbeatAt: null, error: null }], clock);
    assert.match(text, /\(no output\)\n\n── fit · outside its attempts \(hooks\) ──\nt\+9\.000 stdout {2}hook ran\n$/);
  });

  it('writes times as local wall-clock time with milliseconds', () => {
    const at = new Date(2026, 11, 1, 9, 5, 3, 7).getTime();
    assert.equal(localClock(at), '09:05:03.007');
  });
});
