// The orchestrator sends each attempt's heartbeat settings with it (the `attempt` running event of
// the stream, the API's running attempts), so the editor judges lateness by the lease the
// orchestrator holds. A real daemon, real runner processes, the real SQLite file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { encodeStructured } from '../../runtime/src/artifacts/structured';
import type { StreamEvent } from '../../runtime/src/api/protocol';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import type { EngineEvent } from '../../runtime/src/model/events';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { fixture, tempDir } from '../support/tempDir';
import { waitForAsync } from '../support/waitFor';

type AttemptEvent = Extract<EngineEvent, { type: 'attempt' }>;

describe('the heartbeat settings an attempt runs under', () => {
  it("come with the attempt: its step's own settings, else the run's, on the running event and in the API's answer", async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const client = await connectDaemon(store);
    try {
      const bundle = await bundlePipelineFile(fixture('pipelines', 'faults.ts'), store);
      // `patient` declares { interval: 0.2, timeout: 5 }; `prepare` declares none and gets the run's.
      const run = await client.submitRun({
        file: 'faults.ts',
        target: { kind: 'pipeline', name: 'restartable' },
        parameters: encodeStructured({ dir }) as Record<string, unknown>,
        options: { enableCache: false, heartbeat: { interval: 0.05, timeout: 0.4 } },
        bundle: fs.readFileSync(bundle.path, 'utf8'),
      });
      const running = new Map<string, AttemptEvent>();
      await client.follow(
        (event: StreamEvent) => {
          const data = event.data as EngineEvent;
          if (data.type === 'attempt' && data.status === 'running') running.set(data.invocationId, data);
          return running.has('patient');
        },
        { runId: run.runId, signal: AbortSignal.timeout(60_000) },
      );
      assert.deepEqual(running.get('patient')?.heartbeat, { intervalMs: 200, timeoutMs: 5000 });
      assert.deepEqual(running.get('prepare')?.heartbeat, { intervalMs: 50, timeoutMs: 400 });

      const detail = await waitForAsync('patient to be running in the API', async () => {
        const answer = await client.getRun({ run: run.runId });
        return answer.attempts.patient?.at(-1)?.status === 'running' && answer;
      });
      assert.deepEqual(detail.attempts.patient.at(-1)?.heartbeat, { intervalMs: 200, timeoutMs: 5000 });
      // An ended attempt holds no lease: it carries no settings.
      assert.equal(detail.attempts.prepare.at(-1)?.status, 'completed');
      assert.equal(detail.attempts.prepare.at(-1)?.heartbeat, undefined);

      fs.writeFileSync(path.join(dir, 'release-1'), '');
      await waitForAsync('the run to complete', async () => (await client.getRun({ run: run.runId })).status === 'completed');
    } finally {
      await stopDaemon(store);
    }
  });
});
