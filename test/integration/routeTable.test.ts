// Every route of the API's table is served by the daemon and reached by the client's derived
// method: a route declared but not registered (or registered under another method or path)
// answers "no such endpoint" or 405, which this test refuses.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { answerStatus, type OrchestratorClient } from '../../runtime/src/api/client';
import { connectDaemon, daemonStatus, startDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { API_ROUTES, fillPath, pathParamNames, type RouteName, type RouteSpec } from '../../runtime/src/api/routes';
import { waitForAsync } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

/** Every route, the daemon's shutdown last (it stops the daemon). */
const routes = (Object.entries(API_ROUTES) as [RouteName, RouteSpec][]).sort(([a], [b]) => Number(a === 'shutdown') - Number(b === 'shutdown'));

/** The path of `route` with every parameter `x` (no such run or service). */
const samplePath = (route: RouteSpec) => `/v1${fillPath(route.path, () => 'x')}`;

async function raw(base: string, route: RouteSpec, token: string | undefined): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${base}${samplePath(route)}`, {
    method: route.method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(route.body ? { 'content-type': 'application/json' } : {}) },
    body: route.body ? '{}' : undefined,
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, error: body.error };
}

/** Whether an answer came from the router (no route there, or not for this method) rather than from the route. */
function fromRouter(status: number, error: string | undefined): boolean {
  return status === 405 || (status === 404 && /^no such endpoint/.test(error ?? ''));
}

describe('the route table', () => {
  const store = path.join(tempDir(), 'store');

  it('declares the routes of every part of the API, each once', () => {
    const declared = routes.map(([, route]) => `${route.method} ${route.path}`);
    assert.equal(new Set(declared).size, declared.length, 'no method and path declared twice');
    for (const name of ['health', 'listRuns', 'submitRun', 'getRun', 'runDag', 'cancelRun', 'retryRun', 'logs', 'listServices', 'startService', 'serviceStatus', 'stopService', 'serviceLogs', 'shutdown', 'resumeAbandoned', 'listWorkers', 'planRun']) {
      assert.ok(Object.hasOwn(API_ROUTES, name), `${name} is in the table`);
    }
  });

  it('is served by the daemon, each route behind the token, and reached by the client', async () => {
    await startDaemon(store);
    const client = await connectDaemon(store);
    const token = fs.readFileSync(daemonFiles(store).token, 'utf8');
    for (const [name, route] of routes) {
      const where = `${name} (${route.method} ${route.path})`;
      assert.equal((await raw(client.baseUrl, route, undefined)).status, 401, `${where} without a token`);
      assert.equal((await raw(client.baseUrl, route, 'wrong')).status, 401, `${where} with a wrong token`);
      if (name !== 'shutdown') {
        const answer = await raw(client.baseUrl, route, token);
        assert.ok(!fromRouter(answer.status, answer.error), `${where} is registered: ${answer.status} ${answer.error}`);
        if (answer.status < 300) assert.equal(answer.status, route.status ?? 200, `${where} answers its declared status`);
      }
      // The client's method of the route, derived from the table.
      const input = Object.fromEntries(pathParamNames(route.path).map((param) => [param, 'x']));
      const method = (client as unknown as Record<string, (input: object) => Promise<unknown>>)[name];
      assert.equal(typeof method, 'function', `the client has a method ${name}`);
      const outcome = await method!.call(client, input).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if ('error' in outcome) {
        const status = answerStatus(outcome.error);
        assert.ok(status !== undefined, `${where}: the client got an answer, not ${String(outcome.error)}`);
        assert.ok(!fromRouter(status, (outcome.error as Error).message), `${where} is reached by the client: ${status} ${(outcome.error as Error).message}`);
      } else if (name === 'shutdown') {
        assert.deepEqual(outcome.value, { stopping: true });
      }
    }
    await waitForAsync('the daemon to stop after its shutdown answered', async () => (await daemonStatus(store)).state === 'inactive');
  });

  it('answers the client of every route with the types it declares', async () => {
    await startDaemon(store);
    const client: OrchestratorClient = await connectDaemon(store);
    assert.equal((await client.health()).status, 'ok');
    assert.deepEqual(await client.listRuns({ limit: 5, status: ['failed', 'running'] }), []);
    assert.deepEqual(await client.listRuns({ status: [] }), [], 'an empty list of statuses is no filter');
    assert.deepEqual(await client.listServices(), []);
    assert.deepEqual(await client.resumeAbandoned(), { resumed: [] });
    await assert.rejects(client.listRuns({ limit: 0 }), (error: Error) => answerStatus(error) === 400 && /limit must be an integer from 1 to 1000, got "0"/.test(error.message));
    await assert.rejects(client.logs({ run: 'a/b?c', step: 's' }), (error: Error) => answerStatus(error) === 404 && error.message === 'no run "a/b?c"');
    await assert.rejects(client.retryRun({ run: 'x', step: '' }), (error: Error) => answerStatus(error) === 400 && /^step: /.test(error.message));
  });
});
