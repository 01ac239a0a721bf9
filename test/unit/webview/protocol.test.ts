import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEnvelope, MessageChannel } from '../../../contracts/src/messageChannel';
import type { FromWebview, ToWebview } from '../../../contracts/src/webviewMessages';

describe('webview message protocol', () => {
  it('recognises envelopes and rejects malformed messages', () => {
    assert.equal(isEnvelope({ id: 1, body: { kind: 'ready' } }), true);
    assert.equal(isEnvelope({ id: 1, inReplyTo: 'x', body: { kind: 'ready' } }), false);
    assert.equal(isEnvelope({ id: 1, body: {} }), false);
    assert.equal(isEnvelope(null), false);
  });

  it('wraps bodies, dispatches them and correlates replies on both sides', async () => {
    const toWebview: unknown[] = [];
    const toExtension: unknown[] = [];
    const received: FromWebview[] = [];
    const extension = new MessageChannel<ToWebview, FromWebview>({ postMessage: (m) => toWebview.push(m) }, (body) => {
      received.push(body);
      return body.kind === 'ready' ? { kind: 'ack' } : undefined;
    });
    const webview = new MessageChannel<FromWebview, ToWebview>({ postMessage: (m) => toExtension.push(m) }, () => undefined);
    const reply = webview.request({ kind: 'ready' });
    assert.deepEqual(toExtension, [{ id: 1, body: { kind: 'ready' } }]);
    assert.equal(extension.receive(toExtension[0]), true);
    assert.deepEqual(toWebview, [{ id: 1, inReplyTo: 1, body: { kind: 'ack' } }]);
    assert.equal(webview.receive(toWebview[0]), true);
    assert.deepEqual(await reply, { kind: 'ack' });
    assert.deepEqual(received, [{ kind: 'ready' }]);
    assert.equal(extension.receive({ nonsense: true }), false);
  });
});
