import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { stopDaemon } from '../../runtime/src/api/daemonControl';
import { spawnCli } from '../support/cli';
import { newestAttempts } from '../support/smallDisk';
import { fixture, tempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

describe('an attached pipewright run interrupted by SIGTERM', () => {
  it('returns within bounded time even when the orchestrator never confirms the cancellation', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const cli = spawnCli(['--store', store, 'run', fixture('pipelines', 'slow.ts'), '--param', `marker=${path.join(dir, 'never')}`], { timeoutMs: 60_000 });
    await waitFor('the wait step to run', () => newestAttempts(store)?.attempts.some((a) => a.step_id === 'wait' && a.status === 'running'));
    const daemon = Number(fs.readFileSync(path.join(store, 'server', 'pid'), 'utf8'));
    // A daemon that answers nothing (stopped, hung, or unreachable) can never confirm.
    process.kill(daemon, 'SIGSTOP');
    try {
      const interruptedAt = Date.now();
      process.kill(cli.pid, 'SIGTERM');
      const result = await cli.done;
      assert.notEqual(result.timedOut, true, `the CLI ignored SIGTERM (stdout: ${result.stdout}, stderr: ${result.stderr})`);
      assert.ok(Date.now() - interruptedAt < 30_000);
      assert.notEqual(result.code, 0);
      assert.match(result.stdout, /Interrupted: cancelling the run/);
      assert.match(result.stderr, /did not confirm its cancellation within 10 s/);
    } finally {
      process.kill(daemon, 'SIGCONT');
      await stopDaemon(store, 5000);
    }
  });
});
