// HTTPS from files: `server start --tls-cert F --tls-key F` with a certificate made here by
// openssl (a CA of the test's own signs it for localhost), the real CLI and a real worker
// connecting over https with --ca-file, and the daemon's runners renewing their leases over its
// plain loopback listener (the certificate names localhost, not 127.0.0.1).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OrchestratorClient } from '../../runtime/src/api/client';
import { daemonFiles, readEndpoint } from '../../runtime/src/api/daemonFiles';
import { cli } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';
import { makeCertificates } from '../support/certificates';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

const env = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_STORE_URL: undefined, PIPEWRIGHT_ORCHESTRATOR_URL: undefined, PIPEWRIGHT_ORCHESTRATOR_TOKEN: undefined, PIPEWRIGHT_ORCHESTRATOR_CA_FILE: undefined, PIPEWRIGHT_SERVER_TOKEN: undefined, PIPEWRIGHT_RUNNER_TOKEN: undefined };

describe('TLS from files', () => {
  const dir = tempDir('pipewright-tls-');
  let certs: ReturnType<typeof makeCertificates>;

  before(() => {
    certs = makeCertificates(dir);
  });

  it('refuses a half or broken TLS setup with exit 2 naming the file, starting nothing', async () => {
    const store = path.join(dir, 'refused');
    const notPem = path.join(dir, 'not.pem');
    fs.writeFileSync(notPem, 'hello');
    const cases: [string[], RegExp][] = [
      [['--tls-cert', certs.cert], /--tls-cert needs --tls-key/],
      [['--tls-key', certs.key], /--tls-key needs --tls-cert/],
      [['--tls-cert', path.join(dir, 'missing.pem'), '--tls-key', certs.key], /--tls-cert .*missing\.pem: cannot read it \(ENOENT\)/],
      [['--tls-cert', notPem, '--tls-key', certs.key], /--tls-cert .*not\.pem: not a PEM certificate/],
      [['--tls-cert', certs.cert, '--tls-key', path.join(dir, 'other-ca.key')], /cannot serve HTTPS together/],
    ];
    for (const [flags, message] of cases) {
      const result = await cli(['--store', store, 'server', 'start', ...flags], { env });
      assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.equal(fs.existsSync(daemonFiles(store).pid), false, 'no daemon started');
  });

  describe('a daemon with remote workers over https', () => {
    const store = path.join(dir, 'remote');
    let httpsUrl: string;
    let userTokenFile: string;
    let worker: WorkerProcess | undefined;

    before(async () => {
      const started = await cli(['--store', store, 'server', 'start', '--workers', 'remote', '--tls-cert', certs.cert, '--tls-key', certs.key, '--json'], { env });
      assert.equal(started.code, 0, started.stderr);
      const endpoint = readEndpoint(daemonFiles(store));
      assert.ok(endpoint?.tls && endpoint.localPort !== undefined, JSON.stringify(endpoint));
      httpsUrl = `https://localhost:${endpoint.port}`;
      userTokenFile = path.join(dir, 'user-token');
      const made = await cli(['--store', store, 'tokens', 'create', '--scope', 'user', '--name', 'alice', '--file', userTokenFile], { env });
      assert.equal(made.code, 0, made.stderr);
      const workerTokenFile = path.join(dir, 'worker-token');
      assert.equal((await cli(['--store', store, 'tokens', 'create', '--scope', 'worker', '--name', 'w', '--file', workerTokenFile], { env })).code, 0);
      worker = startWorker(httpsUrl, workerTokenFile, path.join(dir, 'worker'), ['--ca-file', certs.ca]);
    });

    after(async () => {
      worker?.signalGroup('SIGKILL');
      await cli(['--store', store, 'server', 'stop'], { env });
    });

    it('serves HTTPS only on its port: plain HTTP there gets no answer', async () => {
      const port = new URL(httpsUrl).port;
      await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/health`));
    });

    it('the CLI reaches it with --ca-file; without it (or with another CA) it exits 1 saying the certificate is not trusted', async () => {
      const listed = await cli(['runs', 'list', '--orchestrator', httpsUrl, '--token-file', userTokenFile, '--ca-file', certs.ca, '--json'], { env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout), []);
      assert.doesNotMatch(listed.stderr, /unencrypted/);
      for (const extra of [[], ['--ca-file', certs.otherCa]]) {
        const refused = await cli(['runs', 'list', '--orchestrator', httpsUrl, '--token-file', userTokenFile, ...extra], { env });
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, /certificate is signed by a CA not trusted here \(give that CA with --ca-file\)/);
      }
      const badCa = await cli(['runs', 'list', '--orchestrator', httpsUrl, '--token-file', userTokenFile, '--ca-file', userTokenFile], { env });
      assert.equal(badCa.code, 2, badCa.stderr);
      assert.match(badCa.stderr, /--ca-file .*user-token: not a PEM certificate/);
    });

    it('a run submitted over https runs on a worker that claims over https, and completes', async () => {
      const ran = await cli(['run', fixture('pipelines', 'basics.ts'), '--param', 'count=8', '--json', '--orchestrator', httpsUrl, '--token-file', userTokenFile, '--ca-file', certs.ca], { env, timeoutMs: 120_000 });
      assert.equal(ran.code, 0, `${ran.stderr}\nworker: ${worker?.stderr()}`);
      const summary = JSON.parse(ran.stdout.trim().split('\n').pop()!) as { status: string; steps: { status: string }[] };
      assert.equal(summary.status, 'completed');
      assert.ok(summary.steps.every((step) => step.status === 'completed'));
    });
  });

  it("a daemon with local runners over https: its runners renew their leases on its loopback listener; the local CLI uses that listener", async () => {
    const store = path.join(dir, 'local');
    // Beats every 0.2 s, lost after 0.6 s: a runner that could not reach the daemon would lose its attempt at once.
    const beating = { ...env, PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.2', PIPEWRIGHT_HEARTBEAT_TIMEOUT: '0.6' };
    const started = await cli(['--store', store, 'server', 'start', '--tls-cert', certs.cert, '--tls-key', certs.key, '--json'], { env: beating });
    assert.equal(started.code, 0, started.stderr);
    try {
      const endpoint = readEndpoint(daemonFiles(store))!;
      const status = JSON.parse(started.stdout) as { url: string };
      assert.equal(status.url, `http://127.0.0.1:${endpoint.localPort}`);
      const marker = path.join(dir, 'release-local');
      const detached = await cli(['--store', store, 'run', fixture('pipelines', 'slow.ts'), '--param', `marker=${marker}`, '--detach'], { env: beating });
      assert.equal(detached.code, 0, detached.stderr);
      const runId = detached.stdout.trim();
      // Over https with the CA: the same daemon, its heartbeats streamed.
      const token = fs.readFileSync(daemonFiles(store).token, 'utf8').trim();
      const client = new OrchestratorClient(`https://localhost:${endpoint.port}`, token, { caFile: certs.ca });
      let beats = 0;
      await client.follow((event) => event.type === 'heartbeat' && ++beats >= 4, { runId });
      fs.writeFileSync(marker, '');
      const shown = await cli(['--store', store, 'runs', 'watch', runId], { env: beating, timeoutMs: 60_000 });
      assert.equal(shown.code, 0, shown.stderr);
      const detail = await client.getRun({ run: runId });
      assert.equal(detail.status, 'completed');
      assert.deepEqual(
        detail.steps.map((step) => [step.id, step.attempts]),
        [
          ['wait', 1],
          ['after', 1],
        ],
        'no attempt was lost: the runner renewed its lease',
      );
    } finally {
      await cli(['--store', store, 'server', 'stop'], { env });
    }
  });
});
