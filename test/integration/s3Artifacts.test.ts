// A real daemon keeping outputs in an S3-compatible bucket (s3rver on loopback, standing in for
// the real service: test/support/s3Server.ts) beside a PostgreSQL store, with a real remote
// worker: the run's outputs travel the worker wire, wait under their attempt, land under
// objects/ at their commit, and `artifacts get` reads them back from another store folder.
// Then what a user meets with a bad --artifacts URL, a missing bucket or an unreachable endpoint.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { cli, lastJson } from '../support/cli';
import { basics, env as cleanEnv, type Summary } from '../support/cliWorkflow';
import { freePort } from '../support/freePort';
import { postgresForFile } from '../support/postgres';
import { startS3Server } from '../support/s3Server';
import { tempDir } from '../support/tempDir';
import { startWorker } from '../support/workerProcess';

const cluster = postgresForFile();
const BUCKET = 'pipewright-runs';
const s3 = startS3Server([BUCKET]);

/** The CLI with the store folder from PIPEWRIGHT_STORE and nothing else chosen by the outer environment. */
const pw = (folder: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
  cli(args, { env: { ...cleanEnv, PIPEWRIGHT_STORE_URL: undefined, PIPEWRIGHT_ARTIFACTS_URL: undefined, PIPEWRIGHT_S3_ENDPOINT: undefined, PIPEWRIGHT_STORE: folder, ...extra } });

async function keys(endpoint: string, prefix: string): Promise<string[]> {
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (page.Contents ?? []).map((object) => object.Key!.slice(prefix.length)).sort();
  } finally {
    client.destroy();
  }
}

describe('artifacts in an S3 bucket', () => {
  const dir = tempDir();
  const folder = path.join(dir, 'store');
  after(() => pw(folder, ['server', 'stop']));

  it("keeps a remote worker's outputs in the bucket at their commit, readable by artifacts get from another store folder", async (t) => {
    const { endpoint } = await s3;
    const url = await cluster().createDatabase();
    const started = await pw(folder, ['server', 'start', '--store', url, '--workers', 'remote', '--artifacts', `s3://${BUCKET}/team/runs`, '--s3-endpoint', endpoint, '--json']);
    assert.equal(started.code, 0, started.stderr);
    const status = lastJson<{ state: string; url: string }>(started);
    assert.equal(status.state, 'active');
    const worker = startWorker(status.url, path.join(folder, 'server', 'runner-token'), path.join(dir, 'worker'));
    try {
      const ran = await pw(folder, ['run', basics, '--param', 'count=6', '--json'], { PIPEWRIGHT_STORE_URL: url });
      assert.equal(ran.code, 0, `${ran.stderr}\n${worker.stderr()}`);
      const run = lastJson<Summary>(ran);
      assert.equal(run.status, 'completed');

      // Every committed output is an object named by its hash; nothing is left under the attempts.
      const objects = await keys(endpoint, 'team/runs/objects/');
      const shown = lastJson<Summary>(await pw(folder, ['runs', 'show', run.runId, '--json'], { PIPEWRIGHT_STORE_URL: url }));
      const hashes = shown.steps.flatMap((step) => (step.outputs ?? []).map((output) => (output as unknown as { hash: string }).hash));
      assert.ok(hashes.length >= 6, JSON.stringify(shown.steps));
      for (const hash of hashes) assert.ok(objects.includes(`${hash.slice(0, 2)}/${hash}`), `output ${hash} is in the bucket (objects: ${objects.join(', ')})`);
      assert.deepEqual(await keys(endpoint, 'team/runs/attempts/'), [], 'staged outputs were published and removed');
      // The worker's uploads waited under their attempt, and the commits moved them.
      const { requests } = await s3;
      // By key: the SDK may send a request again (a reused connection the server had closed).
      const keysOf = (method: string) => [...new Set(requests.filter((request) => request.startsWith(`${method} /${BUCKET}/team/runs/attempts/${run.runId}/`)).map((request) => request.split(' ')[1]!.split('?')[0]!))].sort();
      // A staged key is `attempts/<run>/<invocation>/<attempt>/<hash>`: those of the attempts each
      // step committed must all have been deleted by that commit. An attempt replaced before its
      // commit (its worker's answer lost, say, on a loaded machine) leaves none behind either
      // (the listing above), and is named here so that it never passes unseen.
      const committed = new Map(shown.steps.map((step) => [step.id, (step as unknown as { attempts: number }).attempts]));
      const attemptOf = (key: string) => key.split('/').slice(-3, -1).map(decodeURIComponent) as [string, string];
      const staged = keysOf('PUT');
      const stagedByCommit = staged.filter((key) => committed.get(attemptOf(key)[0]) === Number(attemptOf(key)[1]));
      const replaced = staged.filter((key) => !stagedByCommit.includes(key));
      const context = () => `\nreplaced attempts' keys: ${replaced.join(', ') || 'none'}\nsteps: ${JSON.stringify(shown.steps)}\nworker:\n${worker.stderr()}`;
      assert.ok(stagedByCommit.length >= 6, `${requests.join('\n')}${context()}`);
      const deleted = new Set(keysOf('DELETE'));
      const undeleted = stagedByCommit.filter((key) => !deleted.has(key));
      const history = (key: string) => requests.map((request, index) => `${index} ${request}`).filter((line) => line.includes(key.split('/').pop()!)).join('\n');
      assert.deepEqual(undeleted, [], `every staged key of a committed attempt was deleted at its commit; the requests naming each that was not:\n${undeleted.map(history).join('\n--\n')}${context()}`);
      if (replaced.length > 0) t.diagnostic(`attempts replaced before their commit in a run without faults: ${replaced.join(', ')}${context()}`);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        assert.equal((await db.query<{ n: string }>('SELECT count(*) AS n FROM artifact_contents')).rows[0]!.n, '0', 'the database holds no artifact bytes');
      } finally {
        await db.end();
      }

      // Another machine: an empty store folder, the same database and bucket.
      const elsewhere = path.join(tempDir(), 'other-machine');
      const read = await pw(elsewhere, ['artifacts', 'get', run.runId, 'final_report'], { PIPEWRIGHT_STORE_URL: url, PIPEWRIGHT_ARTIFACTS_URL: `s3://${BUCKET}/team/runs`, PIPEWRIGHT_S3_ENDPOINT: endpoint });
      assert.equal(read.code, 0, read.stderr);
      // train is x = 1, 2, 3, 5 (x % 4 !== 0) of 6 rows: 11, scaled by 1 + 2 + 3.
      assert.equal(read.stdout, 'sum: 66\n');
      assert.equal(fs.existsSync(path.join(elsewhere, 'artifacts')), false, 'read from the bucket: no copy in the read-only folder');
      // Without the bucket, that folder has nothing to read the output from.
      const without = await pw(elsewhere, ['artifacts', 'get', run.runId, 'final_report'], { PIPEWRIGHT_STORE_URL: url });
      assert.equal(without.code, 1);
      assert.match(without.stderr, /is missing/);
    } finally {
      worker.signalGroup('SIGTERM');
      await worker.done;
    }
  });

  it('delivers a result again when the bucket refused its outputs: the attempt commits once, none is lost, the worker says why', async () => {
    const { endpoint, failNext } = await s3;
    const url = await cluster().createDatabase();
    const own = path.join(tempDir(), 'store');
    const started = await pw(own, ['server', 'start', '--store', url, '--workers', 'remote', '--artifacts', `s3://${BUCKET}/faulty`, '--s3-endpoint', endpoint, '--json']);
    assert.equal(started.code, 0, started.stderr);
    const worker = startWorker(lastJson<{ url: string }>(started).url, path.join(own, 'server', 'runner-token'), path.join(tempDir(), 'worker'));
    try {
      // The staging of total's output fails as often as the SDK tries it (3 times): the first result is answered 500.
      failNext(new RegExp(`^PUT /${BUCKET}/faulty/attempts/[^/]+/total/1/`), 3);
      const ran = await pw(own, ['run', basics, '--param', 'count=6', '--json'], { PIPEWRIGHT_STORE_URL: url });
      assert.equal(ran.code, 0, `${ran.stderr}\n${worker.stderr()}`);
      const run = lastJson<Summary>(ran);
      assert.equal(run.status, 'completed');
      const shown = lastJson<Omit<Summary, 'steps'> & { steps: (Summary['steps'][number] & { attempts: number })[] }>(await pw(own, ['runs', 'show', run.runId, '--json'], { PIPEWRIGHT_STORE_URL: url }));
      assert.deepEqual(
        shown.steps.filter((step) => step.attempts !== 1).map((step) => `${step.id}: ${step.attempts} attempts`),
        [],
        `no attempt was lost to the refused upload\n${worker.stderr()}`,
      );
      assert.match(worker.stderr(), /result of attempt 1 of "total" \(run [^)]+\) not delivered, sent again in 200 ms: POST \/worker-jobs\/[^/]+\/result: HTTP 500: S3 artifact store s3:\/\/pipewright-runs\/faulty\/ at http:\/\/127\.0\.0\.1:\d+: could not write faulty\/attempts\/[^/]+\/total\/1\/[0-9a-f]{64}: injected by the test/);
      const total = shown.steps.find((step) => step.id === 'total')!;
      const [hash] = (total.outputs ?? []).map((output) => (output as unknown as { hash: string }).hash);
      assert.ok((await keys(endpoint, 'faulty/objects/')).includes(`${hash!.slice(0, 2)}/${hash}`), 'its output is in the bucket');
      assert.deepEqual(await keys(endpoint, 'faulty/attempts/'), [], 'nothing left under the attempts');
    } finally {
      worker.signalGroup('SIGTERM');
      await worker.done;
      await pw(own, ['server', 'stop']);
    }
  });

  it('refuses a bad --artifacts URL, a missing bucket and an unreachable endpoint, naming them, and starts no daemon', async () => {
    const { endpoint } = await s3;
    const store = path.join(tempDir(), 'store');
    const cases: [string[], number, RegExp][] = [
      [['--artifacts', 'gs://bucket/x'], 2, /--artifacts: "gs:\/\/bucket\/x" is not an s3:\/\/bucket\/prefix URL/],
      [['--artifacts', 's3://Bad_Bucket/x'], 2, /--artifacts: "Bad_Bucket" in s3:\/\/Bad_Bucket\/x is no S3 bucket name/],
      [['--artifacts', `s3://${BUCKET}/x`, '--s3-endpoint', 'ftp://host'], 2, /--s3-endpoint: "ftp:\/\/host" must start with http:\/\/ or https:\/\//],
      [['--s3-endpoint', endpoint], 2, /--s3-endpoint needs --artifacts s3:\/\/bucket\/prefix/],
      [['--artifacts', 's3://no-such-bucket/x', '--s3-endpoint', endpoint], 2, new RegExp(`S3 artifact store s3://no-such-bucket/x/ at ${endpoint}: no bucket "no-such-bucket" there`)],
    ];
    const closed = `http://127.0.0.1:${await freePort()}`;
    cases.push([['--artifacts', `s3://${BUCKET}/x`, '--s3-endpoint', closed], 1, new RegExp(`S3 artifact store s3://${BUCKET}/x/ at ${closed}: could not reach the bucket: .*ECONNREFUSED`)]);
    for (const [flags, code, message] of cases) {
      const result = await pw(store, ['server', 'start', ...flags]);
      assert.equal(result.code, code, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(fs.existsSync(path.join(store, 'server', 'pid')), false, 'no daemon was started');
    }
    const variable = await pw(store, ['server', 'start'], { PIPEWRIGHT_ARTIFACTS_URL: 'https://bucket' });
    assert.equal(variable.code, 2, variable.stderr);
    assert.match(variable.stderr, /PIPEWRIGHT_ARTIFACTS_URL: "https:\/\/bucket" is not an s3:\/\/bucket\/prefix URL/);
  });
});
