import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../runtime/src/engine/clock';
import { Scheduler, type SchedulerAction, type SchedulerNode } from '../../../runtime/src/engine/scheduler';
import type { ExecutionMode, StepStatus } from '../../../runtime/src/model/status';

/** ZenML's documented example: 1 -> {2,3,4}, 2 -> 5, 3 -> 6, 4 -> 7, {5,6,7} -> 8. */
const EXAMPLE: SchedulerNode[] = [
  { id: 's1', upstream: [] },
  { id: 's2', upstream: ['s1'] },
  { id: 's3', upstream: ['s1'] },
  { id: 's4', upstream: ['s1'] },
  { id: 's5', upstream: ['s2'] },
  { id: 's6', upstream: ['s3'] },
  { id: 's7', upstream: ['s4'] },
  { id: 's8', upstream: ['s5', 's6', 's7'] },
];

function started(actions: SchedulerAction[]): string[] {
  return actions.flatMap((a) => (a.type === 'start' ? [a.id] : []));
}

function statuses(scheduler: Scheduler): Record<string, StepStatus> {
  return Object.fromEntries(EXAMPLE.map((n) => [n.id, scheduler.status(n.id)]));
}

/** Runs the example where s2 fails while s3 and s4 are running, then lets everything else succeed. */
function runExample(mode: ExecutionMode): { scheduler: Scheduler; finished?: string; stopped: string[]; startedAfterFailure: string[] } {
  const scheduler = new Scheduler(EXAMPLE, { mode, maxParallel: 10 });
  let actions = scheduler.start();
  assert.deepEqual(started(actions), ['s1']);
  actions = scheduler.handle({ type: 'succeeded', id: 's1' });
  assert.deepEqual(started(actions).sort(), ['s2', 's3', 's4']);
  actions = scheduler.handle({ type: 'failed', id: 's2', error: 'boom' });
  const stopped = actions.flatMap((a) => (a.type === 'stop' ? [a.id] : []));
  const startedAfterFailure = started(actions);
  let finished = actions.find((a) => a.type === 'finished');
  // Whatever is still running completes; anything newly started completes too.
  const pending = [...startedAfterFailure, 's3', 's4'];
  while (pending.length > 0 && !finished) {
    const id = pending.shift() as string;
    if (scheduler.status(id) !== 'running') continue;
    actions = scheduler.handle({ type: 'succeeded', id });
    startedAfterFailure.push(...started(actions));
    pending.push(...started(actions));
    finished = actions.find((a) => a.type === 'finished');
  }
  return { scheduler, finished: finished?.type === 'finished' ? finished.status : undefined, stopped, startedAfterFailure };
}

describe('execution modes (ZenML example: 2 fails while 3 and 4 run)', () => {
  it('failFast cancels 3 and 4 and skips everything else', () => {
    const { scheduler, finished, stopped, startedAfterFailure } = runExample('failFast');
    assert.deepEqual(stopped.sort(), ['s3', 's4']);
    assert.deepEqual(startedAfterFailure, []);
    assert.deepEqual(statuses(scheduler), {
      s1: 'completed', s2: 'failed', s3: 'cancelled', s4: 'cancelled', s5: 'skipped', s6: 'skipped', s7: 'skipped', s8: 'skipped',
    });
    assert.equal(finished, 'failed');
  });

  it('stopOnFailure lets 3 and 4 finish and skips 5 to 8', () => {
    const { scheduler, finished, stopped, startedAfterFailure } = runExample('stopOnFailure');
    assert.deepEqual(stopped, []);
    assert.deepEqual(startedAfterFailure, []);
    assert.deepEqual(statuses(scheduler), {
      s1: 'completed', s2: 'failed', s3: 'completed', s4: 'completed', s5: 'skipped', s6: 'skipped', s7: 'skipped', s8: 'skipped',
    });
    assert.equal(finished, 'failed');
  });

  it('continueOnFailure skips 5 and 8 and runs 6 and 7', () => {
    const { scheduler, finished, stopped, startedAfterFailure } = runExample('continueOnFailure');
    assert.deepEqual(stopped, []);
    assert.deepEqual(startedAfterFailure.sort(), ['s6', 's7']);
    assert.deepEqual(statuses(scheduler), {
      s1: 'completed', s2: 'failed', s3: 'completed', s4: 'completed', s5: 'skipped', s6: 'completed', s7: 'completed', s8: 'skipped',
    });
    assert.equal(finished, 'failed');
  });
});

describe('retries', () => {
  it('waits delay, delay*backoff, delay*backoff^2 between attempts (fake clock)', () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler([{ id: 'fit', upstream: [], retry: { maxRetries: 3, delay: 10, backoff: 2 } }], { mode: 'continueOnFailure', maxParallel: 1 });
    const startTimes: number[] = [];
    let finished: string | undefined;
    const apply = (actions: SchedulerAction[]) => {
      for (const action of actions) {
        if (action.type === 'start') {
          startTimes.push(clock.now());
          // Fail every attempt, asynchronously as a runner would.
          clock.setTimer(0, () => apply(scheduler.handle({ type: 'failed', id: 'fit', error: `attempt ${action.attempt} failed` })));
        } else if (action.type === 'retryLater') {
          clock.setTimer(action.delayMs, () => apply(scheduler.handle({ type: 'retryDue', id: 'fit' })));
        } else if (action.type === 'finished') {
          finished = action.status;
        }
      }
    };
    apply(scheduler.start());
    clock.advance(1_000_000);
    assert.deepEqual(startTimes, [0, 10_000, 30_000, 70_000]);
    assert.equal(scheduler.status('fit'), 'failed');
    assert.equal(finished, 'failed');
  });

  it('succeeds on a retry and does not retry a non-retryable failure', () => {
    const scheduler = new Scheduler(
      [
        { id: 'a', upstream: [], retry: { maxRetries: 2, delay: 0, backoff: 1 } },
        { id: 'b', upstream: [], retry: { maxRetries: 5, delay: 0, backoff: 1 } },
      ],
      { mode: 'continueOnFailure', maxParallel: 2 },
    );
    scheduler.start();
    const retry = scheduler.handle({ type: 'failed', id: 'a', error: 'flaky' });
    assert.ok(retry.some((a) => a.type === 'retryLater' && a.id === 'a' && a.nextAttempt === 2));
    const again = scheduler.handle({ type: 'retryDue', id: 'a' });
    assert.deepEqual(again.filter((a) => a.type === 'start'), [{ type: 'start', id: 'a', attempt: 2 }]);
    scheduler.handle({ type: 'succeeded', id: 'a' });
    const permanent = scheduler.handle({ type: 'failed', id: 'b', error: 'bad input', retryable: false });
    assert.ok(!permanent.some((a) => a.type === 'retryLater'));
    assert.equal(scheduler.status('a'), 'completed');
    assert.equal(scheduler.status('b'), 'failed');
  });
});

describe('scheduling', () => {
  it('never runs more than maxParallel at once and starts in DAG order', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, upstream: [] }));
    const scheduler = new Scheduler(nodes, { mode: 'continueOnFailure', maxParallel: 3 });
    const running = new Set<string>(started(scheduler.start()));
    assert.deepEqual([...running], ['n0', 'n1', 'n2']);
    const order = [...running];
    let finished: string | undefined;
    while (running.size > 0) {
      const id = [...running][0];
      running.delete(id);
      const actions = scheduler.handle({ type: 'succeeded', id });
      for (const next of started(actions)) {
        running.add(next);
        order.push(next);
      }
      assert.ok(running.size <= 3);
      finished = actions.find((a) => a.type === 'finished')?.type === 'finished' ? 'yes' : finished;
    }
    assert.deepEqual(order, nodes.map((n) => n.id));
    assert.equal(finished, 'yes');
  });

  it('cancel stops running steps, cancels pending ones and ends the run cancelled', () => {
    const scheduler = new Scheduler(
      [
        { id: 'a', upstream: [] },
        { id: 'b', upstream: ['a'] },
      ],
      { mode: 'continueOnFailure', maxParallel: 2 },
    );
    scheduler.start();
    const actions = scheduler.handle({ type: 'cancel' });
    assert.deepEqual(actions.filter((a) => a.type === 'stop'), [{ type: 'stop', id: 'a' }]);
    assert.equal(scheduler.status('a'), 'cancelled');
    assert.equal(scheduler.status('b'), 'cancelled');
    assert.deepEqual(actions.at(-1), { type: 'finished', status: 'cancelled' });
    // A late result from the stopped runner changes nothing: terminal states never change back.
    assert.deepEqual(scheduler.handle({ type: 'succeeded', id: 'a' }), []);
    assert.equal(scheduler.status('a'), 'cancelled');
  });

  it('rejects unknown upstream ids', () => {
    assert.throws(() => new Scheduler([{ id: 'a', upstream: ['ghost'] }], { mode: 'failFast', maxParallel: 1 }), /unknown node "ghost"/);
  });
});

describe('lost attempts', () => {
  it('retries a lost attempt at once without using retries, then crashes the step when maxLostRetries is spent', () => {
    const scheduler = new Scheduler(
      [
        { id: 'a', upstream: [], retry: { maxRetries: 0, delay: 0, backoff: 1 }, maxLostRetries: 2 },
        { id: 'b', upstream: ['a'] },
      ],
      { mode: 'continueOnFailure', maxParallel: 1 },
    );
    assert.deepEqual(started(scheduler.start()), ['a']);
    assert.deepEqual(scheduler.handle({ type: 'lost', id: 'a', error: 'runner died' }).filter((x) => x.type === 'start'), [{ type: 'start', id: 'a', attempt: 2 }]);
    assert.deepEqual(scheduler.handle({ type: 'lost', id: 'a', error: 'runner died' }).filter((x) => x.type === 'start'), [{ type: 'start', id: 'a', attempt: 3 }]);
    const last = scheduler.handle({ type: 'lost', id: 'a', error: 'runner died' });
    assert.equal(scheduler.status('a'), 'crashed');
    assert.equal(scheduler.status('b'), 'skipped');
    assert.ok(last.some((x) => x.type === 'status' && x.id === 'a' && x.status === 'crashed' && /lost 3 times/.test(x.error ?? '')));
    assert.deepEqual(last.at(-1), { type: 'finished', status: 'failed' });
  });

  it('a lost attempt after a user retry keeps counting attempts', () => {
    const scheduler = new Scheduler([{ id: 'a', upstream: [], retry: { maxRetries: 1, delay: 0, backoff: 1 } }], { mode: 'failFast', maxParallel: 1 });
    scheduler.start();
    scheduler.handle({ type: 'failed', id: 'a', error: 'bug' });
    assert.deepEqual(scheduler.handle({ type: 'retryDue', id: 'a' }).filter((x) => x.type === 'start'), [{ type: 'start', id: 'a', attempt: 2 }]);
    assert.deepEqual(scheduler.handle({ type: 'lost', id: 'a', error: 'gone' }).filter((x) => x.type === 'start'), [{ type: 'start', id: 'a', attempt: 3 }]);
    scheduler.handle({ type: 'succeeded', id: 'a' });
    assert.equal(scheduler.status('a'), 'completed');
  });
});

describe('relinquished attempts', () => {
  it('runs a handed-back attempt again at once, first in line, charged to neither retry nor maxLostRetries', () => {
    const scheduler = new Scheduler(
      [
        { id: 'a', upstream: [], retry: { maxRetries: 0, delay: 5, backoff: 1 }, maxLostRetries: 0 },
        { id: 'b', upstream: [] },
      ],
      { mode: 'continueOnFailure', maxParallel: 1 },
    );
    assert.deepEqual(started(scheduler.start()), ['a']);
    // Handed back three times (three drained workers): each time straight back, ahead of b, never crashed.
    for (const attempt of [2, 3, 4]) {
      const actions = scheduler.handle({ type: 'relinquished', id: 'a' });
      assert.deepEqual(actions.filter((x) => x.type === 'start' || x.type === 'retryLater'), [{ type: 'start', id: 'a', attempt }]);
      assert.equal(scheduler.status('a'), 'running');
    }
    // A loss after them is the first one counted: with maxLostRetries 0 it crashes the step.
    scheduler.handle({ type: 'lost', id: 'a', error: 'gone' });
    assert.equal(scheduler.status('a'), 'crashed');
  });

  it('a handed-back attempt of a cancelled run ends cancelled', () => {
    const scheduler = new Scheduler([{ id: 'a', upstream: [] }], { mode: 'continueOnFailure', maxParallel: 1 });
    scheduler.start();
    scheduler.handle({ type: 'cancel' });
    assert.deepEqual(scheduler.handle({ type: 'relinquished', id: 'a' }), []);
    assert.equal(scheduler.status('a'), 'cancelled');
  });
});

describe('at scale', () => {
  it('a failure at the head of a 100,000-step chain skips every step below it, in chain order', () => {
    const length = 100_000;
    const chain = Array.from({ length }, (_, i) => ({ id: `c${i}`, upstream: i === 0 ? [] : [`c${i - 1}`] }));
    const scheduler = new Scheduler(chain, { mode: 'continueOnFailure', maxParallel: 2 });
    assert.deepEqual(started(scheduler.start()), ['c0']);
    const actions = scheduler.handle({ type: 'failed', id: 'c0', error: 'boom', retryable: false });
    const skipped = actions.flatMap((a) => (a.type === 'status' && a.status === 'skipped' ? [a.id] : []));
    assert.equal(skipped.length, length - 1);
    assert.deepEqual([skipped[0], skipped.at(-1)], ['c1', `c${length - 1}`]);
    assert.deepEqual(actions.at(-1), { type: 'finished', status: 'failed' });
  });

  it('cancelling a 100,000-step chain cancels every step', () => {
    const length = 100_000;
    const chain = Array.from({ length }, (_, i) => ({ id: `c${i}`, upstream: i === 0 ? [] : [`c${i - 1}`] }));
    const scheduler = new Scheduler(chain, { mode: 'continueOnFailure', maxParallel: 2 });
    scheduler.start();
    const actions = scheduler.handle({ type: 'cancel' });
    assert.equal(actions.filter((a) => a.type === 'status' && a.status === 'cancelled').length, length);
    assert.equal(scheduler.status(`c${length - 1}`), 'cancelled');
    assert.deepEqual(actions.at(-1), { type: 'finished', status: 'cancelled' });
  });

  it('reads a fan-in step’s inputs once in all, not once per upstream that ends', () => {
    const width = 1000;
    const roots = Array.from({ length: width }, (_, i) => ({ id: `r${i}`, upstream: [] as string[] }));
    // Counts reads of the fan-in step's upstream list (a rescan after each upstream reads it whole).
    let reads = 0;
    const upstream = new Proxy(
      roots.map((root) => root.id),
      {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads += 1;
          return Reflect.get(target, key, receiver) as unknown;
        },
      },
    );
    const scheduler = new Scheduler([...roots, { id: 'gather', upstream }], { mode: 'continueOnFailure', maxParallel: 4 });
    const running = started(scheduler.start());
    const order: string[] = [];
    for (let next = running.shift(); next !== undefined; next = running.shift()) {
      order.push(next);
      running.push(...started(scheduler.handle({ type: 'succeeded', id: next })));
    }
    assert.deepEqual(order.slice(-2), [`r${width - 1}`, 'gather'], 'the fan-in starts once every upstream succeeded');
    assert.equal(scheduler.status('gather'), 'completed');
    assert.ok(reads <= width, `${reads} reads of the fan-in's ${width} inputs`);
  });
});
