import type { RetryPolicy } from '../model/dag';
import { isSuccessfulStepStatus, isTerminalStepStatus, type ExecutionMode, type RunStatus, type StepStatus } from '../model/status';

/**
 * The run's scheduling logic as a pure state machine: events in, actions out. It knows
 * nothing of processes, files or the store; the executor applies its actions.
 */
export interface SchedulerNode {
  id: string;
  upstream: readonly string[];
  retry?: RetryPolicy;
  /** Attempts lost to disruptions (dead or unreachable runner) retried without using `retry` (default 2). */
  maxLostRetries?: number;
}

export type SchedulerEvent =
  /** The attempt finished and its outputs are committed (`cached`: reused from the cache). */
  | { type: 'succeeded'; id: string; cached?: boolean }
  /** The attempt failed; `retryable: false` fails the step at once (e.g. a type mismatch). */
  | { type: 'failed'; id: string; error: string; retryable?: boolean }
  /** The attempt's runner died or stopped renewing its lease: a disruption, not the step's fault. */
  | { type: 'lost'; id: string; error: string }
  /** The attempt's worker was drained and handed it back unfinished: it runs again at once, charged to no budget. */
  | { type: 'relinquished'; id: string }
  /** A retry delay elapsed. */
  | { type: 'retryDue'; id: string }
  /** The user cancelled the run. */
  | { type: 'cancel' };

export type SchedulerAction =
  | { type: 'start'; id: string; attempt: number }
  | { type: 'retryLater'; id: string; nextAttempt: number; delayMs: number }
  | { type: 'stop'; id: string }
  | { type: 'status'; id: string; status: StepStatus; error?: string }
  | { type: 'finished'; status: RunStatus };

export interface SchedulerOptions {
  mode: ExecutionMode;
  maxParallel: number;
}

interface NodeState {
  node: SchedulerNode;
  status: StepStatus;
  attempt: number;
  lost: number;
  /** Running (an attempt executing) as opposed to waiting for a retry. */
  executing: boolean;
  downstream: string[];
  /** Upstream edges whose step has not succeeded yet: ready at 0 (kept as steps settle, so readiness is O(1)). */
  unsucceeded: number;
  /** Upstream edges whose step ended without success: the step can never run. */
  blocked: number;
}

export class Scheduler {
  private readonly states = new Map<string, NodeState>();
  private readonly order: string[];
  private readonly queue = new ReadyQueue();
  private readonly queued = new Set<string>();
  private readonly counts = new Map<StepStatus, number>();
  /** Steps whose upstream just settled, still to look at (see setStatus). */
  private readonly toConsider: string[] = [];
  private considering = false;
  private executing = 0;
  private stopped = false;
  private cancelled = false;
  private finished = false;

  constructor(
    nodes: readonly SchedulerNode[],
    private readonly options: SchedulerOptions,
    /** Where each step stands when a run is resumed (settled steps, attempts already used). */
    initial: ReadonlyMap<string, { status: StepStatus; attempt?: number; lost?: number }> = new Map(),
  ) {
    this.order = nodes.map((node) => node.id);
    for (const node of nodes) {
      const start = initial.get(node.id);
      const status = start?.status ?? 'pending';
      // A resumed step still `running` has an attempt in flight (an orphaned runner the engine adopted).
      const executing = status === 'running';
      this.states.set(node.id, { node, status, attempt: start?.attempt ?? 0, lost: start?.lost ?? 0, executing, downstream: [], unsucceeded: 0, blocked: 0 });
      if (executing) this.executing += 1;
      this.counts.set(status, this.count(status) + 1);
    }
    for (const node of nodes) {
      for (const up of node.upstream) {
        const upstream = this.states.get(up);
        if (!upstream) throw new Error(`node "${node.id}" depends on unknown node "${up}"`);
        upstream.downstream.push(node.id);
        const state = this.get(node.id);
        if (!isSuccessfulStepStatus(upstream.status)) state.unsucceeded += 1;
        if (endedWithoutSuccess(upstream.status)) state.blocked += 1;
      }
    }
  }

  status(id: string): StepStatus {
    return this.get(id).status;
  }

  /** Starts whatever is ready. */
  start(): SchedulerAction[] {
    const actions: SchedulerAction[] = [];
    for (const id of this.order) this.consider(this.get(id), actions);
    this.fill(actions);
    return actions;
  }

  handle(event: SchedulerEvent): SchedulerAction[] {
    const actions: SchedulerAction[] = [];
    if (this.finished) return actions;
    switch (event.type) {
      case 'succeeded':
        this.onSucceeded(event.id, event.cached === true, actions);
        break;
      case 'failed':
        this.onFailed(event.id, event.error, event.retryable !== false, actions);
        break;
      case 'lost':
        this.onLost(event.id, event.error, actions);
        break;
      case 'relinquished':
        this.onRelinquished(event.id, actions);
        break;
      case 'retryDue':
        this.onRetryDue(event.id);
        break;
      case 'cancel':
        this.onCancel(actions);
        break;
    }
    this.fill(actions);
    return actions;
  }

  private onSucceeded(id: string, cached: boolean, actions: SchedulerAction[]): void {
    const state = this.get(id);
    if (isTerminalStepStatus(state.status)) return;
    this.setExecuting(state, false);
    this.setStatus(state, cached ? 'cached' : 'completed', actions);
  }

  private onFailed(id: string, error: string, retryable: boolean, actions: SchedulerAction[]): void {
    const state = this.get(id);
    if (isTerminalStepStatus(state.status)) return;
    this.setExecuting(state, false);
    const retry = state.node.retry;
    if (retryable && retry && state.attempt <= retry.maxRetries && !this.cancelled) {
      const delayMs = retry.delay * 1000 * Math.pow(retry.backoff, state.attempt - 1);
      actions.push({ type: 'retryLater', id, nextAttempt: state.attempt + 1, delayMs });
      return;
    }
    this.setStatus(state, 'failed', actions, error);
    this.afterFailure(id, actions);
  }

  private onLost(id: string, error: string, actions: SchedulerAction[]): void {
    const state = this.get(id);
    if (isTerminalStepStatus(state.status)) return;
    this.setExecuting(state, false);
    state.lost += 1;
    if (state.lost <= (state.node.maxLostRetries ?? 2) && !this.cancelled) {
      // Straight back in line: a disruption is not the step's fault, so no back-off and no user retry used.
      this.queue.putFirst(id);
      this.queued.add(id);
      return;
    }
    this.setStatus(state, 'crashed', actions, `${error} (lost ${state.lost} times)`);
    this.afterFailure(id, actions);
  }

  /** Straight back in line, first, as a lost attempt is, but counted nowhere: a drained worker is an operator's choice. */
  private onRelinquished(id: string, actions: SchedulerAction[]): void {
    const state = this.get(id);
    if (isTerminalStepStatus(state.status)) return;
    this.setExecuting(state, false);
    if (this.cancelled) {
      this.setStatus(state, 'cancelled', actions, 'run cancelled');
      return;
    }
    this.queue.putFirst(id);
    this.queued.add(id);
  }

  private afterFailure(failedId: string, actions: SchedulerAction[]): void {
    switch (this.options.mode) {
      case 'failFast':
        this.stopped = true;
        for (const state of this.states.values()) {
          if (state.status === 'running') {
            if (state.executing) actions.push({ type: 'stop', id: state.node.id });
            this.setExecuting(state, false);
            this.setStatus(state, 'cancelled', actions, `cancelled because "${failedId}" failed (failFast)`);
          }
        }
        break;
      case 'stopOnFailure':
        this.stopped = true;
        break;
      case 'continueOnFailure':
        break;
    }
  }

  private onRetryDue(id: string): void {
    const state = this.get(id);
    if (state.status !== 'running' || state.executing || this.queued.has(id)) return;
    this.queue.putFirst(id);
    this.queued.add(id);
  }

  private onCancel(actions: SchedulerAction[]): void {
    this.cancelled = true;
    this.stopped = true;
    for (const state of this.states.values()) {
      if (state.status === 'running' || state.status === 'pending') {
        if (state.executing) actions.push({ type: 'stop', id: state.node.id });
        this.setExecuting(state, false);
        this.setStatus(state, 'cancelled', actions, 'run cancelled');
      }
    }
  }

  /** Starts queued steps while slots are free, then checks whether the run is over. */
  private fill(actions: SchedulerAction[]): void {
    while (this.executing < this.options.maxParallel && this.queue.length > 0) {
      const id = this.queue.take() as string;
      this.queued.delete(id);
      const state = this.get(id);
      const isRetry = state.status === 'running';
      if (!isRetry && (this.stopped || state.status !== 'pending')) continue;
      state.attempt += 1;
      this.setExecuting(state, true);
      if (!isRetry) this.setStatus(state, 'running', actions);
      actions.push({ type: 'start', id, attempt: state.attempt });
    }
    this.maybeFinish(actions);
  }

  /** Queues a pending step whose upstream all succeeded; skips it when one cannot succeed. */
  private consider(state: NodeState, actions: SchedulerAction[]): void {
    if (state.status !== 'pending' || this.queued.has(state.node.id)) return;
    if (state.blocked > 0) {
      this.setStatus(state, this.cancelled ? 'cancelled' : 'skipped', actions);
      return;
    }
    if (state.unsucceeded === 0 && !this.stopped) {
      this.queue.putLast(state.node.id);
      this.queued.add(state.node.id);
    }
  }

  private maybeFinish(actions: SchedulerAction[]): void {
    if (this.count('running') > 0) return;
    if (this.stopped) {
      for (const state of this.states.values()) if (state.status === 'pending') this.setStatus(state, 'skipped', actions);
    }
    if (this.count('pending') > 0) return;
    this.finished = true;
    const status: RunStatus = this.cancelled
      ? 'cancelled'
      : this.count('failed') + this.count('crashed') > 0
        ? 'failed'
        : this.count('completed') + this.count('cached') === this.states.size
          ? 'completed'
          : 'failed';
    actions.push({ type: 'finished', status });
  }

  private setStatus(state: NodeState, status: StepStatus, actions: SchedulerAction[], error?: string): void {
    if (state.status === status) return;
    const previous = state.status;
    this.counts.set(previous, this.count(previous) - 1);
    this.counts.set(status, this.count(status) + 1);
    state.status = status;
    const succeeded = Number(isSuccessfulStepStatus(status)) - Number(isSuccessfulStepStatus(previous));
    const blocked = Number(endedWithoutSuccess(status)) - Number(endedWithoutSuccess(previous));
    if (succeeded !== 0 || blocked !== 0) {
      for (const down of state.downstream) {
        const downstream = this.get(down);
        downstream.unsucceeded -= succeeded;
        downstream.blocked += blocked;
      }
    }
    actions.push(error === undefined ? { type: 'status', id: state.node.id, status } : { type: 'status', id: state.node.id, status, error });
    if (isTerminalStepStatus(status)) {
      // Depth first, in the order of `downstream`, as a recursive walk would (reversed onto a stack).
      for (let i = state.downstream.length - 1; i >= 0; i--) this.toConsider.push(state.downstream[i]);
    }
    if (this.considering) return;
    // A worklist, not recursion: a failure at the head of a 100,000-step chain skips every step below it.
    this.considering = true;
    try {
      for (let id = this.toConsider.pop(); id !== undefined; id = this.toConsider.pop()) this.consider(this.get(id), actions);
    } finally {
      this.considering = false;
    }
  }

  private setExecuting(state: NodeState, executing: boolean): void {
    if (state.executing !== executing) this.executing += executing ? 1 : -1;
    state.executing = executing;
  }

  private count(status: StepStatus): number {
    return this.counts.get(status) ?? 0;
  }

  private get(id: string): NodeState {
    const state = this.states.get(id);
    if (!state) throw new Error(`unknown invocation "${id}"`);
    return state;
  }
}

/** A step that ended and did not succeed: what depends on it can never run. */
function endedWithoutSuccess(status: StepStatus): boolean {
  return isTerminalStepStatus(status) && !isSuccessfulStepStatus(status);
}

/**
 * Steps waiting for a slot, in start order: retries and lost attempts go first (newest first),
 * ready steps last. Taking one is O(1) (`Array.shift` copies the rest of a large array each time).
 */
class ReadyQueue {
  /** Put first, taken from the end. */
  private readonly first: string[] = [];
  private last: string[] = [];
  private head = 0;

  get length(): number {
    return this.first.length + this.last.length - this.head;
  }

  putFirst(id: string): void {
    this.first.push(id);
  }

  putLast(id: string): void {
    this.last.push(id);
  }

  take(): string | undefined {
    if (this.first.length > 0) return this.first.pop();
    if (this.head === this.last.length) return undefined;
    const id = this.last[this.head++];
    if (this.head === this.last.length) {
      this.last = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.last.length) {
      this.last = this.last.slice(this.head);
      this.head = 0;
    }
    return id;
  }
}
