import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepLogText } from '../../../client/src/stepLogText';

describe('the Open Step Logs document', () => {
  it('shows each attempt\'s output, then its whole error', () => {
    const text = stepLogText(
      'fit',
      [
        { attempt: 1, stream: 'stdout', text: 'training\n' },
        { attempt: 2, stream: 'stderr', text: 'warming up\n' },
      ],
      [
        { attempt: 1, status: 'failed', runnerPid: 1, startedAt: 0, endedAt: 1, heartbeatAt: null, error: { name: 'RangeError', message: 'bad depth\nsee the docs', stack: 'RangeError: bad depth\nsee the docs\n    at fit (/p/pipeline.ts:3:9)' } },
        { attempt: 2, status: 'completed', runnerPid: 1, startedAt: 2, endedAt: 3, heartbeatAt: null, error: null },
      ],
    );
    assert.equal(
      text,
      [
        '[attempt 1 stdout] training',
        '[attempt 1 failed] RangeError: bad depth',
        '[attempt 1 failed]   see the docs',
        '[attempt 1 failed]     at fit (/p/pipeline.ts:3:9)',
        '[attempt 2 stderr] warming up',
      ].join('\n'),
    );
  });

  it('shows a failure with no output, and says when there is nothing', () => {
    const odd = stepLogText('odd', [], [{ attempt: 1, status: 'failed', runnerPid: 1, startedAt: 0, endedAt: 1, heartbeatAt: null, error: { name: 'object', message: '{"code":42}', value: { code: 42 } } }]);
    assert.equal(odd, '[attempt 1 failed] threw a non-Error object: {"code":42}');
    assert.equal(stepLogText('quiet', [], []), '(no output from quiet)');
  });
});
