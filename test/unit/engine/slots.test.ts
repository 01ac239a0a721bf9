import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlotPool } from '../../../runtime/src/engine/slots';
import { limitsFromEnv } from '../../../runtime/src/model/environment';

describe('concurrency slots', () => {
  it('grants up to the limit, queues the rest first come first served, and frees on release', async () => {
    const pool = new SlotPool({ named: { gpu: 2 } });
    const order: string[] = [];
    const take = (holder: string) => pool.acquire(holder, ['global', 'limit:gpu']).then(() => order.push(holder));
    const a = take('a');
    const b = take('b');
    const c = take('c');
    void take('d');
    await Promise.all([a, b]);
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(pool.held, 2);
    assert.equal(pool.waiting, 2);
    pool.release('b');
    await c;
    assert.deepEqual(order, ['a', 'b', 'c']);
    pool.release('d'); // gave up while waiting: never granted
    pool.release('a');
    pool.release('c');
    assert.equal(pool.held, 0);
    assert.equal(pool.waiting, 0);
    assert.deepEqual(order, ['a', 'b', 'c']);
  });

  it('takes free slots at once with tryAcquire, and takes nothing when they are full or someone waits first', async () => {
    const pool = new SlotPool({ named: { gpu: 1 } });
    assert.equal(pool.tryAcquire('a', ['global', 'limit:gpu']), true);
    assert.equal(pool.held, 1);
    assert.equal(pool.tryAcquire('b', ['global', 'limit:gpu']), false, 'full');
    assert.equal(pool.held, 1);
    const waited = pool.acquire('c', ['global', 'limit:gpu']);
    assert.equal(pool.tryAcquire('d', ['global']), false, 'c waits first, as with acquire (first come, first served)');
    pool.release('a');
    await waited;
    assert.equal(pool.tryAcquire('e', ['global', 'limit:gpu']), false, 'c holds it now');
    void pool.acquire('f', ['global', 'limit:gpu']);
    pool.release('c');
    assert.equal(pool.tryAcquire('g', ['global', 'limit:gpu']), false, 'f came first and holds it');
    assert.equal(pool.waiting, 0);
    assert.equal(pool.tryAcquire('h', ['global']), true, 'with nobody waiting, a slot without a limit is free');
  });

  it('applies global, per-pipeline and named limits together, keeping the tightest pipeline limit', async () => {
    const pool = new SlotPool({ global: 3 });
    pool.limit('pipeline:p', 2);
    pool.limit('pipeline:p', 5);
    const granted: string[] = [];
    for (const holder of ['p1', 'p2', 'p3']) void pool.acquire(holder, ['global', 'pipeline:p']).then(() => granted.push(holder));
    void pool.acquire('q1', ['global', 'pipeline:q']).then(() => granted.push('q1'));
    await new Promise((resolve) => setImmediate(resolve));
    // p3 waits for the pipeline limit; q1 queues behind it (first come, first served).
    assert.deepEqual(granted, ['p1', 'p2']);
    pool.release('p1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(granted, ['p1', 'p2', 'p3', 'q1']);
  });

  it('reads limits from PIPEWRIGHT_LIMITS and rejects malformed ones', () => {
    assert.deepEqual(limitsFromEnv({ PIPEWRIGHT_LIMITS: 'global=8, gpu=1' }), { global: 8, named: { gpu: 1 } });
    assert.deepEqual(limitsFromEnv({}), {});
    assert.throws(() => limitsFromEnv({ PIPEWRIGHT_LIMITS: 'gpu=zero' }), /"gpu=zero" is not name=positive-integer/);
    assert.throws(() => limitsFromEnv({ PIPEWRIGHT_LIMITS: 'gpu=0' }), /not name=positive-integer/);
  });
});
