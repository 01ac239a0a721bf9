import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepStatus } from '../../../runtime/src/model/status';
import { edgeFlow, runIsLive } from '../../../webview/src/edgeFlow';

const ALL: StepStatus[] = ['pending', 'running', 'completed', 'cached', 'failed', 'skipped', 'cancelled', 'crashed'];

describe('edge flow', () => {
  it('flows while the run is live from a running or finished producer into a waiting consumer', () => {
    for (const from of ['running', 'completed', 'cached'] as const) {
      for (const to of ['pending', 'running'] as const) assert.equal(edgeFlow(from, to, true), 'flowing', `${from} -> ${to}`);
    }
  });

  it('is done (solid) into a completed or cached consumer, live or not', () => {
    for (const from of ALL) {
      for (const live of [true, false]) {
        assert.equal(edgeFlow(from, 'completed', live), 'done');
        assert.equal(edgeFlow(from, 'cached', live), 'done');
      }
    }
    assert.equal(edgeFlow(undefined, 'completed', false), 'done');
  });

  it('is idle otherwise: no run, a finished run, a producer not started or failed, a consumer that gave up', () => {
    assert.equal(edgeFlow(undefined, undefined, false), 'idle');
    assert.equal(edgeFlow('running', 'pending', false), 'idle', 'the run is over');
    assert.equal(edgeFlow('pending', 'pending', true), 'idle', 'nothing produced yet');
    for (const from of ['failed', 'skipped', 'cancelled', 'crashed'] as const) assert.equal(edgeFlow(from, 'pending', true), 'idle', from);
    for (const to of ['failed', 'skipped', 'cancelled', 'crashed'] as const) assert.equal(edgeFlow('completed', to, true), 'idle', to);
    assert.equal(edgeFlow('completed', undefined, true), 'idle', 'a node the run does not know');
  });

  it('takes liveness from the run status when given, else from the steps', () => {
    const waiting = { a: { status: 'completed' as const, attempt: 1 }, b: { status: 'pending' as const, attempt: 0 } };
    const finished = { a: { status: 'completed' as const, attempt: 1 }, b: { status: 'failed' as const, attempt: 1 } };
    assert.equal(runIsLive(waiting), true);
    assert.equal(runIsLive(finished), false);
    assert.equal(runIsLive({}), false);
    assert.equal(runIsLive(waiting, 'failed'), false, 'a failed run leaves pending steps that never run');
    assert.equal(runIsLive(finished, 'running'), true);
  });
});
