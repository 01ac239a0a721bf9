import type { ArtifactRef, ArtifactStore } from '../artifacts/artifactStore';
import { decodeArtifact, encodeArtifact } from '../artifacts/contentAddress';
import { getMaterializer, materializerFor, type Materializer } from '../artifacts/materializers';
import { decodeStructured, encodeStructured } from '../artifacts/structured';
import { checkValue } from '../prepare/typeDescriptor';
import type { AttemptError } from '../model/attemptError';
import { runTargetLabel, type RunTarget } from '../model/runTarget';
import { describeThrown } from './thrownError';
import { DiskFullError, isDiskFull } from '../model/errorCodes';
import { compileWithLive, type CompiledPipeline, type LiveInvocation } from '../sdk/compile';
import { withStepContext, type ChildRunResult, type StepContext } from '../sdk/context';
import { pipelineRegistry, stepRegistry } from '../sdk/registry';
import type { PipelineDefinition } from '../sdk/pipeline';
import type { Step } from '../sdk/step';
import type { HeartbeatCommand, LeaseGrant } from '../model/heartbeatProtocol';
import type { ArtifactSource, CacheKeyTask, ChildRunOutcome, ExecuteBytes, ExecuteTask, FromRunner, HookTask, ResolvedInput, RunIdentity, TaskError, ToRunner } from '../model/runnerProtocol';


/** The runner's side of its lease: the heartbeat worker and how fresh the last renewal is. */
export interface LeaseGuard {
  start(command: HeartbeatCommand & { type: 'start' }): void;
  stop(): void;
  isFresh(timeoutMs: number): boolean;
}

/** A task failure that another attempt cannot fix. */
class PermanentError extends Error {}

/** Executes the engine's tasks inside a runner process. */
export class TaskRunner {
  private readonly compiled = new Map<string, CompiledPipeline>();
  private readonly childRuns = new Map<number, { resolve(outcome: ChildRunOutcome): void; reject(error: Error): void }>();
  private nextChildRequest = 1;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly send: (message: FromRunner) => void,
    private readonly lease?: LeaseGuard,
  ) {}

  /** Whether a task is in progress. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** Calls `fn` once no task is in progress. */
  onIdle(fn: () => void): void {
    if (this.running === 0) fn();
    else this.idleWaiters.push(fn);
  }

  async handle(message: ToRunner): Promise<void> {
    this.running += 1;
    try {
      await this.dispatch(message);
    } finally {
      this.running -= 1;
      if (this.running === 0) for (const fn of this.idleWaiters.splice(0)) fn();
    }
  }

  private async dispatch(message: ToRunner): Promise<void> {
    switch (message.type) {
      case 'compile':
        try {
          const dag = this.compile(message.target, message.parameters).dag;
          this.send({ type: 'compiled', requestId: message.requestId, dag });
        } catch (error) {
          this.send({ type: 'taskFailed', requestId: message.requestId, error: toTaskError(error, false) });
        }
        return;
      case 'execute': {
        const grant = message.task.lease;
        if (grant) this.lease?.start({ type: 'start', runId: message.task.run.runId, invocationId: message.task.invocationId, attempt: message.task.attempt, ...grant });
        let reply: FromRunner;
        try {
          const { refs, bytes } = await this.execute(message.task, message);
          reply = { type: 'executed', requestId: message.requestId, attempt: message.task.attempt, outputs: refs, ...(bytes.size > 0 ? { outputBytes: bytes } : {}) };
        } catch (error) {
          reply = { type: 'taskFailed', requestId: message.requestId, attempt: message.task.attempt, error: toTaskError(error, !(error instanceof PermanentError)) };
        }
        // A runner that could not renew its lease for the timeout has been replaced: it stops
        // here and publishes nothing (the engine would refuse it anyway).
        if (grant && !this.lease?.isFresh(grant.timeoutMs)) process.kill(process.pid, 'SIGKILL');
        if (grant && !process.connected) {
          // Orphaned by a dead engine: hand the result to its successor, keeping the lease alive meanwhile.
          await deliverOverHttp(grant, message.task, reply, this.lease);
          this.lease?.stop();
          return;
        }
        this.lease?.stop();
        this.send(reply);
        return;
      }
      case 'hook':
        try {
          const source = await this.runHook(message.task);
          this.send({ type: 'hookDone', requestId: message.requestId, source });
        } catch (error) {
          this.send({ type: 'taskFailed', requestId: message.requestId, error: toTaskError(error, false) });
        }
        return;
      case 'cacheKey':
        try {
          this.send({ type: 'cacheKeyDone', requestId: message.requestId, key: await this.cacheKey(message.task) });
        } catch (error) {
          this.send({ type: 'taskFailed', requestId: message.requestId, error: toTaskError(error, false) });
        }
        return;
      case 'childRunDone': {
        const waiting = this.childRuns.get(message.requestId);
        this.childRuns.delete(message.requestId);
        if (!waiting) return;
        if (message.result) waiting.resolve(message.result);
        else waiting.reject(new Error(message.error ?? 'child run failed'));
        return;
      }
    }
  }

  private compile(target: RunTarget, parameters: Record<string, unknown>): CompiledPipeline {
    const key = `${JSON.stringify(target)}\0${JSON.stringify(parameters)}`;
    let compiled = this.compiled.get(key);
    if (!compiled) {
      compiled = compileWithLive(this.pipelineDefinition(target), decodeStructured(parameters) as Record<string, unknown>);
      this.compiled.set(key, compiled);
    }
    return compiled;
  }

  /** The pipeline to compile; one step is wrapped in a one-node pipeline named by its label. */
  private pipelineDefinition(run: RunTarget): PipelineDefinition {
    if (run.kind === 'pipeline') return (pipelineRegistry.find(run.name) as unknown as { definition: PipelineDefinition }).definition;
    const target = stepRegistry.find(run.name) as unknown as Step;
    return { name: runTargetLabel(run), fn: (...args: unknown[]) => (target as unknown as (...a: unknown[]) => unknown)(...args), options: {}, params: target.definition.params };
  }

  private live(task: { run: RunIdentity; invocationId: string }): LiveInvocation {
    const live = this.compile(task.run.target, task.run.parameters).live.get(task.invocationId);
    if (!live) throw new PermanentError(`invocation "${task.invocationId}" is not in pipeline "${task.run.pipeline}" as this code builds it`);
    return live;
  }

  private async execute(task: ExecuteTask, carry: ExecuteBytes): Promise<{ refs: Record<string, ArtifactRef>; bytes: Map<string, Uint8Array> }> {
    const { definition, invocation } = this.live(task);
    const args: unknown[] = [];
    for (const param of definition.params) {
      const input = task.inputs[param.name];
      if (input === undefined) {
        args.push(undefined);
        continue;
      }
      let value: unknown;
      try {
        value = await this.resolve(input, task.run, carry.inputBytes);
      } catch (error) {
        // An input that cannot be read (malformed, too deep, corrupted) will not read better next attempt.
        throw new PermanentError(`step "${definition.name}" input "${param.name}": ${(error as Error).message}`);
      }
      const type = task.inputTypes[param.name];
      const mismatch = type && value !== undefined ? checkValue(value, type) : undefined;
      if (mismatch !== undefined) {
        throw new PermanentError(`step "${definition.name}" input "${param.name}": ${mismatch}`);
      }
      args.push(value);
    }
    const context = this.context(task);
    const result = await withStepContext(context, async () => definition.fn(...args));
    const declared = definition.options.outputs && definition.options.outputs.length > 0;
    const values: Record<string, unknown> = {};
    if (declared) {
      if (typeof result !== 'object' || result === null) {
        throw new PermanentError(`step "${definition.name}" declares outputs ${definition.outputs.join(', ')} but returned ${result === null ? 'null' : typeof result}`);
      }
      for (const output of definition.outputs) {
        if (!(output in result)) throw new PermanentError(`step "${definition.name}" did not return declared output "${output}"`);
        values[output] = (result as Record<string, unknown>)[output];
      }
    } else {
      values.output = result;
    }
    const chosen: Record<string, Materializer> = { ...(definition.options.materializers ?? {}), ...(invocation.materializers ?? {}) };
    const refs: Record<string, ArtifactRef> = {};
    const bytes = new Map<string, Uint8Array>();
    for (const [output, value] of Object.entries(values)) {
      try {
        const materializer = chosen[output] ?? materializerFor(value);
        if (carry.returnBytesUpTo === undefined) {
          refs[output] = await this.artifacts.put(value, materializer);
          continue;
        }
        const encoded = encodeArtifact(value, materializer);
        refs[output] = encoded.ref;
        if (encoded.bytes.byteLength <= carry.returnBytesUpTo) bytes.set(encoded.ref.hash, encoded.bytes);
        else await this.artifacts.putBytes(encoded.ref, encoded.bytes);
      } catch (error) {
        // No room for the artifact is the environment's fault: another attempt may find room.
        if (isDiskFull(error)) throw new DiskFullError(`could not write output "${output}" of step "${definition.name}"`, error);
        throw new PermanentError(`step "${definition.name}" output "${output}": ${(error as Error).message}`);
      }
    }
    return { refs, bytes };
  }

  private async cacheKey(task: CacheKeyTask): Promise<string> {
    const { definition, invocation } = this.live(task);
    const fn = invocation.cacheKey ?? definition.options.cacheKey;
    if (!fn) throw new Error(`step "${definition.name}" has no cacheKey function`);
    const inputs: Record<string, unknown> = {};
    for (const [name, input] of Object.entries(task.inputs)) inputs[name] = await this.resolve(input, task.run);
    const context = Object.freeze({ runId: task.run.runId, runName: task.run.runName, pipeline: task.run.pipeline, invocationId: task.invocationId, stepName: task.stepName });
    let key: unknown;
    try {
      key = await fn(Object.freeze(inputs), context);
    } catch (error) {
      throw new Error(`cacheKey of step "${definition.name}" threw: ${(error as Error).message ?? String(error)}`, { cause: error });
    }
    if (typeof key !== 'string') throw new Error(`cacheKey of step "${definition.name}" must return a string, got ${key === null ? 'null' : typeof key}`);
    return key;
  }

  private async runHook(task: HookTask): Promise<string> {
    const { definition, invocation, pipelines } = this.live(task);
    const own = invocation[task.hook] ?? definition.options[task.hook];
    const inherited = [...pipelines].reverse().find((p) => p.options[task.hook])?.options[task.hook];
    const hook = own ?? inherited;
    if (!hook) return 'none';
    const context = this.context(task);
    const error = failureAsError(task.error);
    await withStepContext(context, async () => {
      if (task.hook === 'onSuccess') await (hook as (c: StepContext) => unknown)(context);
      else await (hook as (e: Error, c: StepContext) => unknown)(error, context);
    });
    return own ? 'step' : 'pipeline';
  }

  private context(task: { run: RunIdentity; invocationId: string; stepName: string; attempt: number; inputs: Record<string, ResolvedInput> }): StepContext {
    const parameters: Record<string, unknown> = {};
    for (const [name, input] of Object.entries(task.inputs)) if (input.kind === 'value') parameters[name] = decodeStructured(input.value);
    return Object.freeze({
      runId: task.run.runId,
      runName: task.run.runName,
      pipeline: task.run.pipeline,
      invocationId: task.invocationId,
      stepName: task.stepName,
      attempt: task.attempt,
      parameters: Object.freeze(parameters),
      runPipeline: (pipeline: { readonly name: string }, childParameters: Record<string, unknown> = {}) =>
        this.startChildRun(task.run.runId, task.invocationId, pipeline.name, childParameters),
    });
  }

  private async startChildRun(parentRunId: string, parentInvocation: string, pipeline: string, parameters: Record<string, unknown>): Promise<ChildRunResult> {
    const requestId = this.nextChildRequest++;
    const outcome = await new Promise<ChildRunOutcome>((resolve, reject) => {
      this.childRuns.set(requestId, { resolve, reject });
      this.send({ type: 'childRun', requestId, parentRunId, parentInvocation, pipeline, parameters: encodeStructured(parameters) as Record<string, unknown> });
    });
    if (outcome.status !== 'completed') throw new Error(`child run ${outcome.runId} of pipeline "${pipeline}" ended ${outcome.status}`);
    const outputs: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(outcome.outputs)) {
      const what = `output "${name}" of child run ${outcome.runId}`;
      if (!Array.isArray(ref)) {
        outputs[name] = await this.artifacts.get(ref, what);
        continue;
      }
      const items: unknown[] = [];
      for (const [index, item] of ref.entries()) items.push(await this.artifacts.get(item, `${what} [${index}]`));
      outputs[name] = items;
    }
    return { runId: outcome.runId, status: outcome.status, outputs };
  }

  private async resolve(input: ResolvedInput, run: RunIdentity, inputBytes?: ReadonlyMap<string, Uint8Array>): Promise<unknown> {
    const load = async (ref: ArtifactRef, source: ArtifactSource | undefined) => {
      const what = source && `output "${source.output}" of step "${source.step}" in run ${run.runName} (${run.runId})`;
      const sent = inputBytes?.get(ref.hash);
      if (sent === undefined) return this.artifacts.get(ref, what);
      return decodeArtifact(ref, getMaterializer(ref.materializer), Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength), what);
    };
    switch (input.kind) {
      case 'artifact':
        return load(input.ref, input.source);
      case 'value':
        return decodeStructured(input.value);
      case 'fanIn': {
        // One at a time, in order: the first input that cannot be read is the one named.
        const values: unknown[] = [];
        for (const item of input.items) values.push(item.kind === 'artifact' ? await load(item.ref, item.source) : decodeStructured(item.value));
        return values;
      }
    }
  }
}

export function toTaskError(error: unknown, retryable: boolean): TaskError {
  const location = error instanceof Error ? (error as { location?: TaskError['location'] }).location : undefined;
  return { ...describeThrown(error), retryable, ...(location ? { location } : {}) };
}

/** The step's failure as a real Error for `onFailure(error, context)`: its name, message and stack; a thrown non-Error value as its `cause`. */
function failureAsError(failure: AttemptError | undefined): Error {
  if (!failure) return new Error('step failed');
  const error = failure.value === undefined ? new Error(failure.message) : new Error(failure.message, { cause: failure.value });
  error.name = failure.name;
  error.stack = failure.stack ?? `${failure.name}: ${failure.message}`;
  return error;
}

/**
 * Delivers an orphaned attempt's result to the daemon's successor (`POST /v1/runner-results`),
 * retrying until it answers; stops (publishing nothing) if the lease goes stale meanwhile or
 * the answer says the attempt was replaced.
 */
async function deliverOverHttp(grant: LeaseGrant, task: ExecuteTask, reply: FromRunner, lease: LeaseGuard | undefined): Promise<void> {
  const url = grant.url.replace(/\/heartbeats$/, '/runner-results');
  const body = JSON.stringify({ runId: task.run.runId, invocationId: task.invocationId, attempt: task.attempt, reply });
  for (;;) {
    if (lease && !lease.isFresh(grant.timeoutMs)) process.kill(process.pid, 'SIGKILL');
    try {
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(grant.intervalMs * 2) });
      if (response.ok || response.status === 409) return;
    } catch {
      // The daemon is not back yet.
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, grant.intervalMs)));
  }
}
