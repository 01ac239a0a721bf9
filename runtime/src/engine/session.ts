import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeStructured, encodeStructured } from '../artifacts/structured';
import type { PipelineBundle } from '../prepare/bundle';
import type { ModuleManifest } from '../prepare/typeExtract';
import { annotationProblems } from '../prepare/typeExtract';
import { convertParamValue, type TypeDescriptor } from '../prepare/typeDescriptor';
import type { OutputRef, PipelineDag } from '../model/dag';
import { formatLocation } from '../model/location';
import { isSuccessfulStepStatus, type RunStatus } from '../model/status';
import { runtimeVersion } from '../system/packagePaths';
import type { RunOptions } from '../sdk/options';
import { RunNameTakenError, type RunStore } from '../store/runStore';
import { systemClock, type Clock } from './clock';
import type { EngineListener } from '../model/events';
import { RunExecutor, type RunPlan } from './executor';
import type { AttemptAnswer, HeartbeatRequest } from '../model/heartbeatProtocol';
import { LeaseServer } from './leaseServer';
import { RunRequestError } from './runRequestError';
import { committedInvocations, downstreamOf, planRunFrom } from './runFrom';
import { SlotPool } from './slots';
import { enforceTypeAnnotationsFromEnv, heartbeatFromEnv, limitsFromEnv } from '../model/environment';
import { DEFAULT_RUN_NAME, expandRunName } from '../model/runName';
import { nodeOverrideSchema } from '../model/runOptions';
import { pipelineTarget, storedRunTarget, type RunTarget } from '../model/runTarget';
import type { ChildRunRequest, Launcher, LauncherFactory } from './launcher';
import type { ChildRunOutcome, FromRunner } from '../model/runnerProtocol';
import { summarizeRun } from '../store/runSummary';
import type { RunSummary } from '../model/runSummary';
import { ConflictError, NotFoundError, NothingToRetryError, UnprocessableError } from '../model/errorCodes';

/** Raised when `enforceTypeAnnotations` is on and steps lack annotations; lists every gap. */
export class TypeAnnotationError extends UnprocessableError {
  constructor(readonly problems: string[]) {
    super(`enforceTypeAnnotations is on and ${problems.length} annotation(s) are missing:\n  ${problems.join('\n  ')}`);
    this.name = 'TypeAnnotationError';
  }
}

export { RunRequestError };

export { NothingToRetryError } from '../model/errorCodes';

export interface SessionOptions {
  /** Where runs are recorded; opened and closed by whoever hosts the session. */
  store: RunStore;
  /**
   * Whether the listener stores log lines itself (the daemon stores each as an event of its
   * stream, once): then the session does not store them too.
   */
  logsStoredByListener?: boolean;
  bundle: PipelineBundle;
  sourceFile: string;
  /** Where the runs' steps execute (the folder the user ran from). */
  workingDir: string;
  /** Where the bundle's external packages are resolved from (the author's project root). */
  projectDir: string;
  manifest?: ModuleManifest;
  clock?: Clock;
  listener?: EngineListener;
  /** Rewrites the heartbeat URL runners are given (tests put a fault-injecting proxy there). */
  heartbeatUrl?: (url: string) => string;
  /** Where runners renew leases when a daemon serves them (default: a private loopback server). */
  leaseEndpoint?: { url: string; token: string };
  /** Concurrency slots shared with other sessions (the daemon's); default: this session's own. */
  slots?: SlotPool;
  /** Where attempts run (the local runner pool: `runnerPool/`). */
  launcher: LauncherFactory;
}

export interface RunRequest {
  /** The pipeline to run, or the one step. */
  target: RunTarget;
  /** Plain parameter values (not encoded). */
  parameters: Record<string, unknown>;
  options: RunOptions;
  parent?: { runId: string; invocation: string };
  /**
   * Run from invocation `from`, reusing run `run` (id or name): `from` and everything downstream
   * of it execute, every other invocation takes that run's committed outputs (`runFrom.ts`).
   */
  reuse?: { run: string; from: string };
  /** The new run's id (a UUID the client chose, see api/protocol.ts `runId`); one is made when left out. */
  runId?: string;
}

/**
 * One engine working on one pipeline bundle: its store, its runner pool, and the runs it
 * creates (including child runs that steps start at run time).
 */
export class EngineSession {
  readonly store: RunStore;
  readonly pool: Launcher;
  private readonly clock: Clock;
  private readonly executors = new Map<string, RunExecutor>();
  /** Executors being created (a resumed run reads its state from the store first). */
  private readonly starting = new Map<string, Promise<RunExecutor>>();
  private leaseServer?: Promise<LeaseServer>;
  private readonly unstoredLogs = new Set<string>();
  /** Log lines reach the store in the order they were captured. */
  private logWrites: Promise<void> = Promise.resolve();
  readonly slots: SlotPool;

  constructor(private readonly options: SessionOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.slots = options.slots ?? new SlotPool(limitsFromEnv());
    this.pool = options.launcher(
      { bundlePath: options.bundle.path, artifactsDir: path.join(options.store.dir, 'artifacts'), workingDir: options.workingDir, projectDir: options.projectDir },
      {
        onLog: (owner, stream, text) => {
          if (!owner) {
            // Output outside any task (module top level) still belongs somewhere visible.
            process.stderr.write(text);
            return;
          }
          const at = this.clock.now();
          const executor = this.executors.get(owner.runId);
          // Output of a fenced attempt is refused like its heartbeats and results.
          if (executor?.isFenced(owner.invocationId, owner.attempt)) return;
          if (!this.options.logsStoredByListener) {
            const line = { runId: owner.runId, invocationId: owner.invocationId, attempt: owner.attempt, stream, text, at };
            this.logWrites = this.logWrites.then(() => this.store.appendLog(line)).catch((error: unknown) => this.logUnstored(error));
          }
          this.options.listener?.({ type: 'log', runId: owner.runId, invocationId: owner.invocationId, attempt: owner.attempt, stream, text, at });
        },
        onChildRun: (request) => this.childRun(request),
      },
    );
  }

  /** A full disk loses a line from the store, not from whoever follows the run (said once). */
  private logUnstored(error: unknown): void {
    const message = (error as Error).message;
    if (!this.unstoredLogs.has(message)) process.stderr.write(`pipewright: ${message}\n`);
    this.unstoredLogs.add(message);
  }

  /** Compiles the pipeline, checks the request and creates the run (status `running`). */
  async prepare(request: RunRequest): Promise<RunPlan> {
    const { dag, encodedParameters } = await compileRequest(this.pool, request, this.options.manifest);
    const options = request.options;
    const enforce = options.enforceTypeAnnotations ?? enforceTypeAnnotationsFromEnv();
    // A malformed heartbeat default refuses the run here instead of failing its first attempt.
    heartbeatFromEnv();
    if (enforce) this.enforceAnnotations(dag);
    const at = this.clock.now();
    const substitutions = { ...(dag.options.substitutions ?? {}), ...(options.substitutions ?? {}) };
    const template = options.runName ?? dag.options.runName;
    let name = expandRunName(template ?? DEFAULT_RUN_NAME, new Date(at), dag.pipeline, substitutions);
    if (!template) {
      // The default template must never make a run fail: add a counter on a clash.
      for (let n = 2; await this.store.runNameTaken(dag.pipeline, name); n++) name = `${expandRunName(DEFAULT_RUN_NAME, new Date(at), dag.pipeline)}-${n}`;
    }
    if (await this.store.runNameTaken(dag.pipeline, name)) throw new RunNameTakenError(dag.pipeline, name);
    const runFrom = request.reuse && (await this.planRunFrom(request.reuse, dag));
    const id = request.runId ?? randomUUID();
    const maxParallel = options.maxParallel ?? Math.max(2, os.cpus().length);
    const executionMode = options.executionMode ?? dag.options.executionMode;
    const storedOptions = { ...options, executionMode, maxParallel, enforceTypeAnnotations: enforce };
    await this.store.createRun({
      id,
      name,
      pipeline: dag.pipeline,
      sourceFile: this.options.sourceFile,
      parameters: encodedParameters,
      options: storedOptions,
      dag,
      bundlePath: this.options.bundle.path,
      workingDir: this.options.workingDir,
      projectDir: this.options.projectDir,
      manifest: this.options.manifest,
      parentRunId: request.parent?.runId,
      parentInvocation: request.parent?.invocation,
      enginePid: process.pid,
      at,
      ...(runFrom ? { reuse: { fromRunId: runFrom.source, invocationIds: runFrom.reused } } : {}),
    });
    this.options.listener?.({ type: 'run', runId: id, runName: name, pipeline: dag.pipeline, status: 'running', at });
    const plan = planFor({ runId: id, runName: name, pipeline: dag.pipeline, target: request.target, parameters: encodedParameters }, dag, storedOptions, inputTypesOf(this.options.manifest));
    if (!runFrom) return plan;
    // The reused invocations were created with their outputs: the executor reads them as a resume does.
    plan.resume = true;
    // The invocations asked to run execute, even when their cache would say otherwise.
    for (const rerunId of runFrom.rerun) plan.overrides[rerunId] = { ...plan.overrides[rerunId], enableCache: false };
    return plan;
  }

  /** Which invocations of `dag` a run from `reuse.from` executes and which it takes from run `reuse.run` (see `runFrom.ts`). */
  private async planRunFrom(reuse: NonNullable<RunRequest['reuse']>, dag: PipelineDag): Promise<{ source: string; rerun: Set<string>; reused: string[] }> {
    const source = await this.store.findRun(reuse.run);
    if (!source) throw new NotFoundError(`no run "${reuse.run}" to reuse outputs from`);
    return { source: source.id, ...planRunFrom(dag, reuse.from, source, await this.store.getSteps(source.id)) };
  }

  /** Rebuilds the plan of a run created earlier (a detached run picked up by its background process). */
  async planOf(runId: string): Promise<RunPlan> {
    const run = await this.store.getRun(runId);
    if (!run) throw new Error(`no run with id ${runId}`);
    const options = run.options as unknown as RunOptions & { executionMode: RunPlan['executionMode']; maxParallel: number };
    const manifest = (run.manifest as ModuleManifest | undefined) ?? this.options.manifest;
    return planFor({ runId, runName: run.name, pipeline: run.pipeline, target: storedRunTarget(run.dag.target, run.pipeline), parameters: run.parameters }, run.dag, options, inputTypesOf(manifest));
  }

  /**
   * A new run that re-runs what did not succeed in `sourceRunId` (failed, crashed, cancelled,
   * skipped), reusing the committed outputs of everything else; with `step`, that step and
   * everything downstream of it re-run too.
   */
  async prepareRetry(sourceRunId: string, step?: string): Promise<RunPlan> {
    const source = await this.store.getRun(sourceRunId);
    if (!source) throw new RunRequestError(`no run with id ${sourceRunId}`);
    if (source.status === 'running') throw new ConflictError(`run ${source.name} is still running`);
    const sourceSteps = await this.store.getSteps(source.id);
    if (step === undefined && sourceSteps.every((record) => isSuccessfulStepStatus(record.status))) {
      throw new NothingToRetryError(`run ${source.name} is ${source.status} and every step succeeded: nothing to retry`);
    }
    const dag = source.dag;
    let rerun = new Set<string>();
    if (step !== undefined) {
      if (!dag.nodes.some((n) => n.id === step)) throw new RunRequestError(`run ${source.name} has no step "${step}" (steps: ${dag.nodes.map((n) => n.id).join(', ')})`);
      rerun = downstreamOf(dag, step);
    }
    const at = this.clock.now();
    const id = randomUUID();
    let name = `${source.name}-retry`;
    for (let n = 2; await this.store.runNameTaken(source.pipeline, name); n++) name = `${source.name}-retry-${n}`;
    // What succeeded keeps its outputs: taken over as the run is created, in the same store call.
    const reused = [...committedInvocations(sourceSteps)].filter((invocationId) => !rerun.has(invocationId));
    await this.store.createRun({
      id,
      name,
      pipeline: source.pipeline,
      sourceFile: this.options.sourceFile,
      parameters: source.parameters,
      options: source.options,
      dag,
      bundlePath: source.bundlePath,
      workingDir: this.options.workingDir,
      projectDir: this.options.projectDir,
      manifest: source.manifest,
      parentRunId: source.id,
      parentInvocation: step === undefined ? 'retry' : `retry:${step}`,
      enginePid: process.pid,
      at,
      reuse: { fromRunId: source.id, invocationIds: reused },
    });
    this.options.listener?.({ type: 'run', runId: id, runName: name, pipeline: source.pipeline, status: 'running', at });
    const plan = { ...(await this.planOf(id)), resume: true };
    // A step retried on request runs again, even when its cache would say otherwise.
    for (const rerunId of rerun) plan.overrides[rerunId] = { ...plan.overrides[rerunId], enableCache: false };
    return plan;
  }

  async execute(plan: RunPlan): Promise<RunStatus> {
    // A resumed run reads its state first; a runner that outlived the last engine may beat meanwhile (see `executing`).
    const creating = (async () => {
      const leases = this.options.leaseEndpoint ?? (await this.leases());
      const url = this.options.heartbeatUrl ? this.options.heartbeatUrl(leases.url) : leases.url;
      return RunExecutor.create(
        { store: this.store, pool: this.pool, clock: this.clock, runtimeVersion, workingDir: this.options.workingDir, listener: this.options.listener, leaseEndpoint: { url, token: leases.token }, slots: this.slots },
        plan,
      );
    })();
    this.starting.set(plan.run.runId, creating);
    let executor: RunExecutor;
    try {
      executor = await creating;
    } finally {
      this.starting.delete(plan.run.runId);
    }
    this.executors.set(plan.run.runId, executor);
    try {
      return await executor.run();
    } finally {
      this.executors.delete(plan.run.runId);
    }
  }

  cancel(runId: string): boolean {
    const executor = this.executors.get(runId);
    executor?.cancel();
    return executor !== undefined;
  }

  summary(runId: string): Promise<RunSummary> {
    return summarizeRun(this.store, runId);
  }

  async close(): Promise<void> {
    await this.pool.close();
    if (this.leaseServer) await (await this.leaseServer).close();
    await this.logWrites;
  }

  /** Leases held by runs in progress (zero once every run has ended). */
  leasesHeld(): number {
    let held = 0;
    for (const executor of this.executors.values()) held += executor.leasesHeld;
    return held;
  }

  /** Resolves once run `runId` executes here, if its executor is being set up now (else at once). */
  async executing(runId: string): Promise<void> {
    await this.starting.get(runId)?.catch(() => undefined);
  }

  /** Routes one runner heartbeat to the executor of its run. */
  heartbeat(request: HeartbeatRequest): AttemptAnswer {
    const executor = this.executors.get(request.runId);
    if (!executor) return { fenced: true, reason: `run ${request.runId} is not executing here` };
    return executor.heartbeat(request.invocationId, request.attempt);
  }

  /** Hands a result delivered over HTTP (by an orphaned runner) to its run's executor. */
  async runnerResult(runId: string, invocationId: string, attempt: number, reply: FromRunner): Promise<AttemptAnswer> {
    const executor = this.executors.get(runId);
    if (!executor) return { fenced: true, reason: `run ${runId} is not executing here` };
    return executor.acceptResult(invocationId, attempt, reply);
  }

  /** Whether a run of this session is executing now. */
  isExecuting(runId: string): boolean {
    return this.executors.has(runId);
  }

  private leases(): Promise<LeaseServer> {
    this.leaseServer ??= LeaseServer.start((request) => this.heartbeat(request));
    return this.leaseServer;
  }

  private async childRun(request: ChildRunRequest): Promise<ChildRunOutcome> {
    const parameters = decodeStructured(request.parameters) as Record<string, unknown>;
    const parent = await this.store.getRun(request.parentRunId);
    const parentOptions: RunOptions = parent ? (parent.options as RunOptions) : {};
    const plan = await this.prepare({
      target: pipelineTarget(request.pipeline),
      parameters,
      options: { enableCache: parentOptions.enableCache, maxParallel: parentOptions.maxParallel, enforceTypeAnnotations: parentOptions.enforceTypeAnnotations },
      parent: { runId: request.parentRunId, invocation: request.parentInvocation },
    });
    const status = await this.execute(plan);
    const outputs: ChildRunOutcome['outputs'] = {};
    if (status === 'completed') {
      const refOf = async (ref: OutputRef) => {
        const found = await this.store.outputOf(plan.run.runId, ref.from, ref.output);
        if (!found) throw new Error(`child run ${plan.run.runId}: output "${ref.output}" of "${ref.from}" is missing`);
        return found;
      };
      for (const [name, ref] of Object.entries(plan.dag.outputs)) outputs[name] = Array.isArray(ref) ? await Promise.all(ref.map(refOf)) : await refOf(ref);
    }
    return { runId: plan.run.runId, status, outputs };
  }

  private enforceAnnotations(dag: PipelineDag): void {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const node of dag.nodes) {
      if (seen.has(node.step)) continue;
      seen.add(node.step);
      const step = this.options.manifest?.steps[node.step];
      const where = step ? `${step.file}:${step.line}:${step.column}` : formatLocation(node.location);
      if (!step) {
        problems.push(`step "${node.step}" (${where}): its source could not be analysed, so its annotations cannot be verified`);
        continue;
      }
      for (const problem of annotationProblems(step)) problems.push(`step "${node.step}" (${where}): ${problem}`);
    }
    if (problems.length > 0) throw new TypeAnnotationError(problems);
  }
}

/** Declared parameter types per step, for the runner's value checks (annotated, non-any parameters only). */
export function inputTypesOf(manifest: ModuleManifest | undefined): Record<string, Record<string, TypeDescriptor>> {
  const types: Record<string, Record<string, TypeDescriptor>> = {};
  for (const [name, step] of Object.entries(manifest?.steps ?? {})) {
    types[name] = {};
    for (const param of step.params) if (param.annotated && !param.isAny) types[name][param.name] = param.type;
  }
  return types;
}

/**
 * Compiles the request's target in a runner of `pool` with its parameters and applies the run
 * options' per-step parameters: the DAG a run of this request executes.
 */
export async function compileRequest(pool: Launcher, request: Pick<RunRequest, 'target' | 'parameters' | 'options'>, manifest: ModuleManifest | undefined): Promise<{ dag: PipelineDag; encodedParameters: Record<string, unknown> }> {
  const encodedParameters = encodeStructured(request.parameters) as Record<string, unknown>;
  // The target is recorded with the DAG, so a resumed or retried run compiles the same thing.
  const dag: PipelineDag = { ...(await pool.compile(request.target, encodedParameters)), target: request.target };
  applyParameterOverrides(dag, request.options, manifest);
  return { dag, encodedParameters };
}

/** The run-level and per-step switches and retry policies of run options, as the executor applies them. */
export function runOverrides(options: RunOptions): Pick<RunPlan, 'enableCache' | 'overrides'> {
  const overrides: RunPlan['overrides'] = {};
  for (const [id, override] of Object.entries(options.steps ?? {})) overrides[id] = nodeOverrideSchema.parse(override);
  return { enableCache: options.enableCache, overrides };
}

function planFor(
  run: RunPlan['run'],
  dag: PipelineDag,
  options: RunOptions & { executionMode: RunPlan['executionMode']; maxParallel: number },
  inputTypes: RunPlan['inputTypes'],
): RunPlan {
  return {
    run,
    dag,
    executionMode: options.executionMode,
    maxParallel: options.maxParallel,
    ...runOverrides(options),
    inputTypes,
    heartbeat: options.heartbeat,
    maxLostRetries: options.maxLostRetries,
    resume: false,
  };
}

/** Applies `steps.<id>.parameters` from the run options to the compiled DAG's literal inputs, checked against the declared types. */
function applyParameterOverrides(dag: PipelineDag, options: RunOptions, manifest: ModuleManifest | undefined): void {
  for (const [id, override] of Object.entries(options.steps ?? {})) {
    const node = dag.nodes.find((n) => n.id === id);
    if (!node) throw new RunRequestError(`step override "${id}" matches no invocation of pipeline "${dag.pipeline}" (invocations: ${dag.nodes.map((n) => n.id).join(', ')})`);
    for (const [param, value] of Object.entries(override.parameters ?? {})) {
      if (!node.params.includes(param)) throw new RunRequestError(`step override "${id}": step "${node.step}" has no parameter "${param}" (parameters: ${node.params.join(', ')})`);
      const current = node.inputs[param];
      if (current && current.kind !== 'value') throw new RunRequestError(`step override "${id}": parameter "${param}" comes from another step's output and cannot be overridden`);
      const declared = manifest?.steps[node.step]?.params.find((p) => p.name === param);
      const type = declared?.annotated && !declared.isAny ? declared.type : undefined;
      node.inputs[param] = { kind: 'value', value: encodeStructured(convertParamValue(value, type, `steps.${id}.parameters.${param}`)) };
    }
  }
}
