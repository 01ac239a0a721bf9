import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import Database from 'better-sqlite3';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli, lastJson } from '../support/cli';
import { tempDir, tempProject } from '../support/tempDir';

const PIPELINE = `
import * as fs from 'node:fs';
import { step, pipeline } from 'pipewright';
export const readSales = step(function readSales(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
});
export const sales = pipeline(function sales(file = 'data/sales.csv') { readSales(file); });
`;

interface Summary {
  runId: string;
  status: string;
  steps: { id: string; status: string; cached: boolean }[];
}

/** A project whose root and whose `bad/` folder each hold their own data/sales.csv. */
function project(): string {
  const dir = tempProject();
  fs.writeFileSync(path.join(dir, 'pipeline.ts'), PIPELINE);
  for (const [folder, text] of [['.', 'root sales'], ['bad', 'bad sales']]) {
    fs.mkdirSync(path.join(dir, folder, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, 'data', 'sales.csv'), `${text}\n`);
  }
  return dir;
}

async function runFrom(cwd: string, file: string, extra: string[] = []): Promise<{ summary: Summary; read: string }> {
  const result = await cli(['run', file, '--json', ...extra], { cwd });
  assert.equal(result.code, 0, result.stderr);
  const summary = lastJson<Summary>(result);
  assert.equal(summary.status, 'completed', JSON.stringify(summary));
  const artifact = await cli(['artifacts', 'get', summary.runId, 'readSales'], { cwd });
  assert.equal(artifact.code, 0, artifact.stderr);
  return { summary, read: artifact.stdout.trim() };
}

async function storedFolders(dir: string, runId: string): Promise<{ working_dir: string | null; project_dir: string | null }> {
  const store = await openRunStore(path.join(dir, '.pipewright'), 'readWrite');
  try {
    const row = await store.getRun(runId);
    assert.ok(row, `run ${runId} is stored`);
    return { working_dir: row.workingDir, project_dir: row.projectDir };
  } finally {
    await store.close();
  }
}

describe('relative paths resolve against the folder the user ran from', () => {
  it('through the daemon: a run from the project root after one from bad/ reads the root data', async () => {
    const dir = project();
    const bad = path.join(dir, 'bad');
    // The first run starts the daemon, in bad/.
    const first = await runFrom(bad, '../pipeline.ts');
    assert.equal(first.read, 'bad sales');
    const second = await runFrom(dir, 'pipeline.ts');
    assert.equal(second.read, 'root sales', 'the daemon runs the second run in the folder it was started from');
    assert.equal(second.summary.steps[0].cached, false, 'the same relative path from another folder is another file: no cache hit');
    assert.deepEqual(await storedFolders(dir, first.summary.runId), { working_dir: bad, project_dir: dir });
    assert.deepEqual(await storedFolders(dir, second.summary.runId), { working_dir: dir, project_dir: dir });
    // And again from bad/: that run's runners start there, not where the last one ran.
    assert.equal((await runFrom(bad, '../pipeline.ts', ['--no-cache'])).read, 'bad sales');
  });

  it('with --no-daemon, the same', async () => {
    const dir = project();
    assert.equal((await runFrom(path.join(dir, 'bad'), '../pipeline.ts', ['--no-daemon'])).read, 'bad sales');
    assert.equal((await runFrom(dir, 'pipeline.ts', ['--no-daemon'])).read, 'root sales');
  });

  it('the API refuses a working folder that is not an absolute folder on its machine', async () => {
    const dir = project();
    await runFrom(dir, 'pipeline.ts');
    const client = await connectDaemon(path.join(dir, '.pipewright'));
    const bundle = await bundlePipelineFile(path.join(dir, 'pipeline.ts'), path.join(dir, '.pipewright'));
    const submit = (workingDir: string) => client.submitRun({ file: 'pipeline.ts', target: { kind: 'pipeline', name: 'sales' }, bundle: fs.readFileSync(bundle.path, 'utf8'), workingDir });
    await assert.rejects(submit('bad'), /workingDir must be an absolute path, got bad/);
    await assert.rejects(submit(path.join(dir, 'missing')), /workingDir .*missing is not a folder on the orchestrator's machine/);
  });

  it('a store written before runs recorded their folders gains the columns, its runs read as folder-less', async () => {
    const dir = path.join(tempDir(), 'store');
    await (await openRunStore(dir, 'readWrite')).close();
    const db = new Database(path.join(dir, 'pipewright.db'));
    db.exec('ALTER TABLE runs DROP COLUMN working_dir; ALTER TABLE runs DROP COLUMN project_dir; ALTER TABLE runs DROP COLUMN engine_identity; PRAGMA user_version = 2;');
    db.prepare(`INSERT INTO pipelines (name, source_file, created_at, updated_at) VALUES ('p', 'p.ts', 0, 0)`).run();
    db.prepare(`INSERT INTO runs (id, name, pipeline, status, parameters_json, options_json, dag_json, bundle_path, created_at) VALUES ('old', 'old', 'p', 'completed', '{}', '{}', '{}', 'x', 0)`).run();
    db.close();
    const store = await openRunStore(dir, 'readWrite');
    try {
      const row = await store.getRun('old');
      assert.equal(row?.workingDir, null);
      assert.equal(row?.projectDir, null);
    } finally {
      await store.close();
    }
  });
});
