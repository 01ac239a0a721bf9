/** The text of the last-run lens above a step or pipeline definition, from the live runs state. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAgo, lastRunLens } from '../../../client/src/lastRunText';
import { emptyRunsState, reduceRunEvent, type RunsState } from '../../../client/src/runState';
import type { EngineEvent } from '../../../runtime/src/model/events';

const MIN = 60_000;
const runEvent = (runId: string, status: 'running' | 'completed' | 'failed', at: number, pipeline = 'train'): EngineEvent => ({ type: 'run', runId, runName: `${pipeline}-${runId}`, pipeline, status, at });
const step = (runId: string, invocationId: string, status: 'running' | 'completed' | 'cached' | 'failed' | 'skipped', at: number, extra: Partial<{ durationMs: number; stepName: string; error: { name: string; message: string } }> = {}): EngineEvent => ({
  type: 'step',
  runId,
  invocationId,
  stepName: extra.stepName ?? invocationId,
  status,
  attempt: 1,
  cached: status === 'cached',
  at,
  ...(extra.durationMs === undefined ? {} : { durationMs: extra.durationMs }),
  ...(extra.error ? { error: extra.error } : {}),
});
const apply = (events: EngineEvent[], state: RunsState = emptyRunsState) => events.reduce(reduceRunEvent, state);

describe('the last-run lens', () => {
  const now = 10 * MIN;
  const completed = apply([runEvent('r1', 'running', 0), step('r1', 'load', 'cached', 100), step('r1', 'fit', 'running', 200), step('r1', 'fit', 'completed', 2500, { durationMs: 2300 }), runEvent('r1', 'completed', 8 * MIN)]);

  it('says a completed step\'s duration and how long ago its run ended; a cached one says cached', () => {
    assert.equal(lastRunLens(completed, { kind: 'step', step: 'fit' }, now)?.title, '✓ 2.3 s · 2 min ago');
    assert.equal(lastRunLens(completed, { kind: 'step', step: 'load' }, now)?.title, '◆ cached');
    assert.equal(lastRunLens(completed, { kind: 'pipeline', pipeline: 'train' }, now)?.title, '✓ 8 m 00 s · 2 min ago');
  });

  it('shows nothing for a definition that never ran, or with no runs at all', () => {
    assert.equal(lastRunLens(completed, { kind: 'step', step: 'report' }, now), undefined);
    assert.equal(lastRunLens(emptyRunsState, { kind: 'pipeline', pipeline: 'train' }, now), undefined);
  });

  it('says a failure by its first line and links the failed invocation; the pipeline names the step', () => {
    const failed = apply([runEvent('r2', 'running', 9 * MIN), step('r2', 'fit', 'failed', 9 * MIN + 10, { error: { name: 'TypeError', message: 'x is undefined\nmore' } }), runEvent('r2', 'failed', 9 * MIN + 20)], completed);
    const lens = lastRunLens(failed, { kind: 'step', step: 'fit' }, now);
    assert.equal(lens?.title, '✗ failed: TypeError: x is undefined');
    assert.equal(lens?.failed, 'fit');
    assert.equal(lens?.runId, 'r2');
    assert.equal(lastRunLens(failed, { kind: 'pipeline', pipeline: 'train' }, now)?.title, '✗ failed: fit: TypeError: x is undefined');
    // The tooltip lists the last runs, newest first, each with its run and pipeline.
    assert.deepEqual(lens?.tooltip.split('\n').slice(0, 3), ['Last 2 runs of step fit, newest first:', '✗ failed: TypeError: x is undefined  —  train-r2 (train)', '✓ 2.3 s · 2 min ago  —  train-r1 (train)']);
  });

  it('says a running step\'s elapsed time, and a run that skipped the step says nothing of it', () => {
    const running = apply([runEvent('r3', 'running', 9 * MIN), step('r3', 'load', 'skipped', 9 * MIN), step('r3', 'fit', 'running', 9 * MIN + 48_000)], completed);
    assert.equal(lastRunLens(running, { kind: 'step', step: 'fit' }, now)?.title, '● running 12 s');
    assert.equal(lastRunLens(running, { kind: 'step', step: 'load' }, now)?.runId, 'r1', 'the skip is not the step\'s last run');
    assert.equal(lastRunLens(running, { kind: 'pipeline', pipeline: 'train' }, now)?.title, '● running 1 m 00 s · 0/2 steps');
  });

  it('summarises the fan-out invocations of one step in one run', () => {
    const events: EngineEvent[] = [runEvent('r4', 'running', 0, 'sweep')];
    for (let i = 1; i <= 12; i++) events.push(step('r4', i === 1 ? 'score' : `score_${i}`, 'completed', 100, { stepName: 'score', durationMs: i * 100 }));
    events.push(runEvent('r4', 'completed', 9 * MIN, 'sweep'));
    const fanned = apply(events);
    assert.equal(lastRunLens(fanned, { kind: 'step', step: 'score' }, now)?.title, '✓ 12/12 · 1.2 s · 1 min ago');
    const oneFailed = apply([runEvent('r5', 'running', 9 * MIN, 'sweep'), step('r5', 'score', 'completed', 1, { durationMs: 5 }), step('r5', 'score_2', 'failed', 2, { stepName: 'score', error: { name: 'Error', message: 'bad fold' } }), runEvent('r5', 'failed', 9 * MIN + 1, 'sweep')], fanned);
    const lens = lastRunLens(oneFailed, { kind: 'step', step: 'score' }, now);
    assert.equal(lens?.title, '✗ 1/2 failed: bad fold');
    assert.equal(lens?.failed, 'score_2');
  });

  it('writes ages as a person would say them', () => {
    assert.deepEqual([1000, 12_000, 3 * MIN, 3 * 60 * MIN, 50 * 60 * MIN].map(formatAgo), ['just now', '12 s ago', '3 min ago', '3 h ago', '2 d ago']);
  });
});
