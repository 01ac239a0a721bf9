import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimelineFeed } from '../../../client/src/timelineFeed';
import type { RunTimeline } from '../../../runtime/src/model/runTimeline';
import { waitFor } from '../../support/waitFor';

const timelineOf = (runId: string): RunTimeline => ({ runId, runName: runId, pipeline: 'p', status: 'running', startedAt: 0, endedAt: null, now: 0, invocations: [] });

/** A feed whose loads wait until the test lets them answer. */
function feed(minGapMs = 0) {
  const asked: string[] = [];
  const pending: (() => void)[] = [];
  const sent: string[] = [];
  const warnings: string[] = [];
  const subject = new TimelineFeed(
    (runId) =>
      new Promise((resolve, reject) => {
        asked.push(runId);
        pending.push(() => (runId === 'broken' ? reject(new Error('404 no such endpoint')) : resolve(timelineOf(runId))));
      }),
    (timeline) => sent.push(timeline.runId),
    (error) => warnings.push(error.message),
    minGapMs,
  );
  const answer = () => pending.shift()?.();
  return { subject, asked, sent, warnings, answer };
}

describe('the DAG panel timeline feed', () => {
  it('loads nothing while the timeline is hidden, the shown run when it opens', async () => {
    const { subject, asked, sent, answer } = feed();
    subject.runChanged('r1');
    subject.runChanged('r1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(asked, []);
    subject.setShown(true, 'r1');
    await waitFor('a load', () => asked.length === 1);
    answer();
    await waitFor('the timeline sent', () => sent.length === 1);
    assert.deepEqual(sent, ['r1']);
    subject.dispose();
  });

  it('keeps one load in flight and loads once more after it when the run changed meanwhile', async () => {
    const { subject, asked, sent, answer } = feed();
    subject.setShown(true, 'r1');
    await waitFor('a load', () => asked.length === 1);
    for (let i = 0; i < 20; i++) subject.runChanged('r1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(asked.length, 1, 'no second load while one is in flight');
    answer();
    await waitFor('one more load', () => asked.length === 2);
    answer();
    await waitFor('both sent', () => sent.length === 2);
    assert.deepEqual(asked, ['r1', 'r1']);
    subject.dispose();
  });

  it('drops an answer for a run no longer shown, and warns when a load fails', async () => {
    const { subject, asked, sent, warnings, answer } = feed();
    subject.setShown(true, 'r1');
    await waitFor('a load', () => asked.length === 1);
    subject.runChanged('r2');
    answer();
    await waitFor('the load of r2', () => asked.length === 2);
    answer();
    await waitFor('r2 sent', () => sent.length === 1);
    assert.deepEqual(sent, ['r2'], "r1's answer came after r2 was shown");
    subject.runChanged('broken');
    await waitFor('the load of broken', () => asked.length === 3);
    answer();
    await waitFor('a warning', () => warnings.length === 1);
    assert.deepEqual(warnings, ['404 no such endpoint']);
    subject.dispose();
  });
});
