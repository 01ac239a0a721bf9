/**
 * The test harness's clean-up: a folder is removed even while a process started elsewhere writes
 * into it (a workbench's extension host writing logs into user-data: ENOTEMPTY in CI), and a
 * process group is stopped whole, grandchildren that ignore SIGTERM included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { stopProcessGroup } from '../../support/processTree';
import { removeFolder } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';

const running = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

test('removes a folder that a process working elsewhere keeps writing into', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-cleanup-'));
  const logs = path.join(dir, 'user-data', 'logs');
  const writer = `
    const fs = require('node:fs');
    for (let n = 0; ; n++) {
      try { fs.mkdirSync(process.argv[1], { recursive: true }); fs.writeFileSync(process.argv[1] + '/' + n + '.log', 'x'); } catch {}
    }`;
  const child = spawn(process.execPath, ['-e', writer, logs], { cwd: os.tmpdir(), stdio: 'ignore' });
  try {
    await waitFor('the writer to write', () => fs.existsSync(logs) && fs.readdirSync(logs).length > 0);
    removeFolder(dir);
    assert.equal(fs.existsSync(dir), false, 'the folder is gone');
    await waitFor('the writer to be stopped', () => !running(child.pid ?? 0));
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('stops a whole process group, a grandchild that ignores SIGTERM included', async () => {
  const grandchild = `process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000);`;
  const parent = `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: ['ignore', 'inherit', 'ignore'] });
    setInterval(() => {}, 1000);`;
  const leader = spawn(process.execPath, ['-e', parent], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let printed = '';
  leader.stdout.setEncoding('utf8').on('data', (text: string) => (printed += text));
  const grandchildPid = await waitFor('the grandchild to start', () => Number(printed.trim()) || undefined);
  await stopProcessGroup(leader.pid ?? 0, 1_000);
  assert.equal(running(grandchildPid), false, 'the grandchild is stopped');
  assert.equal(running(leader.pid ?? 0), false, 'the group leader is stopped');
});

test('refuses to stop a group that is not a child process group', async () => {
  await assert.rejects(stopProcessGroup(0), /not a process group to stop: 0/);
});
