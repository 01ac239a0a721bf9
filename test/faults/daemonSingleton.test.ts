import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

/** Pids of live daemon processes (`pipewright __server STORE ...`) serving `store`. */
function daemonsOf(store: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const state = /\) (\S)/.exec(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      if (argv.includes('__server') && argv.includes(store) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe('one daemon per store', () => {
  it('commands started at once on a store with no daemon all reach one daemon, and only one runs', async () => {
    const store = path.join(tempDir(), 'store');
    await (await openRunStore(store, 'readWrite')).close();
    try {
      const results = await Promise.all(Array.from({ length: 4 }, () => cli(['--store', store, 'services', 'list'])));
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      await waitFor('the losing daemons to exit', () => daemonsOf(store).length <= 1, 20_000);
      assert.equal(daemonsOf(store).length, 1, 'exactly one daemon serves the store');
      const pid = Number(fs.readFileSync(path.join(store, 'server', 'pid'), 'utf8'));
      assert.deepEqual(daemonsOf(store), [pid], 'the daemon in the pid file is the one running');
      const status = await cli(['--store', store, 'server', 'status']);
      assert.match(status.stdout, /active/, status.stdout);
    } finally {
      await cli(['--store', store, 'server', 'stop']);
      for (const pid of daemonsOf(store)) process.kill(pid, 'SIGKILL');
    }
  });
});
