// The orchestrator's credentials, end to end: tokens made, listed and revoked with the real CLI
// (`pipewright tokens`), and a real daemon (started with --workers remote, so the worker wire is
// served) whose one token check lets each token do what its scope covers only: 401 without a
// valid token, 403 naming the scope for the wrong one, on every route of the table and the
// routes written by hand.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { API_PREFIX } from '../../runtime/src/api/paths';
import { API_ROUTES, fillPath, type RouteSpec } from '../../runtime/src/api/routes';
import { HEARTBEAT_PATH } from '../../runtime/src/model/heartbeatProtocol';
import { WORKER_PATHS } from '../../runtime/src/model/workerProtocol';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const env = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_STORE_URL: undefined, PIPEWRIGHT_ORCHESTRATOR_URL: undefined, PIPEWRIGHT_ORCHESTRATOR_TOKEN: undefined, PIPEWRIGHT_SERVER_TOKEN: undefined, PIPEWRIGHT_RUNNER_TOKEN: undefined };

interface Answer {
  status: number;
  error?: string;
  code?: string;
  text: string;
}

describe('API credentials: scoped tokens and the one token check', () => {
  const dir = tempDir('pipewright-credentials-');
  const store = path.join(dir, 'store');
  const pw = (args: string[]) => cli(['--store', store, ...args], { env });
  let base: string;
  let storeToken: string;
  let runnerToken: string;
  const made: Record<'user' | 'worker' | 'metrics', string> = { user: '', worker: '', metrics: '' };

  async function call(method: string, route: string, token: string | undefined, body?: unknown): Promise<Answer> {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: { error?: string; code?: string } = {};
    try {
      parsed = JSON.parse(text) as { error?: string; code?: string };
    } catch {
      // Not JSON (metrics text).
    }
    return { status: response.status, error: parsed.error, code: parsed.code, text };
  }

  before(async () => {
    const started = await pw(['server', 'start', '--workers', 'remote', '--json']);
    assert.equal(started.code, 0, started.stderr);
    base = (JSON.parse(started.stdout) as { url: string }).url;
    storeToken = fs.readFileSync(daemonFiles(store).token, 'utf8').trim();
    runnerToken = fs.readFileSync(daemonFiles(store).runnerToken, 'utf8').trim();
    // One token of each scope: printed once (user, metrics) or written to an owner-only file (worker).
    for (const scope of ['user', 'metrics'] as const) {
      const created = await pw(['tokens', 'create', '--scope', scope, '--name', `${scope}-1`]);
      assert.equal(created.code, 0, created.stderr);
      made[scope] = created.stdout.trim();
      assert.match(made[scope], new RegExp(`^pw_${scope}_[\\w-]{43}$`));
      assert.match(created.stderr, /not shown again/);
    }
    const file = path.join(dir, 'worker-token');
    const created = await pw(['tokens', 'create', '--scope', 'worker', '--name', 'worker-1', '--file', file]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    made.worker = fs.readFileSync(file, 'utf8').trim();
    assert.ok(!created.stdout.includes(made.worker), 'a secret written to a file is not printed');
  });

  after(async () => {
    await pw(['server', 'stop']);
  });

  it('answers 401 without a token or with one nobody issued, before anything is read', async () => {
    for (const token of [undefined, 'pw_user_not-issued', `${made.user}x`]) {
      const answer = await call('GET', `${API_PREFIX}/runs`, token);
      assert.deepEqual([answer.status, answer.code], [401, 'unauthorized'], String(token));
    }
    assert.equal((await call('GET', '/metrics', undefined)).status, 401);
    assert.equal((await call('POST', `${API_PREFIX}${WORKER_PATHS.claim}`, undefined, { workerId: 'w', pool: 'default', labels: {}, waitMs: 0 })).status, 401);
  });

  it('every route of the table refuses a worker token with 403 naming the scope it needs, and takes a user token', async () => {
    for (const [name, route] of Object.entries(API_ROUTES) as [string, RouteSpec][]) {
      const path = `${API_PREFIX}${fillPath(route.path, () => 'no-such-thing')}`;
      const asWorker = await call(route.method, path, made.worker, route.method === 'POST' ? {} : undefined);
      if (route.scope === 'any') {
        assert.notEqual(asWorker.status, 403, `${name}: any token may call it`);
        continue;
      }
      assert.equal(asWorker.status, 403, `${name} ${route.method} ${route.path}: ${asWorker.status} ${asWorker.error}`);
      assert.equal(asWorker.code, 'forbidden');
      assert.match(asWorker.error ?? '', new RegExp(`needs a token of scope ${route.scope} .*the token "worker-1" has scope worker`));
      if (route.scope === 'user') {
        const asUser = await call(route.method, path, made.user, route.method === 'POST' ? {} : undefined);
        assert.ok(asUser.status !== 401 && asUser.status !== 403, `${name}: a user token passes the check (${asUser.status} ${asUser.error})`);
      }
    }
  });

  it('a worker token cannot submit code, read runs, follow events or fetch artifacts; it claims, beats and reaches the health check', async () => {
    const submit = await call('POST', `${API_PREFIX}/runs`, made.worker, { file: 'x.ts', target: { kind: 'pipeline', name: 'p' }, bundle: 'module.exports = {}' });
    assert.deepEqual([submit.status, submit.code], [403, 'forbidden']);
    assert.match(submit.error ?? '', /POST \/v1\/runs needs a token of scope user \(submit, cancel and read runs\)/);
    for (const route of [`${API_PREFIX}/runs`, `${API_PREFIX}/events`, `${API_PREFIX}/runs/r/artifacts/s/output`]) {
      assert.equal((await call('GET', route, made.worker)).status, 403, route);
      assert.equal((await call('GET', route, runnerToken)).status, 403, `${route} with the runner token`);
    }
    for (const token of [made.worker, runnerToken]) {
      const claim = await call('POST', `${API_PREFIX}${WORKER_PATHS.claim}`, token, { workerId: 'w-1', pool: 'default', labels: {}, waitMs: 0 });
      assert.equal(claim.status, 200, claim.text);
      const beat = await call('POST', `${API_PREFIX}${WORKER_PATHS.beat}`, token, { workerId: 'w-1', jobs: [] });
      assert.equal(beat.status, 200, beat.text);
      assert.equal((await call('GET', `${API_PREFIX}/health`, token)).status, 200);
    }
  });

  it("a user token cannot use the workers' or runners' routes, stop the daemon or scrape metrics", async () => {
    const claim = await call('POST', `${API_PREFIX}${WORKER_PATHS.claim}`, made.user, { workerId: 'w', pool: 'default', labels: {}, waitMs: 0 });
    assert.deepEqual([claim.status, claim.code], [403, 'forbidden']);
    assert.match(claim.error ?? '', /needs a token of scope worker/);
    assert.equal((await call('POST', HEARTBEAT_PATH, made.user, { runId: 'r', invocationId: 'i', attempt: 1 })).status, 403);
    assert.equal((await call('POST', `${API_PREFIX}/runner-results`, made.user, {})).status, 403);
    const shutdown = await call('POST', `${API_PREFIX}/shutdown`, made.user);
    assert.equal(shutdown.status, 403);
    assert.match(shutdown.error ?? '', /needs a token of scope admin \(stop the daemon\)/);
    assert.equal((await call('GET', '/metrics', made.user)).status, 403);
    assert.equal((await call('GET', `${API_PREFIX}/health`, storeToken)).status, 200, 'the daemon is still up');
  });

  it('a metrics token scrapes /metrics and nothing else; the store token may do everything', async () => {
    const scrape = await call('GET', '/metrics', made.metrics);
    assert.equal(scrape.status, 200);
    assert.match(scrape.text, /^pipewright_workers_connected \d+$/m);
    assert.equal((await call('GET', `${API_PREFIX}/runs`, made.metrics)).status, 403);
    assert.equal((await call('GET', `${API_PREFIX}/runs`, storeToken)).status, 200);
    assert.equal((await call('GET', '/metrics', storeToken)).status, 200);
    assert.equal((await call('POST', `${API_PREFIX}${WORKER_PATHS.claim}`, storeToken, { workerId: 'w-2', pool: 'default', labels: {}, waitMs: 0 })).status, 200);
  });

  it('tokens list shows name, scope, when made and last used, never a secret; a revoked token is refused from the next request on', async () => {
    const listed = await pw(['tokens', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const tokens = JSON.parse(listed.stdout) as { name: string; scope: string; createdAt: number; lastUsedAt: number | null }[];
    assert.deepEqual(tokens.map((token) => [token.name, token.scope]).sort(), [['metrics-1', 'metrics'], ['user-1', 'user'], ['worker-1', 'worker']]);
    for (const token of tokens) assert.equal(typeof token.lastUsedAt, 'number', `${token.name} was used above`);
    const table = await pw(['tokens', 'list']);
    assert.match(table.stdout, /^NAME\s+SCOPE\s+CREATED\s+LAST USED$/m);
    assert.match(table.stdout, /^user-1\s+user\s+\d{4}-\d\d-\d\dT/m);
    for (const secret of Object.values(made)) {
      assert.ok(!listed.stdout.includes(secret) && !table.stdout.includes(secret), 'no secret is listed');
      for (const file of fs.readdirSync(store).filter((name) => name.startsWith('pipewright.db'))) assert.ok(!fs.readFileSync(path.join(store, file)).includes(secret), `no secret is stored (${file})`);
    }
    assert.equal((await call('GET', `${API_PREFIX}/runs`, made.user)).status, 200);
    const revoked = await pw(['tokens', 'revoke', 'user-1']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual([(await call('GET', `${API_PREFIX}/runs`, made.user)).status], [401]);
    assert.equal((await call('GET', `${API_PREFIX}/runs`, storeToken)).status, 200, 'other tokens still work');
  });

  it('refuses bad input with exit 2 naming it: a scope, a name, a taken name, an existing file, an unknown token', async () => {
    const cases: [string[], RegExp][] = [
      [['tokens', 'create', '--scope', 'admin', '--name', 'x'], /--scope admin: expected one of user, worker, metrics/],
      [['tokens', 'create', '--scope', 'user', '--name', 'bad name'], /--name bad name: expected up to 64 letters/],
      [['tokens', 'create', '--scope', 'user', '--name', 'worker-1'], /a token named "worker-1" exists already/],
      [['tokens', 'create', '--scope', 'user', '--name', 'fresh', '--file', path.join(dir, 'worker-token')], /--file .*worker-token: exists already/],
      [['tokens', 'revoke', 'nobody'], /no token named "nobody"/],
    ];
    for (const [args, message] of cases) {
      const result = await pw(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const names = (JSON.parse((await pw(['tokens', 'list', '--json'])).stdout) as { name: string }[]).map((token) => token.name);
    assert.ok(!names.includes('fresh') && !names.includes('x'), 'a refused token is not made');
  });
});
