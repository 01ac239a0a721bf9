import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';

/** Every folder and file under `dir` whose mode lets group or others in, with its mode. */
function openToOthers(dir: string): string[] {
  const wide: string[] = [];
  const visit = (file: string) => {
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0) wide.push(`${path.relative(dir, file) || '.'} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
  };
  visit(dir);
  return wide;
}

describe('the store is owner-only whatever the umask', () => {
  let umask: number;
  before(() => {
    umask = process.umask(0o022);
  });
  after(() => process.umask(umask));

  it('creates the store folder, database, WAL and SHM, artifacts and bundles 0700/0600', async () => {
    const store = path.join(tempDir(), 'store');
    const result = await cli(['--store', store, 'run', fixture('pipelines', 'basics.ts'), '--param', 'count=4', '--no-daemon']);
    assert.equal(result.code, 0, result.stderr);
    // The WAL and SHM exist while a connection is open.
    const open = await openRunStore(store, 'readWrite');
    try {
      for (const file of ['pipewright.db', 'pipewright.db-wal', 'pipewright.db-shm']) assert.ok(fs.existsSync(path.join(store, file)), file);
      assert.ok(fs.readdirSync(path.join(store, 'artifacts')).length > 0);
      assert.ok(fs.readdirSync(path.join(store, 'bundles')).length > 0);
      assert.deepEqual(openToOthers(store), []);
    } finally {
      await open.close();
    }
  });

  it('tightens, on open, a store an older pipewright left open to others', async () => {
    const store = path.join(tempDir(), 'store');
    const result = await cli(['--store', store, 'run', fixture('pipelines', 'basics.ts'), '--param', 'count=4', '--no-daemon']);
    assert.equal(result.code, 0, result.stderr);
    // As an older pipewright left it under umask 022.
    const widen = (file: string) => {
      const stat = fs.statSync(file);
      fs.chmodSync(file, stat.isDirectory() ? 0o755 : 0o644);
      if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) widen(path.join(file, entry));
    };
    widen(store);
    assert.notDeepEqual(openToOthers(store), []);
    await (await openRunStore(store, 'readWrite')).close();
    assert.deepEqual(openToOthers(store), []);
  });
});
