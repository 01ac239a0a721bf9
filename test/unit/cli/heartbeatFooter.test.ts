import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { HeartbeatFooter } from '../../../runtime/src/cli/heartbeatFooter';

describe('the live heartbeat footer', () => {
  it("shows each running step's heartbeat age and forgets finished steps", () => {
    let now = 10_000;
    const out = new PassThrough() as unknown as NodeJS.WriteStream;
    const footer = new HeartbeatFooter(out, () => now);
    footer.observe({ type: 'attempt', runId: 'r', invocationId: 'fit', attempt: 1, status: 'running', at: 9_000 });
    footer.observe({ type: 'heartbeat', runId: 'r', invocationId: 'train', attempt: 2, at: 9_600 });
    assert.equal(footer.text(), 'fit 1.0 s · train 0.4 s');
    now = 12_500;
    footer.observe({ type: 'heartbeat', runId: 'r', invocationId: 'fit', attempt: 1, at: 12_000 });
    assert.equal(footer.text(), 'fit 0.5 s · train 2.9 s');
    footer.observe({ type: 'step', runId: 'r', invocationId: 'train', stepName: 'train', status: 'completed', attempt: 2, cached: false, at: 12_500 });
    assert.equal(footer.text(), 'fit 0.5 s');
    footer.stop();
  });
});
