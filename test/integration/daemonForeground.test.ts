// `server start --foreground`: the daemon attached to the command (a container's main process),
// logging to its stdout, taking its runner token from $PIPEWRIGHT_RUNNER_TOKEN (a Kubernetes
// Secret's), serving runs, and stopping when the command gets SIGTERM, which exits 0.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli, spawnCli } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';
import { isAlive, waitFor } from '../support/waitFor';

/** The parent pid of `pid` (from /proc). */
function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('server start --foreground', () => {
  it('keeps the daemon attached, with the runner token of its environment, and exits 0 on SIGTERM', async () => {
    const store = path.join(tempDir('pipewright-foreground-'), 'store');
    const env = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_STORE_URL: undefined, PIPEWRIGHT_SERVER_TOKEN: 'server-token-from-a-secret', PIPEWRIGHT_RUNNER_TOKEN: 'runner-token-from-a-secret' };
    const daemon = spawnCli(['--store', store, 'server', 'start', '--foreground', '--host', '127.0.0.1', '--port', '0'], { env, timeoutMs: 120_000 });
    try {
      await waitFor('the daemon to listen', () => /listening on http:\/\/127\.0\.0\.1:\d+/.test(daemon.stdout()));
      const status = await cli(['--store', store, 'server', 'status', '--json'], { env });
      const answer = JSON.parse(status.stdout) as { state: string; pid: number; url: string };
      assert.equal(answer.state, 'active');
      assert.equal(parentOf(answer.pid), daemon.pid, 'the daemon is a child of the command');
      assert.equal(fs.readFileSync(daemonFiles(store).runnerToken, 'utf8'), 'runner-token-from-a-secret');
      const health = await fetch(`${answer.url}/v1/health`, { headers: { authorization: 'Bearer runner-token-from-a-secret' } });
      assert.equal(health.status, 200, 'the runner token of the environment is the one accepted');
      const ran = await cli(['--store', store, 'run', fixture('pipelines', 'basics.ts'), '--param', 'count=4', '--json'], { env, timeoutMs: 90_000 });
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal((JSON.parse(ran.stdout.trim().split('\n').pop()!) as { status: string }).status, 'completed');
      process.kill(daemon.pid, 'SIGTERM');
      const exit = await daemon.done;
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stdout, /stopping \(SIGTERM\)/);
      assert.equal(fs.existsSync(daemonFiles(store).pid), false, 'it cleaned up its pid file');
      assert.equal(isAlive(answer.pid), false, 'the daemon is gone with the command');
    } finally {
      try {
        process.kill(daemon.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
});
