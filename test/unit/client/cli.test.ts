import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cliEnvironment, lastJsonLine, runArguments, runCli } from '../../../client/src/cli';
import { tempDir } from '../../support/tempDir';

const remote = { url: 'https://orchestrator.example:7420', token: 's3cret-token-value' };

describe('the CLI the extension runs', () => {
  it('submits to a remote orchestrator with --orchestrator URL and never puts the token in argv', () => {
    const args = runArguments('/w/p.ts', { pipeline: 'train' }, { lr: '0.1' }, remote);
    assert.deepEqual(args, ['run', '/w/p.ts', '--detach', '--json', '--pipeline', 'train', '--param', 'lr=0.1', '--orchestrator', 'https://orchestrator.example:7420']);
    assert.ok(!args.some((arg) => arg.includes(remote.token)));
    assert.deepEqual(runArguments('/w/p.ts', { step: 'fit' }, {}, remote), ['run', '/w/p.ts', '--detach', '--json', '--step', 'fit', '--orchestrator', remote.url]);
    // Local mode: no orchestrator option at all.
    assert.deepEqual(runArguments('/w/p.ts', { step: 'fit' }, {}), ['run', '/w/p.ts', '--detach', '--json', '--step', 'fit']);
  });

  it('passes the token in the environment, and drops an inherited orchestrator in local mode', () => {
    const base = { PATH: '/bin', PIPEWRIGHT_ORCHESTRATOR_URL: 'http://elsewhere:1', PIPEWRIGHT_ORCHESTRATOR_TOKEN: 'inherited' };
    const remoteEnv = cliEnvironment(base, remote);
    assert.equal(remoteEnv.PIPEWRIGHT_ORCHESTRATOR_TOKEN, remote.token);
    assert.equal(remoteEnv.PIPEWRIGHT_ORCHESTRATOR_URL, undefined, 'the URL goes in argv, from the settings');
    assert.equal(remoteEnv.ELECTRON_RUN_AS_NODE, '1');
    assert.equal(remoteEnv.PATH, '/bin');
    const localEnv = cliEnvironment(base);
    assert.equal('PIPEWRIGHT_ORCHESTRATOR_URL' in localEnv, false);
    assert.equal('PIPEWRIGHT_ORCHESTRATOR_TOKEN' in localEnv, false);
    assert.equal(base.PIPEWRIGHT_ORCHESTRATOR_TOKEN, 'inherited', 'the editor environment is not changed');
  });

  it("hands the CLI the remote orchestrator's CA file from the settings, never an inherited one", () => {
    const base = { PIPEWRIGHT_ORCHESTRATOR_CA_FILE: '/inherited/ca.pem' };
    assert.equal(cliEnvironment(base, { ...remote, caFile: '/settings/ca.pem' }).PIPEWRIGHT_ORCHESTRATOR_CA_FILE, '/settings/ca.pem');
    assert.equal('PIPEWRIGHT_ORCHESTRATOR_CA_FILE' in cliEnvironment(base, remote), false, 'a remote without a CA file: Node\'s CAs');
    assert.equal('PIPEWRIGHT_ORCHESTRATOR_CA_FILE' in cliEnvironment(base), false, 'local mode');
  });

  it('a real child process sees the token in its environment only', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'echo.js');
    fs.writeFileSync(script, 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), token: process.env.PIPEWRIGHT_ORCHESTRATOR_TOKEN ?? null, url: process.env.PIPEWRIGHT_ORCHESTRATOR_URL ?? null }) + "\\n");\n');
    const args = runArguments('/w/p.ts', { pipeline: 'train' }, {}, remote);
    const seen = lastJsonLine<{ argv: string[]; token: string | null; url: string | null }>((await runCli(script, args, dir, { remote })).stdout);
    assert.deepEqual(seen, { argv: args, token: remote.token, url: null });
    const local = lastJsonLine<{ token: string | null }>((await runCli(script, ['run', 'x.ts'], dir)).stdout);
    assert.equal(local?.token, null);
  });
});
