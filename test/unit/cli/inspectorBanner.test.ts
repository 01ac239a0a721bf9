/** Node's inspector lines on a runner's stderr, told apart from a step's own output. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectorEndpoint, readInspectorLine } from '../../../runtime/src/launch/inspectorBanner';

describe('inspector lines', () => {
  it('reads where the inspector listens, that it could not, and its notices; a step’s lines are not its', () => {
    assert.deepEqual(readInspectorLine('Debugger listening on ws://127.0.0.1:40183/198b6cda-4cdc-4f58-96f1-4fc1fc6b2922\n'), { kind: 'listening', url: 'ws://127.0.0.1:40183/198b6cda-4cdc-4f58-96f1-4fc1fc6b2922' });
    assert.deepEqual(readInspectorLine('Starting inspector on 127.0.0.1:45678 failed: address already in use\n'), { kind: 'failed', message: 'Starting inspector on 127.0.0.1:45678 failed: address already in use' });
    for (const notice of ['For help, see: https://nodejs.org/en/docs/inspector\n', 'Debugger attached.\n', 'Waiting for the debugger to disconnect...\n', 'Debugger ending on ws://127.0.0.1:1/x\n']) {
      assert.deepEqual(readInspectorLine(notice), { kind: 'notice' }, notice);
    }
    assert.equal(readInspectorLine('scaled 5 values by 30\n'), undefined);
    assert.equal(readInspectorLine('my Debugger listening on ws://x\n'), undefined, 'only at the start of a line');
  });

  it('gives the host, port and a DevTools URL of a WebSocket URL', () => {
    assert.deepEqual(inspectorEndpoint('ws://127.0.0.1:40183/198b'), {
      url: 'ws://127.0.0.1:40183/198b',
      host: '127.0.0.1',
      port: 40183,
      devtoolsUrl: 'devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=127.0.0.1:40183/198b',
    });
  });
});
