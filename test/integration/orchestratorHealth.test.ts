// The Orchestrator view's health, live, over the real parts (no VS Code): the extension's
// orchestrator connection following a real daemon's event stream. The daemon is killed (SIGKILL:
// its endpoint file stays, so nothing but the stream can tell): the connection says at once that
// it is unreachable; a new daemon on the same store comes back on the same port, and the
// connection, on its own stream's reconnection, says it is up again with the new pid, and
// follows runs as before.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { OrchestratorConnection } from '../../client/src/orchestratorConnection';
import { streamLine } from '../../client/src/orchestratorHealth';
import { startDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { lastJson } from '../support/cli';
import { basics, pw, type Summary } from '../support/cliWorkflow';
import { tempProject } from '../support/tempDir';
import { isAlive, waitFor } from '../support/waitFor';

describe("the Orchestrator view's health follows the daemon", () => {
  const project = tempProject();
  const store = path.join(project, '.pipewright');
  const pipelineFile = path.join(project, 'basics.ts');
  fs.copyFileSync(basics, pipelineFile);
  const logged: string[] = [];
  const connection = new OrchestratorConnection((message) => logged.push(message));
  after(async () => {
    connection.disconnect();
    await stopDaemon(store);
  });

  it('says the daemon is unreachable as soon as it dies, and connected again, with its new pid, when it is back', async () => {
    const first = await startDaemon(store);
    await connection.connect('local', first.url!, fs.readFileSync(daemonFiles(store).token, 'utf8'));
    assert.equal(connection.info.state, 'active');
    assert.equal(connection.info.health?.daemon?.pid, first.pid);
    assert.match(connection.info.detail, new RegExp(`^pid ${first.pid}, 0 run\\(s\\) in flight, version `));
    assert.equal(streamLine(connection.info.health!, connection.heardAt, Date.now()).text, 'heard just now');

    const states: string[] = [];
    connection.onInfo((info) => states.push(info.state));
    process.kill(first.pid!, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor('the connection to say the daemon is unreachable', () => connection.info.state === 'disconnected', 10_000);
    const noticedMs = Date.now() - killedAt;
    assert.match(connection.info.detail, /^unreachable: .* \(reconnecting\)$/);
    const down = streamLine(connection.info.health!, connection.heardAt, Date.now());
    assert.equal(down.level, 'down');
    assert.match(down.text, /^down (just now|for \d+ s), reconnecting$/);
    await waitFor('the killed daemon to be gone', () => !isAlive(first.pid!), 10_000);

    // A new daemon for the store: the stream's own retries find it (same port), no reconnect asked.
    const second = await startDaemon(store);
    assert.notEqual(second.pid, first.pid);
    assert.equal(second.url, first.url, 'the new daemon listens where the old one did');
    await waitFor('the connection to be active again', () => connection.info.state === 'active' && connection.info.health?.daemon?.pid === second.pid, 30_000);
    assert.equal(connection.info.health?.droppedAt, undefined);
    assert.match(connection.info.detail, new RegExp(`^pid ${second.pid}, `));
    assert.deepEqual([...new Set(states)], ['disconnected', 'active'], 'down once, then up');
    process.stdout.write(`# the connection said unreachable ${noticedMs} ms after the kill\n`);

    // It follows runs on the new daemon's stream as before.
    const run = lastJson<Summary>(await pw(store, ['run', pipelineFile, '--param', 'count=6', '--json']));
    assert.equal(run.status, 'completed');
    await waitFor('the run to end on the event stream', () => connection.runs.runs[run.runId]?.status === 'completed', 30_000);
    assert.ok(logged.some((line) => line.startsWith('event stream dropped: ')), logged.join('\n'));
  });
});
