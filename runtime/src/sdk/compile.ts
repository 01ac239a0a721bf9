import { encodeStructured } from '../artifacts/structured';
import type { DagEdge, DagNode, FanInItem, InputBinding, NodeOptions, OutputRef, PipelineDag } from '../model/dag';
import { DURATION_FORMAT, durationSeconds } from '../model/duration';
import { resolveAfterTarget } from '../model/afterTargets';
import { cycleMessage, findCycle } from '../model/cycles';
import { claimAutomaticId, claimExplicitId, namespacePrefix } from '../model/invocationIds';
import { definedOptions, mergeInvocationOptions } from '../model/optionMerge';
import { formatLocation, type SourceLocation } from '../model/location';
import { givesNoOption, optionRules } from './optionRules';
import { isHandle, makeHandle, type OutputHandle } from './handles';
import type { AfterTarget, InvocationOptions } from './options';
import type { PipelineDefinition } from './pipeline';
import type { StepDefinition } from './step';
import { UnprocessableError } from '../model/errorCodes';

/** A wiring error found while the pipeline body builds the DAG; names the source location. */
export class PipelineCompileError extends UnprocessableError {
  constructor(
    readonly detail: string,
    readonly location?: SourceLocation,
  ) {
    super(location ? `${formatLocation(location)}: ${detail}` : detail);
    this.name = 'PipelineCompileError';
  }
}

/** Functions the runner needs for one invocation (hooks, materializers live in code, not in the DAG). */
export interface LiveInvocation {
  definition: StepDefinition;
  invocation: InvocationOptions;
  /** Pipelines enclosing the invocation, innermost last. */
  pipelines: PipelineDefinition[];
}

export interface CompiledPipeline {
  dag: PipelineDag;
  live: Map<string, LiveInvocation>;
}

let active: Compilation | undefined;

/** The compilation whose pipeline body is running, if any. */
export function activeCompilation(): Compilation | undefined {
  return active;
}

/** Runs the pipeline body once with these parameters and returns the DAG it built. */
export function compilePipeline(definition: PipelineDefinition, parameters: Record<string, unknown>): PipelineDag {
  return compileWithLive(definition, parameters).dag;
}

export function compileWithLive(definition: PipelineDefinition, parameters: Record<string, unknown>): CompiledPipeline {
  if (active) throw new PipelineCompileError(`pipeline "${definition.name}" cannot be compiled while another pipeline body is running`);
  const compilation = new Compilation(definition);
  active = compilation;
  try {
    return compilation.run(parameters);
  } finally {
    active = undefined;
  }
}

interface PendingAfter {
  node: DagNode;
  target: string;
  namespace: string[];
  location?: SourceLocation;
}

export class Compilation {
  private readonly nodes: DagNode[] = [];
  private readonly byId = new Map<string, DagNode>();
  private readonly usedIds = new Set<string>();
  private readonly pendingAfter: PendingAfter[] = [];
  private readonly live = new Map<string, LiveInvocation>();
  private namespace: string[] = [];
  private pipelines: PipelineDefinition[] = [];

  constructor(private readonly root: PipelineDefinition) {}

  run(parameters: Record<string, unknown>): CompiledPipeline {
    const args = bindPipelineArgs(this.root, parameters);
    this.pipelines = [this.root];
    const returned = this.root.fn(...args);
    if (returned instanceof Promise) {
      throw new PipelineCompileError(`pipeline "${this.root.name}": the body must be synchronous (it only wires steps; it runs before any step)`, this.root.location);
    }
    this.resolvePendingAfter();
    this.checkAcyclic();
    const encodedParameters: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parameters)) encodedParameters[key] = encodeLiteral(value, `parameter "${key}"`, this.root.location);
    const options = this.root.options;
    const problem = givesNoOption(options) ? undefined : optionRules().schemas.optionsProblem(optionRules().schemas.pipelineDataOptionsSchema, options);
    if (problem !== undefined) throw new PipelineCompileError(`pipeline "${this.root.name}": ${problem}`, this.root.location);
    return {
      dag: {
        pipeline: this.root.name,
        parameters: encodedParameters,
        nodes: this.nodes,
        edges: this.edges(),
        outputs: outputsOf(returned, this.root),
        options: {
          executionMode: options.executionMode ?? 'continueOnFailure',
          enableCache: options.enableCache,
          runName: options.runName,
          substitutions: options.substitutions,
          heartbeat: options.heartbeat,
          maxConcurrency: options.maxConcurrency,
          hooks: { onSuccess: Boolean(options.onSuccess), onFailure: Boolean(options.onFailure) },
        },
        location: this.root.location,
      },
      live: this.live,
    };
  }

  invokeStep(definition: StepDefinition, invocation: InvocationOptions, args: unknown[], location?: SourceLocation): unknown {
    const id = this.claimId(definition.name, invocation.id, location);
    const params = definition.params;
    const hasRest = params.some((param) => param.rest);
    if (!hasRest && args.length > params.length) {
      throw new PipelineCompileError(`step "${definition.name}" takes ${params.length} argument(s) but was given ${args.length}`, location);
    }
    if (hasRest) throw new PipelineCompileError(`step "${definition.name}": rest parameters are not supported; take an array instead`, location);
    const inputs: Record<string, InputBinding> = {};
    args.forEach((arg, index) => {
      if (arg === undefined) return;
      inputs[params[index].name] = this.bindInput(arg, `step "${definition.name}" input "${params[index].name}"`, location);
    });
    const node: DagNode = {
      id,
      step: definition.name,
      namespace: [...this.namespace],
      params: params.map((param) => param.name),
      inputs,
      outputs: [...definition.outputs],
      after: [],
      options: this.nodeOptions(definition, invocation, location),
      codeHash: definition.codeHash,
      location,
    };
    for (const target of toArray(invocation.after)) this.addAfter(node, target, location);
    this.nodes.push(node);
    this.byId.set(id, node);
    this.live.set(id, { definition, invocation, pipelines: [...this.pipelines] });
    if (definition.outputs.length === 1 && definition.outputs[0] === 'output' && !definition.options.outputs) {
      return makeHandle(id, 'output');
    }
    const handles: Record<string, OutputHandle> = {};
    for (const output of definition.outputs) handles[output] = makeHandle(id, output);
    return Object.freeze(handles);
  }

  invokePipeline(definition: PipelineDefinition, args: unknown[], location?: SourceLocation): unknown {
    const id = this.claimId(definition.name, undefined, location);
    const outerNamespace = this.namespace;
    const outerPipelines = this.pipelines;
    this.namespace = [...outerNamespace, lastSegment(id)];
    this.pipelines = [...outerPipelines, definition];
    try {
      if (args.length > definition.params.length) {
        throw new PipelineCompileError(`pipeline "${definition.name}" takes ${definition.params.length} argument(s) but was given ${args.length}`, location);
      }
      const returned = definition.fn(...args);
      if (returned instanceof Promise) throw new PipelineCompileError(`pipeline "${definition.name}": the body must be synchronous`, location);
      return returned;
    } finally {
      this.namespace = outerNamespace;
      this.pipelines = outerPipelines;
    }
  }

  private claimId(name: string, explicit: string | undefined, location?: SourceLocation): string {
    const prefix = namespacePrefix(this.namespace);
    if (explicit !== undefined) {
      const claim = claimExplicitId(prefix, explicit, this.usedIds);
      const problem = claim.invalid ?? claim.duplicate;
      if (problem) throw new PipelineCompileError(problem, location);
      return claim.id;
    }
    return claimAutomaticId(prefix, name, this.usedIds);
  }

  private bindInput(arg: unknown, what: string, location?: SourceLocation): InputBinding {
    if (isHandle(arg)) return { kind: 'artifact', ref: this.refOf(arg, what, location) };
    if (Array.isArray(arg) && arg.some(isHandle)) {
      const items: FanInItem[] = arg.map((item, index) =>
        isHandle(item) ? { kind: 'artifact', ref: this.refOf(item, what, location) } : { kind: 'value', value: encodeLiteral(item, `${what}[${index}]`, location) },
      );
      return { kind: 'fanIn', items };
    }
    if (isHandleObject(arg)) {
      throw new PipelineCompileError(`${what}: got the outputs object of a multi-output step; pass one output, e.g. ${Object.keys(arg)[0]}`, location);
    }
    return { kind: 'value', value: encodeLiteral(arg, what, location) };
  }

  private refOf(handle: OutputHandle, what: string, location?: SourceLocation): OutputRef {
    if (!this.byId.has(handle.invocationId)) {
      throw new PipelineCompileError(`${what}: the handle of "${handle.invocationId}" comes from another pipeline build`, location);
    }
    return { from: handle.invocationId, output: handle.output };
  }

  private nodeOptions(definition: StepDefinition, invocation: InvocationOptions, location?: SourceLocation): NodeOptions {
    const { merged, heartbeat, pool, labels, hooks } = mergeInvocationOptions(definition.options, invocation, this.pipelines.map((p) => p.options));
    if (merged.cacheKey !== undefined && typeof merged.cacheKey !== 'function') throw new PipelineCompileError(`step "${definition.name}": cacheKey must be a function (inputs, context) => string`, location);
    if (merged.cacheExpiresAfter !== undefined && durationSeconds(merged.cacheExpiresAfter) === undefined) {
      throw new PipelineCompileError(`step "${definition.name}": cacheExpiresAfter ${JSON.stringify(merged.cacheExpiresAfter)} is not a duration; use ${DURATION_FORMAT}`, location);
    }
    const options: NodeOptions = { hooks, ...this.dataOptions(definition, merged, location) };
    if (merged.cacheKey !== undefined) options.customCacheKey = true;
    if (heartbeat) options.heartbeat = { ...heartbeat };
    if (pool !== undefined) options.pool = pool;
    if (labels !== undefined) options.labels = { ...labels };
    if (merged.materializers) {
      options.materializers = Object.fromEntries(Object.entries(merged.materializers).map(([output, m]) => [output, m.name]));
    }
    return options;
  }

  /** Every data option of a step's merged options, as the node holds it (one schema says how): none when none is given. */
  private dataOptions(definition: StepDefinition, merged: object, location?: SourceLocation): Omit<NodeOptions, 'hooks'> {
    if (givesNoOption(merged)) return {};
    const { schemas } = optionRules();
    const problem = schemas.optionsProblem(schemas.stepDataOptionsSchema, merged);
    if (problem !== undefined) throw new PipelineCompileError(`step "${definition.name}": ${problem}`, location);
    return definedOptions(schemas.nodeDataOptionsSchema.parse(merged));
  }

  private addAfter(node: DagNode, target: AfterTarget, location?: SourceLocation): void {
    if (typeof target === 'string') {
      this.pendingAfter.push({ node, target, namespace: [...this.namespace], location });
      return;
    }
    const handles = isHandle(target) ? [target] : isHandleObject(target) ? Object.values(target) : [];
    if (handles.length === 0) throw new PipelineCompileError(`step "${node.step}": an after target must be a step output or an invocation id`, location);
    for (const handle of handles) {
      const from = this.refOf(handle, `step "${node.step}" after`, location).from;
      if (!node.after.includes(from)) node.after.push(from);
    }
  }

  private resolvePendingAfter(): void {
    for (const pending of this.pendingAfter) {
      const resolved = resolveAfterTarget(pending.target, pending.namespace, this.byId, pending.node.id);
      if ('problem' in resolved) throw new PipelineCompileError(resolved.problem, pending.location);
      if (!pending.node.after.includes(resolved.id)) pending.node.after.push(resolved.id);
    }
  }

  private checkAcyclic(): void {
    const cycle = findCycle(
      this.nodes.map((node) => node.id),
      (id) => upstreamIds(this.byId.get(id) as DagNode),
    );
    if (cycle) throw new PipelineCompileError(cycleMessage(cycle), this.byId.get(cycle[0])?.location);
  }

  private edges(): DagEdge[] {
    const edges: DagEdge[] = [];
    for (const node of this.nodes) {
      for (const [input, binding] of Object.entries(node.inputs)) {
        const refs = binding.kind === 'artifact' ? [binding.ref] : binding.kind === 'fanIn' ? binding.items.flatMap((item) => (item.kind === 'artifact' ? [item.ref] : [])) : [];
        for (const ref of refs) edges.push({ from: ref.from, fromOutput: ref.output, to: node.id, toInput: input, kind: 'data' });
      }
      for (const from of node.after) edges.push({ from, to: node.id, kind: 'order' });
    }
    return edges;
  }
}

/** Invocation ids a node waits for: data inputs and `after`. */
export function upstreamIds(node: DagNode): string[] {
  const ids = new Set<string>(node.after);
  for (const binding of Object.values(node.inputs)) {
    if (binding.kind === 'artifact') ids.add(binding.ref.from);
    if (binding.kind === 'fanIn') for (const item of binding.items) if (item.kind === 'artifact') ids.add(item.ref.from);
  }
  return [...ids];
}

function bindPipelineArgs(definition: PipelineDefinition, parameters: Record<string, unknown>): unknown[] {
  const names = definition.params.map((param) => param.name);
  const unknown = Object.keys(parameters).filter((key) => !names.includes(key));
  if (unknown.length > 0) {
    throw new PipelineCompileError(`pipeline "${definition.name}" has no parameter ${unknown.map((k) => `"${k}"`).join(', ')} (parameters: ${names.join(', ') || 'none'})`, definition.location);
  }
  return definition.params.map((param) => {
    if (parameters[param.name] === undefined && !param.hasDefault) {
      throw new PipelineCompileError(`pipeline "${definition.name}" needs parameter "${param.name}"`, definition.location);
    }
    return parameters[param.name];
  });
}

function outputsOf(returned: unknown, definition: PipelineDefinition): Record<string, OutputRef | OutputRef[]> {
  if (returned === undefined || returned === null) return {};
  const ref = (handle: OutputHandle): OutputRef => ({ from: handle.invocationId, output: handle.output });
  if (isHandle(returned)) return { output: ref(returned) };
  if (Array.isArray(returned) && returned.every(isHandle)) return { output: returned.map(ref) };
  if (typeof returned === 'object') {
    const outputs: Record<string, OutputRef | OutputRef[]> = {};
    for (const [key, value] of Object.entries(returned)) {
      if (isHandle(value)) outputs[key] = ref(value);
      else if (Array.isArray(value) && value.every(isHandle)) outputs[key] = value.map(ref);
      else throw new PipelineCompileError(`pipeline "${definition.name}" returns "${key}", which is not a step output`, definition.location);
    }
    return outputs;
  }
  throw new PipelineCompileError(`pipeline "${definition.name}" must return step outputs (or nothing)`, definition.location);
}

function isHandleObject(value: unknown): value is Record<string, OutputHandle> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).length > 0 && Object.values(value).every(isHandle);
}

function encodeLiteral(value: unknown, what: string, location?: SourceLocation): unknown {
  try {
    return encodeStructured(value);
  } catch (error) {
    throw new PipelineCompileError(`${what} cannot be stored as a parameter: ${(error as Error).message}`, location);
  }
}

function toArray<T>(value: readonly T[] | T | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

function lastSegment(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}
