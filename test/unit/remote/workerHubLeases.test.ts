// The daemon's queue of worker jobs with a lease book (store/workerLeaseBook.ts): what it asks of
// the book and what it answers the worker. The book here keeps its leases in a map and is told
// which ones it no longer holds; the PostgreSQL book itself is tested against a real database
// (test/contracts/postgresRunStore.test.ts, test/faults/storeClockLeases.test.ts).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { WorkerJob, WorkerReply } from '../../../runtime/src/model/workerProtocol';
import type { RemoteLauncher } from '../../../runtime/src/remote/remoteLauncher';
import { WorkerHub } from '../../../runtime/src/remote/workerHub';
import { pipelineTarget } from '../../../runtime/src/model/runTarget';
import type { AttemptName, HeldAttempt, LeasedAttempt, WorkerLease, WorkerLeaseBook } from '../../../runtime/src/store/workerLeaseBook';

class MapLeaseBook implements WorkerLeaseBook {
  readonly claims: { attempt: LeasedAttempt; worker: string; ttlMs: number }[] = [];
  readonly renewals: { worker: string; leases: WorkerLease[]; ttlMs: number }[] = [];
  readonly ended: WorkerLease[] = [];
  /** Leases the store no longer holds (expired, say). */
  readonly gone = new Set<number>();
  private next = 1;

  async claim(attempt: LeasedAttempt, worker: string, ttlMs: number, jobId: string): Promise<WorkerLease> {
    assert.ok(jobId.length > 0, 'a claim names its job');
    this.claims.push({ attempt, worker, ttlMs });
    return { attemptId: this.next++, epoch: 1 };
  }

  async renew(worker: string, leases: readonly WorkerLease[], ttlMs: number): Promise<{ held: WorkerLease[]; fenced: WorkerLease[] }> {
    this.renewals.push({ worker, leases: [...leases], ttlMs });
    return { held: leases.filter((l) => !this.gone.has(l.attemptId)), fenced: leases.filter((l) => this.gone.has(l.attemptId)) };
  }

  async end(leases: readonly WorkerLease[]): Promise<void> {
    this.ended.push(...leases);
  }

  /** Leases an earlier leader's claims took, by job id, still held by their workers. */
  readonly heldByJob = new Map<string, HeldAttempt & { attempt: AttemptName }>();
  readonly jobRenewals: { worker: string; jobIds: string[] }[] = [];

  async heldAttempt(attempt: AttemptName): Promise<HeldAttempt | undefined> {
    const found = [...this.heldByJob.values()].find((held) => held.attempt.runId === attempt.runId && held.attempt.invocationId === attempt.invocationId && held.attempt.attempt === attempt.attempt);
    return found && !this.gone.has(found.lease.attemptId) ? { lease: found.lease, worker: found.worker, jobId: found.jobId, ttlMs: found.ttlMs } : undefined;
  }

  async renewJobs(worker: string, jobIds: readonly string[]): Promise<string[]> {
    this.jobRenewals.push({ worker, jobIds: [...jobIds] });
    return jobIds.filter((id) => this.heldByJob.get(id)?.worker === worker && !this.gone.has(this.heldByJob.get(id)!.lease.attemptId));
  }

  startReaper(): { stop(): Promise<void> } {
    return { stop: async () => undefined };
  }
}

const run = { runId: 'r', runName: 'n', pipeline: 'p', target: pipelineTarget('p'), parameters: {} };
let hub: WorkerHub;

function executeJob(invocationId: string, timeoutMs = 4000) {
  const task = { run, invocationId, stepName: invocationId, attempt: 1, inputs: {}, inputTypes: {}, lease: { url: 'http://x', token: 't', intervalMs: 100, timeoutMs } };
  return { job: { kind: 'execute', task, bundleHash: 'a'.repeat(64) } as Omit<WorkerJob, 'jobId'>, pool: 'default', owner: { runId: 'r', invocationId, attempt: 1 }, launcher: {} as RemoteLauncher, config: { bundlePath: 'b', artifactsDir: 'a', workingDir: 'w', projectDir: 'p' } };
}

/** Queues an execute job of `invocationId` (lease timeout `timeoutMs`); its settled reply. */
function queue(invocationId: string, timeoutMs = 4000): { replies: WorkerReply[] } {
  const replies: WorkerReply[] = [];
  hub.enqueue({ ...executeJob(invocationId, timeoutMs), settle: (reply) => replies.push(reply) });
  return { replies };
}

async function claim(workerId: string): Promise<string> {
  const answer = await hub.claim({ workerId, pool: 'default', labels: {}, concurrency: 4, waitMs: 0 });
  assert.ok(answer.job, 'a job is handed');
  return answer.job.jobId;
}

afterEach(() => hub?.close());

describe('the queue of worker jobs with a lease book', () => {
  it("takes the attempt's lease when a worker claims it, for the step's own lease timeout, and renews all the worker's leases in one call per timeout", async () => {
    const book = new MapLeaseBook();
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    queue('a', 4000);
    queue('b', 4000);
    queue('c', 9000);
    const jobs = [await claim('w1'), await claim('w1'), await claim('w1')];
    assert.deepEqual(book.claims.map((c) => [c.attempt.invocationId, c.attempt.attempt, c.attempt.pool, c.worker, c.ttlMs]), [['a', 1, 'default', 'w1', 4000], ['b', 1, 'default', 'w1', 4000], ['c', 1, 'default', 'w1', 9000]]);
    const answer = await hub.beat({ workerId: 'w1', jobs });
    assert.deepEqual(answer, { stop: [], abandon: [] });
    assert.deepEqual(book.renewals.map((r) => [r.worker, r.leases.map((l) => l.attemptId), r.ttlMs]), [['w1', [1, 2], 4000], ['w1', [3], 9000]]);
  });

  it('a lease the store no longer holds: the beat says to abandon it, its job ends as lost, and the lease is ended', async () => {
    const book = new MapLeaseBook();
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    const { replies } = queue('a');
    const job = await claim('w1');
    book.gone.add(1);
    assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: [job] }), { stop: [], abandon: [job] });
    assert.equal(replies.length, 1);
    assert.equal(replies[0]!.kind === 'failed' && replies[0]!.error.lost, true, JSON.stringify(replies));
    assert.deepEqual(book.ended, [{ attemptId: 1, epoch: 1 }]);
    // Still listed by the worker later, it is still to be abandoned (not merely stopped).
    assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: [job] }), { stop: [], abandon: [job] });
  });

  it("leaves a leased success to the store's commit, which checks the lease: nothing renewed first, its small outputs' bytes carried to the commit, not kept here", async () => {
    const book = new MapLeaseBook();
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    const ends: { reply: WorkerReply; carried?: ReadonlyMap<string, Buffer> }[] = [];
    hub.enqueue({ ...executeJob('a'), settle: (reply, carried) => ends.push({ reply, carried }) });
    const job = await claim('w1');
    book.gone.add(1);
    let kept = false;
    const carried = new Map([['h'.repeat(64), Buffer.from('bytes')]]);
    const answer = await hub.reply(job, 'w1', { kind: 'executed', outputs: {} }, { carried, keep: async () => void (kept = true) });
    assert.deepEqual(answer, { accepted: true });
    assert.equal(book.renewals.length, 0, 'no renewal on the way: the commit checks the lease by the database clock');
    assert.equal(kept, false, 'the bytes were left for the commit');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.reply.kind, 'executed');
    assert.equal(ends[0]!.carried, carried);
  });

  it('keeps the outputs of any other reply before it settles: a failure, a job of no lease, or a success with nothing carried', async () => {
    const book = new MapLeaseBook();
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    const ends: { reply: WorkerReply; carried?: ReadonlyMap<string, Buffer> }[] = [];
    for (const id of ['a', 'b']) hub.enqueue({ ...executeJob(id), settle: (reply, carried) => ends.push({ reply, carried }) });
    const [first, second] = [await claim('w1'), await claim('w1')];
    let kept = 0;
    const keep = async () => void (kept += 1);
    await hub.reply(first, 'w1', { kind: 'failed', error: { name: 'Error', message: 'boom', retryable: true } }, { carried: new Map(), keep });
    await hub.reply(second, 'w1', { kind: 'executed', outputs: {} }, { keep });
    assert.equal(kept, 2);
    assert.deepEqual(ends.map((end) => [end.reply.kind, end.carried]), [['failed', undefined], ['executed', undefined]]);
  });

  it("ends as lost the jobs whose leases the store's reaper expired, and ends the leases of no job here (taken for an earlier leader)", async () => {
    const book = new MapLeaseBook();
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    const { replies } = queue('a');
    const job = await claim('w1');
    hub.leasesExpired([{ attemptId: 1, epoch: 1 }, { attemptId: 77, epoch: 3 }]);
    assert.equal(replies.length, 1);
    assert.match(replies[0]!.kind === 'failed' ? replies[0]!.error.message : '', /the lease of worker w1 expired by the store's clock: no beat renewed it within 4000 ms/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(book.ended, [{ attemptId: 1, epoch: 1 }, { attemptId: 77, epoch: 3 }]);
    assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: [job] }), { stop: [], abandon: [job] });
  });

  it("adopts a job a worker still runs for the daemon that led before: its beats renew it meanwhile, its result waits for the adoption and settles it", async () => {
    const book = new MapLeaseBook();
    book.heldByJob.set('old-job', { attempt: { runId: 'r', invocationId: 'a', attempt: 1 }, lease: { attemptId: 41, epoch: 2 }, worker: 'w1', jobId: 'old-job', ttlMs: 4000 });
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    // Before the run is resumed here, the job is unknown: renewed in the store, not stopped. A job nobody holds is stopped.
    assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: ['old-job', 'nobodys'] }), { stop: ['nobodys'], abandon: [] });
    assert.deepEqual(book.jobRenewals, [{ worker: 'w1', jobIds: ['old-job', 'nobodys'] }]);
    // Another worker listing it holds nothing by it.
    assert.deepEqual(await hub.beat({ workerId: 'w2', jobs: ['old-job'] }), { stop: ['old-job'], abandon: [] });
    // Its result arrives first and waits.
    const replied = hub.reply('old-job', 'w1', { kind: 'executed', outputs: {} });
    let answered = false;
    void replied.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(answered, false, 'the result waits for its job to be adopted');
    const adopted = hub.adopt(executeJob('a'));
    assert.deepEqual(await replied, { accepted: true });
    assert.deepEqual(await adopted, { reply: { kind: 'executed', outputs: {} }, carried: undefined });
    assert.equal(book.claims.length, 0, 'nothing was claimed again');
  });

  it('an adopted job is held by its worker as any other (renewed by its lease, fenced when the store no longer holds it); one no worker holds any more is lost at once', async () => {
    const book = new MapLeaseBook();
    book.heldByJob.set('old-job', { attempt: { runId: 'r', invocationId: 'a', attempt: 1 }, lease: { attemptId: 41, epoch: 2 }, worker: 'w1', jobId: 'old-job', ttlMs: 4000 });
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    const adopted = hub.adopt(executeJob('a'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: ['old-job'] }), { stop: [], abandon: [] });
    assert.deepEqual(book.renewals.at(-1), { worker: 'w1', leases: [{ attemptId: 41, epoch: 2 }], ttlMs: 4000 });
    book.gone.add(41);
    assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: ['old-job'] }), { stop: [], abandon: ['old-job'] });
    const { reply } = await adopted;
    assert.equal(reply.kind === 'failed' && reply.error.lost, true, JSON.stringify(reply));
    const gone = (await hub.adopt(executeJob('a'))).reply;
    assert.match(gone.kind === 'failed' ? gone.error.message : '', /^no worker holds attempt 1 of "a" any more/);
  });

  it('tells a worker to stop a job of the earlier leader that no resumed run adopted within the grace, and refuses its result', async () => {
    const book = new MapLeaseBook();
    book.heldByJob.set('old-job', { attempt: { runId: 'r', invocationId: 'a', attempt: 1 }, lease: { attemptId: 41, epoch: 2 }, worker: 'w1', jobId: 'old-job', ttlMs: 4000 });
    hub = new WorkerHub({ intervalMs: 100, timeoutMs: 60_000 }, () => ({ ok: true, stop: false }) as never, book);
    const realNow = Date.now;
    try {
      assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: ['old-job'] }), { stop: [], abandon: [] });
      const later = realNow() + hub.adoptionGraceMs + 1;
      Date.now = () => later;
      assert.deepEqual(await hub.beat({ workerId: 'w1', jobs: ['old-job'] }), { stop: ['old-job'], abandon: [] });
      assert.deepEqual(await hub.reply('old-job', 'w1', { kind: 'executed', outputs: {} }), { accepted: false, reason: 'job old-job is not held by worker w1' });
    } finally {
      Date.now = realNow;
    }
  });
});
