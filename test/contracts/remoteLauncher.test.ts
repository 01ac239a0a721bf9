// The launcher contract with the remote launcher: its attempts run on two real `pipewright worker`
// processes on loopback, which fetch the bundle by hash and artifacts over HTTP from a store
// folder of their own (small inputs come inside the claim's answer, and are not downloaded; small
// inputs and outputs reach and leave their runners as bytes, so the workers make no file of them).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalArtifactStore } from '../../runtime/src/artifacts';
import type { RunnerConfig } from '../../runtime/src/model/runnerProtocol';
import { INLINE_OUTPUT_BYTES } from '../../runtime/src/model/workerProtocol';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { createHttpApp, listenHttpApp, singleTokenCredentials, type HttpApp } from '../../runtime/src/engine/httpApp';
import { WorkerHub } from '../../runtime/src/remote/workerHub';
import { RemoteLauncher } from '../../runtime/src/remote/remoteLauncher';
import { workerRoutes } from '../../runtime/src/remote/workerRoutes';
import { repoRoot, tempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';
import { launcherContract, launcherFixture, openSession, type OpenLauncher } from './launcher.contract';

const dir = tempDir('pipewright-remote-launcher-');
const token = 'remote-launcher-test-token';
let config: RunnerConfig;
let hub: WorkerHub;
let app: HttpApp;
const workers: WorkerProcess[] = [];
/** Every request the workers made, as `METHOD url`. */
const requests: string[] = [];

before(async () => {
  const storeDir = path.join(dir, 'store');
  const bundle = await bundlePipelineFile(launcherFixture, storeDir);
  config = { bundlePath: bundle.path, artifactsDir: path.join(storeDir, 'artifacts'), workingDir: dir, projectDir: repoRoot };
  hub = new WorkerHub({ intervalMs: 200, timeoutMs: 3000 });
  app = createHttpApp({ prefix: '/v1', credentials: singleTokenCredentials(token) });
  workerRoutes(app, '/v1', hub, new LocalArtifactStore(config.artifactsDir));
  app.addHook('onRequest', async (request) => void requests.push(`${request.method} ${request.url}`));
  const address = await listenHttpApp(app, 0, '127.0.0.1');
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, token);
  for (const name of ['a', 'b']) workers.push(startWorker(`http://127.0.0.1:${address.port}`, tokenFile, path.join(dir, `worker-${name}`), ['--concurrency', '2']));
  await waitFor('both workers to claim', () => hub.liveWorkers === 2);
});

after(async () => {
  for (const worker of workers) worker.signalGroup('SIGTERM');
  await Promise.all(workers.map((worker) => worker.done));
  hub.close();
  await app.close();
});

/** The files under `dir`, if it exists. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]) : [];
}

const openRemote: OpenLauncher = async (callbacks) => ({ launcher: new RemoteLauncher(config, callbacks, hub), artifacts: new LocalArtifactStore(config.artifactsDir) });

launcherContract('the remote launcher (two worker processes on loopback)', openRemote, { abandonKills: true });

void describe('the remote launcher', () => {
  void it("runs an attempt on the small input that came inside the claim's answer, without downloading it", async () => {
    const session = await openSession(openRemote);
    try {
      const seed = 1000 + Math.floor(Math.random() * 1_000_000);
      const input = await session.artifacts.put(seed);
      const outcome = await session.execute(session.task('double', { value: { kind: 'artifact', ref: input, source: { step: 'add', output: 'output' } } })).outcome;
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(await session.artifacts.get(outcome.outputs.output!), seed * 2);
      assert.ok(requests.some((line) => line.startsWith('POST /v1/worker-claims')), 'the workers claimed here');
      assert.deepEqual(requests.filter((line) => line.startsWith('GET') && line.includes(input.hash)), [], 'no download of the input');
      // Small inputs and outputs crossed the runner's channel as bytes: no worker made a file of either.
      const workerFiles = ['a', 'b'].flatMap((name) => filesUnder(path.join(dir, `worker-${name}`, 'artifacts')));
      assert.deepEqual(workerFiles.filter((file) => file.includes(input.hash) || file.includes(outcome.outputs.output!.hash)), []);
    } finally {
      await session.launcher.close();
    }
  });

  void it("uploads an output over the bound of a result's inline outputs (its runner writes that one to the worker's folder), and a later step reads it", async () => {
    const session = await openSession(openRemote);
    try {
      const size = INLINE_OUTPUT_BYTES + 1000 + Math.floor(Math.random() * 1000);
      const sizeInput = await session.artifacts.put(size);
      const made = await session.execute(session.task('sized', { size: { kind: 'artifact', ref: sizeInput, source: { step: 'n', output: 'output' } } })).outcome;
      assert.ok(made.ok, JSON.stringify(made));
      const text = made.outputs.output!;
      assert.ok(requests.some((line) => line.startsWith('POST') && line.includes(text.hash)), 'the large output was uploaded');
      assert.equal(((await session.artifacts.get(text)) as string).length, size);
      const measured = await session.execute(session.task('measure', { text: { kind: 'artifact', ref: text, source: { step: 'sized', output: 'output' } } })).outcome;
      assert.ok(measured.ok, JSON.stringify(measured));
      assert.equal(await session.artifacts.get(measured.outputs.output!), size);
    } finally {
      await session.launcher.close();
    }
  });

  void it('fetches the bundle by its hash into the worker folder, and reports no worker of this machine to check after a restart', async () => {
    const session = await openSession(openRemote);
    try {
      const outcome = await session.execute(session.task('whoami')).outcome;
      assert.ok(outcome.ok);
      assert.equal(session.launcher.mayStillRun({}), false);
      // The worker kept the bundle by its hash, outside the author's folders.
      const hash = path.basename(config.bundlePath, '.cjs');
      assert.ok(workers.some((_, index) => fs.existsSync(path.join(dir, `worker-${'ab'[index]}`, 'bundles', `${hash}.cjs`))));
    } finally {
      await session.launcher.close();
    }
  });
});
