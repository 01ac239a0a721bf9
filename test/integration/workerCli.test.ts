// `pipewright worker`: bad flags are refused naming the flag (exit 2); a worker that cannot reach
// its orchestrator for the timeout stops its runners and itself (exit 1). `pipewright workers
// list` on a daemon without remote workers says so.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { createHttpApp, listenHttpApp, singleTokenCredentials } from '../../runtime/src/engine/httpApp';
import { WorkerHub } from '../../runtime/src/remote/workerHub';
import { RemoteLauncher } from '../../runtime/src/remote/remoteLauncher';
import { workerRoutes } from '../../runtime/src/remote/workerRoutes';
import { LocalArtifactStore } from '../../runtime/src/artifacts/localArtifactStore';
import { encodeStructured } from '../../runtime/src/artifacts';
import { pipelineTarget } from '../../runtime/src/model/runTarget';
import { cli } from '../support/cli';
import { fixture, repoRoot, tempDir } from '../support/tempDir';
import { isAlive, waitFor } from '../support/waitFor';
import { startWorker } from '../support/workerProcess';

/** Processes whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

describe('pipewright worker', () => {
  it('refuses bad flags, naming the flag and what it expected (exit 2)', async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'secret');
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    const cases: [string[], RegExp][] = [
      [['--token-file', tokenFile], /--orchestrator <url> is required/],
      [['--orchestrator', 'nowhere', '--token-file', tokenFile], /--orchestrator nowhere: not a URL/],
      [['--orchestrator', 'ftp://h:1', '--token-file', tokenFile], /--orchestrator ftp:\/\/h:1: expected an http:\/\/ or https:\/\/ URL/],
      // Several daemons of one store: each URL of the list (comma-separated or the flag repeated) is checked and named.
      [['--orchestrator', 'http://127.0.0.1:1,nowhere', '--token-file', tokenFile], /--orchestrator nowhere: not a URL/],
      [['--orchestrator', 'http://127.0.0.1:1', '--orchestrator', 'ftp://h:1', '--token-file', tokenFile], /--orchestrator ftp:\/\/h:1: expected an http:\/\/ or https:\/\/ URL/],
      [['--orchestrator', ' , ', '--token-file', tokenFile], /--orchestrator <url> is required/],
      [['--orchestrator', 'http://127.0.0.1:1'], /--token-file <file> is required/],
      [['--orchestrator', 'http://127.0.0.1:1', '--token-file', path.join(dir, 'missing')], /--token-file .*missing: cannot read it \(ENOENT\)/],
      [['--orchestrator', 'http://127.0.0.1:1', '--token-file', empty], /--token-file .*empty: the file is empty/],
      [['--orchestrator', 'http://127.0.0.1:1', '--token-file', tokenFile, '--concurrency', '0'], /--concurrency 0: expected an integer from 1 to 1024/],
      [['--orchestrator', 'http://127.0.0.1:1', '--token-file', tokenFile, '--pool', 'a b'], /--pool a b: expected a name/],
      [['--orchestrator', 'http://127.0.0.1:1', '--token-file', tokenFile, '--label', 'novalue'], /--label novalue: expected key=value/],
      [['--orchestrator', 'http://127.0.0.1:1', '--token-file', tokenFile, '--drain-timeout', 'soon'], /--drain-timeout soon: expected seconds from 0 to 86400/],
      [['--orchestrator', 'http://127.0.0.1:1', '--token-file', tokenFile, '--drain-timeout', '-1'], /--drain-timeout -1: expected seconds from 0 to 86400/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['worker', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it('server start refuses a bad --workers or PIPEWRIGHT_WORKERS, naming it (exit 2), and starts no daemon', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const flag = await cli(['--store', store, 'server', 'start', '--workers', 'elsewhere']);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /--workers: "elsewhere" is not local or remote/);
    const variable = await cli(['--store', store, 'server', 'start'], { env: { PIPEWRIGHT_WORKERS: 'cloud' } });
    assert.equal(variable.code, 2, variable.stderr);
    assert.match(variable.stderr, /PIPEWRIGHT_WORKERS: "cloud" is not local or remote/);
    assert.equal(fs.existsSync(path.join(store, 'server', 'pid')), false, 'no daemon started');
  });

  it('workers list on a daemon that runs steps itself says so (text and --json), exit 0', async () => {
    const store = path.join(tempDir(), 'store');
    try {
      const text = await cli(['--store', store, 'workers', 'list']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^this orchestrator runs steps itself \(server start --workers local\): it has no workers and no queue$/m);
      const json = await cli(['--store', store, 'workers', '--json']);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual({ ...(JSON.parse(json.stdout) as Record<string, unknown>), at: 0 }, { workersMode: 'local', at: 0, pools: [], workers: [], queued: [] });
      const unknown = await cli(['--store', store, 'workers', 'frobnicate']);
      assert.equal(unknown.code, 2, unknown.stderr);
      assert.match(unknown.stderr, /unknown command "workers frobnicate" \(workers commands: list\)/);
    } finally {
      await cli(['--store', store, 'server', 'stop']);
    }
  });

  it('stops its runners and itself when it cannot reach the orchestrator for the timeout (exit 1)', async () => {
    const dir = tempDir();
    const token = 'unreachable-test-token';
    const bundle = await bundlePipelineFile(fixture('pipelines', 'launcher.ts'), path.join(dir, 'store'));
    const config = { bundlePath: bundle.path, artifactsDir: path.join(dir, 'store', 'artifacts'), workingDir: dir, projectDir: repoRoot };
    const hub = new WorkerHub({ intervalMs: 100, timeoutMs: 1000 });
    const app = createHttpApp({ prefix: '/v1', credentials: singleTokenCredentials(token) });
    workerRoutes(app, '/v1', hub, new LocalArtifactStore(config.artifactsDir));
    const address = await listenHttpApp(app, 0, '127.0.0.1');
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, token);
    const worker = startWorker(`http://127.0.0.1:${address.port}`, tokenFile, path.join(dir, 'worker'));
    const logs: string[] = [];
    const launcher = new RemoteLauncher(config, { onLog: (_owner, _stream, text) => logs.push(text), onChildRun: () => Promise.reject(new Error('none')) }, hub);
    try {
      const dag = await launcher.compile(pipelineTarget('wired'), encodeStructured({ n: 2 }) as Record<string, unknown>);
      assert.equal(dag.pipeline, 'wired');
      const parameters = encodeStructured({ n: 2 }) as Record<string, unknown>;
      const run = { runId: 'r', runName: 'r', pipeline: 'wired', target: pipelineTarget('wired'), parameters };
      let outcome: unknown;
      void launcher.execute({ run, invocationId: 'linger', stepName: 'linger', attempt: 1, inputs: { ms: { kind: 'value', value: 600_000 } }, inputTypes: {} }, () => undefined).then((settled) => (outcome = settled));
      await waitFor('the attempt to start', () => logs.some((text) => text.startsWith('lingering in ')) || outcome !== undefined);
      assert.equal(outcome, undefined, 'the attempt is running');
      const runners = childrenOf(worker.pid);
      assert.ok(runners.length > 0, 'the worker runs a runner process');
      await app.close();
      const result = await worker.done;
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /stopping: cannot reach the orchestrator at http:\/\/127\.0\.0\.1:\d+ for \d+ ms/);
      await waitFor('its runners to exit', () => runners.every((pid) => !isAlive(pid)));
    } finally {
      worker.signalGroup('SIGKILL');
      hub.close();
      await app.close();
    }
  });
});
