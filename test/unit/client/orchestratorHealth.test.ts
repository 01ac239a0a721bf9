/** How the Orchestrator view words a connection's health and its event stream, live. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthDetail, SILENT_AFTER_MS, streamLine } from '../../../client/src/orchestratorHealth';

describe('orchestrator health wording', () => {
  const daemon = { pid: 4242, version: '0.1.0', runsInFlight: 2 };

  it("says what the daemon's health answered, and that it is unreachable (and why) while its stream is down", () => {
    assert.equal(healthDetail({ daemon }), 'pid 4242, 2 run(s) in flight, version 0.1.0');
    assert.equal(healthDetail({ daemon, droppedAt: 1000, dropReason: 'fetch failed: connect ECONNREFUSED 127.0.0.1:7420' }), 'unreachable: fetch failed: connect ECONNREFUSED 127.0.0.1:7420 (reconnecting)');
  });

  it('ages the stream: heard just now, seconds ago, silent past two missed keep-alives, down since the drop', () => {
    const now = 1_000_000;
    assert.deepEqual(streamLine({ daemon }, now - 500, now), { text: 'heard just now', level: 'ok' });
    assert.deepEqual(streamLine({ daemon }, now - 14_000, now), { text: 'heard 14 s ago', level: 'ok' });
    assert.equal(streamLine({ daemon }, now - SILENT_AFTER_MS, now).level, 'ok', 'a keep-alive every 15 s: 35 s is still on time');
    assert.deepEqual(streamLine({ daemon }, now - 42_000, now), { text: 'silent for 42 s (it sends a keep-alive every 15 s)', level: 'silent' });
    assert.deepEqual(streamLine({ daemon, droppedAt: now - 1000 }, now - 60_000, now), { text: 'down just now, reconnecting', level: 'down' });
    assert.deepEqual(streamLine({ daemon, droppedAt: now - 12_000 }, now - 60_000, now), { text: 'down for 12 s, reconnecting', level: 'down' });
  });
});
