// The PostgreSQL store rides out a restart of its server: a statement or a transaction that
// finds the server away (shutting down, starting up) waits for it and then succeeds, instead of
// failing the run it writes for. A real private cluster, restarted with pg_ctl.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { PipelineDag } from '../../runtime/src/model/dag';
import { PostgresRunStore } from '../../runtime/src/store/postgres/postgresRunStore';
import { postgresForFile } from '../support/postgres';
import { tempDir } from '../support/tempDir';
import { waitForAsync } from '../support/waitFor';

const cluster = postgresForFile();

const dag = {
  pipeline: 'p',
  parameters: {},
  nodes: [{ id: 'a', step: 'aStep', namespace: [], params: [], inputs: {}, outputs: ['output'], after: [], options: { hooks: {} }, codeHash: 'x' }],
  edges: [],
  outputs: {},
  options: { executionMode: 'continueOnFailure', hooks: { onSuccess: false, onFailure: false } },
} as unknown as PipelineDag;

async function refusesConnections(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  // The server may end this connection as it shuts down.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return false;
  } catch {
    await client.end().catch(() => undefined);
    return true;
  }
}

describe('the PostgreSQL store across a restart of its server', () => {
  it('a statement and a transaction issued while the server is away succeed once it is back', async () => {
    const url = await cluster().createDatabase();
    const store = await PostgresRunStore.open(tempDir(), url, 'readWrite');
    try {
      assert.deepEqual(await store.listRuns(), []);
      const restarted = cluster().restart();
      await waitForAsync('the server to refuse connections', () => refusesConnections(url), 30_000);
      // Issued while it is away: a statement (listRuns) and a transaction (createRun).
      const at = Date.now();
      const [runs] = await Promise.all([
        store.listRuns(),
        store.createRun({ id: 'run-1', name: 'run-1', pipeline: 'p', sourceFile: 'p.ts', parameters: {}, options: {}, dag, bundlePath: '/b.cjs', workingDir: '/w', projectDir: '/p', at }),
      ]);
      await restarted;
      assert.ok(runs.length <= 1);
      assert.deepEqual(
        (await store.listRuns()).map((run) => run.id),
        ['run-1'],
      );
    } finally {
      await store.close();
    }
  });

  it('a store that never reached its server fails at once, naming it', async () => {
    const url = await cluster().createDatabase();
    const port = new URL(url).port;
    const startedAt = Date.now();
    await assert.rejects(PostgresRunStore.open(tempDir(), url.replace(`:${port}/`, ':1/'), 'readWrite'), /cannot open the PostgreSQL store at postgres:\/\/postgres@127\.0\.0\.1:1\//);
    assert.ok(Date.now() - startedAt < 5000, 'no wait for a server it never reached');
  });
});
