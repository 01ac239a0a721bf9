// The launcher contract with real runner processes on the fixture's bundle, and what only the
// local runner pool promises: its workers are processes of this machine, ended by close().
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { LocalArtifactStore } from '../../runtime/src/artifacts';
import type { RunnerConfig } from '../../runtime/src/model/runnerProtocol';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { localLauncher } from '../../runtime/src/runnerPool/runnerPool';
import { repoRoot, tempDir } from '../support/tempDir';
import { isAlive, waitFor } from '../support/waitFor';
import { launcherContract, launcherFixture, openSession, type OpenLauncher } from './launcher.contract';

const dir = tempDir('pipewright-launcher-');
let config: RunnerConfig;
before(async () => {
  const storeDir = path.join(dir, 'store');
  const bundle = await bundlePipelineFile(launcherFixture, storeDir);
  config = { bundlePath: bundle.path, artifactsDir: path.join(storeDir, 'artifacts'), workingDir: dir, projectDir: repoRoot };
});

const openLocal: OpenLauncher = async (callbacks) => ({ launcher: localLauncher(config, callbacks), artifacts: new LocalArtifactStore(config.artifactsDir) });

launcherContract('the local runner pool', openLocal);

void describe('the local launcher', () => {
  void it("reports each attempt's runner pid, and close() ends every runner process", async () => {
    const session = await openSession(openLocal);
    const first = session.execute(session.task('linger', { ms: { kind: 'value', value: 600_000 } }));
    await session.logOf('linger', /^lingering in /);
    const second = session.execute(session.task('add'));
    await second.outcome;
    const pids = [...first.workers, ...second.workers].map((worker) => worker.pid);
    assert.equal(pids.length, 2);
    assert.ok(pids.every((pid) => typeof pid === 'number' && isAlive(pid)), `runners ${pids.join(', ')} alive`);
    assert.notEqual(pids[0], pids[1], 'a busy runner takes no second task');
    assert.equal(session.launcher.mayStillRun({ pid: pids[0] }), true, 'a live runner may still run its attempt');
    assert.equal(session.launcher.mayStillRun({ pid: process.pid }), false, 'a process that is no runner may not');
    assert.equal(session.launcher.mayStillRun({}), false, 'nor a worker with no pid here');
    await session.launcher.close();
    await waitFor('every runner to exit', () => pids.every((pid) => !isAlive(pid as number)));
    assert.equal(session.launcher.mayStillRun({ pid: pids[0] }), false, 'an ended runner may not');
  });
});
