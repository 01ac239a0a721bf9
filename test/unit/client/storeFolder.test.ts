// The extension finds its workspace's store (and the daemon there) where the runtime's CLI puts
// it: one resolver, `api/storeFolder.ts`. A workspace folder inside a package (no package.json
// of its own) shares the package root's store, not a `.pipewright` of its own.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readLocalEndpoint, workspaceStoreDir } from '../../../client/src/daemonFiles';
import { cli } from '../../support/cli';
import { tempProject } from '../../support/tempDir';

describe('the store folder the extension uses', () => {
  it('is the one the CLI uses from a workspace folder below the package root', async () => {
    const root = tempProject();
    const workspace = path.join(root, 'pipelines');
    fs.mkdirSync(workspace);
    const env = { PIPEWRIGHT_STORE: undefined };
    const started = await cli(['server', 'start', '--json'], { cwd: workspace, env });
    assert.equal(started.code, 0, started.stderr);
    try {
      assert.equal(workspaceStoreDir(workspace), path.join(root, '.pipewright'));
      const endpoint = readLocalEndpoint(workspaceStoreDir(workspace));
      assert.ok(endpoint, 'the extension finds the daemon the CLI started from its workspace folder');
      assert.equal(endpoint.pid, (JSON.parse(started.stdout.trim().split('\n').pop()!) as { pid: number }).pid);
      assert.equal(fs.existsSync(path.join(workspace, '.pipewright')), false);
    } finally {
      const stopped = await cli(['server', 'stop'], { cwd: workspace, env });
      assert.equal(stopped.code, 0, stopped.stderr);
    }
  });

  it('follows PIPEWRIGHT_STORE like the CLI', () => {
    const saved = process.env.PIPEWRIGHT_STORE;
    process.env.PIPEWRIGHT_STORE = 'relative/store';
    try {
      assert.equal(workspaceStoreDir('/somewhere/else'), path.resolve('relative/store'));
    } finally {
      if (saved === undefined) delete process.env.PIPEWRIGHT_STORE;
      else process.env.PIPEWRIGHT_STORE = saved;
    }
  });
});
