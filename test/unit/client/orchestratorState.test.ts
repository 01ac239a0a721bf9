import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { absentLocalDaemon, readLocalEndpoint } from '../../../client/src/daemonFiles';
import { stateLabel, statusBarView } from '../../../client/src/statusText';

describe('local orchestrator state', () => {
  it("connects to an HTTPS daemon's plain loopback listener (its certificate names another host than 127.0.0.1)", () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-store-'));
    try {
      fs.mkdirSync(path.join(store, 'server'));
      fs.writeFileSync(path.join(store, 'server', 'token'), 'secret\n');
      fs.writeFileSync(path.join(store, 'server', 'endpoint.json'), JSON.stringify({ host: '0.0.0.0', port: 7420, tls: true, localPort: 40123, pid: 1, instanceId: 'i' }));
      assert.equal(readLocalEndpoint(store)?.url, 'http://127.0.0.1:40123');
      fs.writeFileSync(path.join(store, 'server', 'endpoint.json'), JSON.stringify({ host: '0.0.0.0', port: 7420, pid: 1, instanceId: 'i' }));
      assert.equal(readLocalEndpoint(store)?.url, 'http://127.0.0.1:7420', 'a plain HTTP daemon, at its port');
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it('says "no orchestrator yet" before a local daemon ever ran for the store, and inactive once one stopped', () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-store-'));
    try {
      assert.equal(readLocalEndpoint(store), undefined);
      const fresh = absentLocalDaemon(store);
      assert.equal(fresh.state, 'none');
      const bar = statusBarView('local', fresh.state, 0, []);
      assert.match(bar.text, /Pipewright: no orchestrator yet/);
      assert.doesNotMatch(bar.text, /inactive/);
      assert.match(bar.tooltip, /starts with the first run/);
      assert.equal(stateLabel('none'), 'no orchestrator yet');
      // What `pipewright server stop` leaves: the folder with the log and token, no endpoint.
      fs.mkdirSync(path.join(store, 'server'));
      fs.writeFileSync(path.join(store, 'server', 'server.log'), '');
      assert.equal(absentLocalDaemon(store).state, 'inactive');
      assert.match(statusBarView('local', 'inactive', 0, []).text, /Pipewright: inactive/);
      assert.match(statusBarView('local', 'active', 0, []).text, /Pipewright: active/);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });
});
