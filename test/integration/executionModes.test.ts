import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import type { ExecutionMode } from '../../runtime/src/model/status';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { fixture, tempDir } from '../support/tempDir';

async function runModes(mode: ExecutionMode) {
  const dir = tempDir();
  const summary = await runPipelineFile({
    file: fixture('pipelines', 'modes.ts'),
    parameters: { dir },
    options: { storeDir: `${dir}/store`, executionMode: mode, maxParallel: 4, enableCache: false },
  });
  const byId = Object.fromEntries(summary.steps.map((s) => [s.id, s.status]));
  return { summary, byId, dir };
}

describe('execution modes with real runner processes (2 fails while 3 and 4 run)', () => {
  it('failFast: 3 and 4 cancelled, nothing else started', async () => {
    const { summary, byId, dir } = await runModes('failFast');
    assert.equal(summary.status, 'failed');
    assert.deepEqual(byId, { s1: 'completed', s2: 'failed', s3: 'cancelled', s4: 'cancelled', s5: 'skipped', s6: 'skipped', s7: 'skipped', s8: 'skipped' });
    const store = await openRunStore(`${dir}/store`, 'readWrite');
    try {
      const attempts = await store.getAttempts(summary.runId);
      assert.deepEqual(attempts.filter((a) => a.invocationId === 's3' || a.invocationId === 's4').map((a) => a.status), ['cancelled', 'cancelled']);
      assert.equal(attempts.filter((a) => ['s5', 's6', 's7', 's8'].includes(a.invocationId)).length, 0);
    } finally {
      await store.close();
    }
  });

  it('stopOnFailure: 3 and 4 finish, 5 to 8 skipped', async () => {
    const { summary, byId } = await runModes('stopOnFailure');
    assert.equal(summary.status, 'failed');
    assert.deepEqual(byId, { s1: 'completed', s2: 'failed', s3: 'completed', s4: 'completed', s5: 'skipped', s6: 'skipped', s7: 'skipped', s8: 'skipped' });
  });

  it('continueOnFailure: 5 and 8 skipped, 6 and 7 run', async () => {
    const { summary, byId } = await runModes('continueOnFailure');
    assert.equal(summary.status, 'failed');
    assert.deepEqual(byId, { s1: 'completed', s2: 'failed', s3: 'completed', s4: 'completed', s5: 'skipped', s6: 'completed', s7: 'completed', s8: 'skipped' });
  });
});
