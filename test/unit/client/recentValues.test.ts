import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentValues } from '../../../client/src/recentValues';

function memoryStore() {
  const data = new Map<string, unknown>();
  return { get: <T>(key: string) => data.get(key) as T | undefined, update: async (key: string, value: unknown) => void data.set(key, value) };
}

describe('recent values', () => {
  it('keeps newest first, without duplicates, per pipeline and parameter, capped', async () => {
    const recent = new RecentValues(memoryStore(), 3);
    for (const value of ['a', 'b', 'a', 'c', 'd']) await recent.remember('train', 'lr', value);
    assert.deepEqual(recent.get('train', 'lr'), ['d', 'c', 'a']);
    assert.deepEqual(recent.get('train', 'path'), []);
    assert.deepEqual(recent.get('other', 'lr'), []);
  });
});
