import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { isProcessAlive, processIdentity } from '../../runtime/src/system/processAlive';
import { tempDir } from '../support/tempDir';
import { procState, spawnUnreaped } from '../support/unreapedChild';
import { waitFor } from '../support/waitFor';

describe('the one liveness rule', () => {
  it('a killed process nobody reaps (a zombie) is dead, though a signal still reaches it', async () => {
    const dir = tempDir();
    const { pid } = await spawnUnreaped('sleep', ['1000'], { dir, log: `${dir}/log` });
    const identity = processIdentity(pid);
    assert.ok(identity);
    assert.equal(isProcessAlive(pid), true);
    assert.equal(isProcessAlive(pid, identity), true);
    process.kill(pid, 'SIGKILL');
    await waitFor('the child to be a zombie', () => procState(pid) === 'Z');
    assert.doesNotThrow(() => process.kill(pid, 0), 'kill(pid, 0) still succeeds on a zombie');
    assert.equal(isProcessAlive(pid), false);
    assert.equal(isProcessAlive(pid, identity), false);
    assert.equal(processIdentity(pid), null);
  });

  it('a live pid with another start time than the recorded one (a reused pid) is not the recorded process', async () => {
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      const identity = processIdentity(pid) as string;
      const [boot, ticks] = identity.split('/');
      assert.equal(isProcessAlive(pid, `${boot}/${Number(ticks) + 1}`), false);
      assert.equal(isProcessAlive(pid, identity), true);
      assert.equal(isProcessAlive(pid, null), true, 'no recorded identity: the pid alone decides');
    } finally {
      child.kill('SIGKILL');
    }
    for (const pid of [0, -1, 1.5, 2 ** 31]) assert.equal(isProcessAlive(pid), false);
  });
});
