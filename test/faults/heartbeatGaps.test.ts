/**
 * A runner frozen (SIGSTOP) for longer than 1.5 heartbeat intervals but shorter than its lease,
 * then woken (SIGCONT): its next beat is late, and the engine records the silence as a gap of that
 * attempt, which the run's timeline (`GET /runs/:run/timeline`) answers. Real runner, real
 * signals, real SQLite, real daemon on loopback.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import type { EngineEvent } from '../../runtime/src/model/events';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { runTimeline } from '../../runtime/src/store/runTimeline';
import { fixture, tempDir } from '../support/tempDir';
import { readPid, waitFor } from '../support/waitFor';

describe('heartbeat gaps', () => {
  const dir = tempDir();
  const storeDir = path.join(dir, 'store');
  after(() => stopDaemon(storeDir));

  it('records the silence of a frozen runner as a gap of its attempt, and the timeline answers it', async () => {
    const events: EngineEvent[] = [];
    // `patient` beats every 0.2 s under a 5 s lease: a freeze of about a second is late, not lost.
    const run = runPipelineFile({ file: fixture('pipelines', 'faults.ts'), pipeline: 'restartable', parameters: { dir }, options: { storeDir, enableCache: false }, listener: (e) => events.push(e) });
    // Bundling and compiling come first: slow on a loaded machine.
    const pid = await waitFor('attempt 1 of patient to start', () => readPid(path.join(dir, 'attempt-1.pid')), 120_000);
    const beats = () => events.filter((e): e is Extract<EngineEvent, { type: 'heartbeat' }> => e.type === 'heartbeat' && e.invocationId === 'patient');
    await waitFor('two heartbeats', () => beats().length >= 2);
    process.kill(pid, 'SIGSTOP');
    let frozenAt: number;
    try {
      frozenAt = Date.now();
      const before = beats().length;
      // Frozen until well past lateness (0.3 s), far from the lease's 5 s.
      await waitFor('a second of silence', () => Date.now() - frozenAt >= 1000 && beats().length === before);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const wokenAt = Date.now();
    await waitFor('a beat after waking', () => beats().some((beat) => beat.at >= wokenAt));
    fs.writeFileSync(path.join(dir, 'release-1'), '');
    const summary = await run;
    assert.equal(summary.status, 'completed');

    const store = await openRunStore(storeDir, 'readOnly');
    let timeline;
    try {
      timeline = await runTimeline(store, summary.runId);
    } finally {
      await store.close();
    }
    const patient = timeline.invocations.find((invocation) => invocation.id === 'patient');
    assert.ok(patient, JSON.stringify(timeline.invocations.map((i) => i.id)));
    assert.deepEqual(patient.upstream, ['prepare']);
    assert.deepEqual(
      patient.attempts.map((a) => [a.attempt, a.status]),
      [[1, 'completed']],
      'late, never lost',
    );
    const gaps = patient.attempts[0].gaps;
    assert.ok(gaps.length >= 1, 'the late beat left a gap');
    const longest = gaps.reduce((a, b) => (b.to - b.from > a.to - a.from ? b : a));
    assert.ok(longest.to - longest.from >= 1000, `the gap spans the freeze: ${JSON.stringify(gaps)}`);
    assert.ok(longest.from <= frozenAt && longest.to >= wokenAt, `from the last beat before the freeze to the first after it: ${JSON.stringify(longest)}, frozen ${frozenAt}, woken ${wokenAt}`);
    for (const id of ['prepare', 'downstream']) assert.deepEqual(timeline.invocations.find((i) => i.id === id)?.attempts.flatMap((a) => a.gaps), [], `${id} beat on time`);

    // The daemon's route answers the same timeline.
    const client = await connectDaemon(storeDir);
    const answered = await client.runTimeline({ run: summary.runName });
    assert.deepEqual(answered.invocations, timeline.invocations);
  });
});
