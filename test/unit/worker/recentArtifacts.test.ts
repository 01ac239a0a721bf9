// The worker's memory of recent small artifacts: bounded by their bytes, the oldest (least lately
// kept or asked again) forgotten first, one too large for the bound never kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentArtifacts } from '../../../runtime/src/worker/recentArtifacts';

describe("a worker's recent artifacts", () => {
  it('forgets the oldest once the bytes kept pass the bound; keeping one again makes it the newest', () => {
    const recent = new RecentArtifacts(10);
    recent.keep('a', Buffer.alloc(4, 1));
    recent.keep('b', Buffer.alloc(4, 2));
    recent.keep('a', Buffer.alloc(4, 1));
    recent.keep('c', Buffer.alloc(4, 3));
    assert.equal(recent.get('b'), undefined, 'b was the oldest');
    assert.deepEqual(recent.get('a'), Buffer.alloc(4, 1));
    assert.deepEqual(recent.get('c'), Buffer.alloc(4, 3));
    recent.keep('big', Buffer.alloc(11));
    assert.equal(recent.get('big'), undefined);
    assert.ok(recent.get('a') && recent.get('c'), 'what was kept stays');
  });
});
