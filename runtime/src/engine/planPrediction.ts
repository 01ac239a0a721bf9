import type { ArtifactRef } from '../model/artifactRef';
import type { DagNode, InputBinding, PipelineDag } from '../model/dag';
import type { ResolvedInput } from '../model/runnerProtocol';
import { upstreamIds } from '../sdk/compile';
import type { CacheEntryRecord, RunRecord, RunStore } from '../store/runStore';
import { cacheKey, customCacheKey } from './cacheKey';
import { cacheEnabled, cacheSince, resolveInputs, type CacheSettings } from './cacheRules';
import type { StepPrediction } from '../model/plan';

export type { PipelinePlan, PlanReason, StepPrediction } from '../model/plan';

/** What a prediction reads of the store (nothing is written). */
export type PlanStoreReads = Pick<RunStore, 'lookupCache' | 'newestCacheEntry' | 'outputsCommittedUnder' | 'getRun' | 'getOutputs'>;

/** The reads of a store that does not exist yet: no entries, no runs. */
export const EMPTY_STORE: PlanStoreReads = {
  lookupCache: () => Promise.resolve(undefined),
  newestCacheEntry: () => Promise.resolve(undefined),
  outputsCommittedUnder: () => Promise.resolve(undefined),
  getRun: () => Promise.resolve(undefined),
  getOutputs: () => Promise.resolve({}),
};

export interface PredictionRequest {
  /** The DAG a run would execute (compiled, run options' parameters applied). */
  dag: PipelineDag;
  cache: CacheSettings;
  store: PlanStoreReads;
  runtimeVersion: string;
  /** The run's working folder (part of the default cache key). */
  workingDir: string;
  /** When the run would start (for `cacheExpiresAfter`). */
  now: number;
  /** The inputs part of a step's own cache key: its `cacheKey` function run in a runner, as the executor runs it. */
  customKey(node: DagNode, inputs: Record<string, ResolvedInput>): Promise<{ key: string } | { error: { message: string } }>;
}

/** What a prediction knows of an invocation's outputs. */
interface KnownOutputs {
  /** The outputs it will have for sure (it reuses an entry). */
  sure?: Record<string, ArtifactRef>;
  /** The outputs it will have if every invocation that runs produces what it produced under the same key before. */
  ifUnchanged?: Record<string, ArtifactRef>;
}

/**
 * What a run started now would do with each invocation, without running a step: the same
 * cache switches, inputs and keys as the executor (`cacheRules.ts`, `cacheKey.ts`), looked up
 * the same way. An upstream that is reused lends its entry's outputs to the keys below it. An
 * upstream that runs makes its dependents run; when it runs under a key it ran under before and
 * its dependent would be reused should it produce the same outputs again, the prediction says
 * so (`unlessUnchanged`), since only the run can tell.
 */
export async function predictPlan(request: PredictionRequest): Promise<StepPrediction[]> {
  const explainer = new MissExplainer(request);
  const known = new Map<string, KnownOutputs>();
  const predictions = new Map<string, StepPrediction>();
  for (const node of topologicalOrder(request.dag)) {
    const { prediction, outputs } = await predictOne(request, explainer, node, known);
    predictions.set(node.id, prediction);
    known.set(node.id, outputs);
  }
  return request.dag.nodes.map((node) => predictions.get(node.id) as StepPrediction);
}

async function predictOne(request: PredictionRequest, explainer: MissExplainer, node: DagNode, known: Map<string, KnownOutputs>): Promise<{ prediction: StepPrediction; outputs: KnownOutputs }> {
  const base = { id: node.id, step: node.step, codeHash: node.codeHash };
  const enabled = cacheEnabled(node, request.dag, request.cache);
  const committedUnder = async (key: string | undefined) => (key === undefined ? undefined : request.store.outputsCommittedUnder(key));
  const sure = resolveInputs(node, (from) => known.get(from)?.sure);
  const ifUnchanged = resolveInputs(node, (from) => known.get(from)?.ifUnchanged);
  if (!enabled) {
    // The executor computes a custom key only when the cache is on; a default key it records all the same.
    const key = node.options.customCacheKey || sure.missing.length > 0 ? undefined : defaultKey(request, node, sure.inputs);
    const assumed = node.options.customCacheKey || ifUnchanged.missing.length > 0 ? undefined : defaultKey(request, node, ifUnchanged.inputs);
    return { prediction: { ...base, action: 'run', reason: 'cache off', ...(key === undefined ? {} : { cacheKey: key }) }, outputs: { ifUnchanged: await committedUnder(assumed) } };
  }
  if (sure.missing.length === 0) {
    const key = await keyOf(request, node, sure.inputs);
    if ('error' in key) return { prediction: { ...base, action: 'run', reason: 'custom cache key failed', detail: key.error }, outputs: {} };
    const hit = await lookup(request, node, key.key);
    if (hit) return { prediction: { ...base, action: 'reuse', cacheKey: key.key }, outputs: { sure: hit, ifUnchanged: hit } };
    return { prediction: { ...base, action: 'run', ...(await explainer.explain(node, key.key, sure.inputs)), cacheKey: key.key }, outputs: { ifUnchanged: await committedUnder(key.key) } };
  }
  const upstream = [...new Set(sure.missing.map((ref) => ref.from))];
  const prediction: StepPrediction = { ...base, action: 'run', reason: 'upstream will run', detail: upstream.join(', ') };
  if (ifUnchanged.missing.length > 0) return { prediction, outputs: {} };
  const assumed = await keyOf(request, node, ifUnchanged.inputs);
  if ('error' in assumed) return { prediction, outputs: {} };
  const hit = await lookup(request, node, assumed.key);
  if (!hit) return { prediction, outputs: { ifUnchanged: await committedUnder(assumed.key) } };
  const unlessUnchanged: Record<string, Record<string, string>> = {};
  for (const ref of sure.missing) (unlessUnchanged[ref.from] ??= {})[ref.output] = (known.get(ref.from)?.ifUnchanged as Record<string, ArtifactRef>)[ref.output].hash;
  return { prediction: { ...prediction, unlessUnchanged }, outputs: { ifUnchanged: hit } };
}

function defaultKey(request: PredictionRequest, node: DagNode, inputs: Record<string, ResolvedInput>): string {
  return cacheKey(node, inputs, request.runtimeVersion, request.workingDir);
}

/** The key the executor computes for these inputs: the default one, or the step's own through its `cacheKey` function. */
async function keyOf(request: PredictionRequest, node: DagNode, inputs: Record<string, ResolvedInput>): Promise<{ key: string } | { error: string }> {
  if (!node.options.customCacheKey) return { key: defaultKey(request, node, inputs) };
  const custom = await request.customKey(node, inputs);
  return 'error' in custom ? { error: custom.error.message } : { key: customCacheKey(node, custom.key, request.runtimeVersion) };
}

/** A fresh entry under `key`, as the executor looks it up (a lookup that fails is a miss). */
function lookup(request: PredictionRequest, node: DagNode, key: string): Promise<Record<string, ArtifactRef> | undefined> {
  return request.store.lookupCache(key, cacheSince(node, request.now)).catch(() => undefined);
}

/** Invocations with each one after those it takes data from or runs after. */
function topologicalOrder(dag: PipelineDag): DagNode[] {
  const byId = new Map(dag.nodes.map((node) => [node.id, node]));
  const placed = new Set<string>();
  const order: DagNode[] = [];
  for (const start of dag.nodes) {
    const stack: { node: DagNode; next: number; upstream: string[] }[] = [];
    const push = (node: DagNode) => {
      if (!placed.has(node.id)) stack.push({ node, next: 0, upstream: upstreamIds(node) });
      placed.add(node.id);
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const up = top.upstream[top.next++];
      if (up === undefined) {
        order.push(top.node);
        stack.pop();
      } else {
        const upstream = byId.get(up);
        if (upstream) push(upstream);
      }
    }
  }
  return order;
}

/** Why a key is not in the store: compared with the invocation that made the step's newest entry. */
class MissExplainer {
  private readonly runs = new Map<string, Promise<RunRecord | undefined>>();

  constructor(private readonly request: PredictionRequest) {}

  async explain(node: DagNode, key: string, inputs: Record<string, ResolvedInput>): Promise<Pick<StepPrediction, 'reason' | 'detail' | 'since'>> {
    // An entry under this very key that is too old to reuse.
    if (cacheSince(node, this.request.now) !== undefined && (await this.request.store.lookupCache(key).catch(() => undefined))) return { reason: 'cache expired' };
    const entry = await this.request.store.newestCacheEntry(node.step, node.id);
    if (!entry) return { reason: 'no entry yet' };
    const run = await this.runOf(entry.runId);
    const since = run ? { since: { runId: run.id, runName: run.name } } : {};
    if (entry.key === key) return { reason: this.expired(node, entry) ? 'cache expired' : 'outputs missing', ...since };
    const before = run?.dag.nodes.find((candidate) => candidate.id === entry.invocationId);
    if (!run || !before) return { reason: 'runtime changed', ...since };
    return { ...(await this.difference(node, before, run, inputs)), ...since };
  }

  private expired(node: DagNode, entry: CacheEntryRecord): boolean {
    const since = cacheSince(node, this.request.now);
    return since !== undefined && entry.createdAt < since;
  }

  /** The first part of the key that differs, in the order an author changes them. */
  private async difference(node: DagNode, before: DagNode, run: RunRecord, inputs: Record<string, ResolvedInput>): Promise<Pick<StepPrediction, 'reason' | 'detail'>> {
    if (before.codeHash !== node.codeHash || JSON.stringify(before.outputs) !== JSON.stringify(node.outputs)) return { reason: 'code changed' };
    if (JSON.stringify(before.options.materializers ?? {}) !== JSON.stringify(node.options.materializers ?? {})) return { reason: 'materializer changed' };
    if (node.options.customCacheKey || before.options.customCacheKey) return { reason: 'custom cache key changed' };
    const names = [...new Set([...Object.keys(node.inputs), ...Object.keys(before.inputs)])].sort();
    const changedParameter = names.find((name) => literalOf(node.inputs[name]) !== literalOf(before.inputs[name]));
    if (changedParameter !== undefined) return { reason: 'parameter changed', detail: changedParameter };
    const outputsBefore = await this.prefetched(run, before);
    const { inputs: then } = resolveInputs(before, (from) => outputsBefore.get(from));
    const changedInput = names.find((name) => contentOf(inputs[name]) !== contentOf(then[name]));
    if (changedInput !== undefined) return { reason: 'input changed', detail: changedInput };
    if ((run.workingDir ?? undefined) !== this.request.workingDir) return { reason: 'working folder changed' };
    return { reason: 'runtime changed' };
  }

  /** The committed outputs, in `run`, of the invocations `node` takes data from. */
  private async prefetched(run: RunRecord, node: DagNode): Promise<Map<string, Record<string, ArtifactRef>>> {
    const outputs = new Map<string, Record<string, ArtifactRef>>();
    for (const from of upstreamIds(node)) outputs.set(from, await this.request.store.getOutputs(run.id, from));
    return outputs;
  }

  private runOf(runId: string): Promise<RunRecord | undefined> {
    let run = this.runs.get(runId);
    if (!run) this.runs.set(runId, (run = this.request.store.getRun(runId)));
    return run;
  }
}

/** A binding's literal part: its value, or a fan-in's literal items (what a parameter change changes). */
function literalOf(binding: InputBinding | undefined): string {
  if (binding === undefined) return 'default';
  if (binding.kind === 'value') return JSON.stringify({ v: binding.value });
  if (binding.kind === 'artifact') return 'artifact';
  return JSON.stringify({ f: binding.items.map((item) => (item.kind === 'value' ? { v: item.value } : 'artifact')) });
}

/** A resolved input's content: the hashes of the artifacts it carries. */
function contentOf(input: ResolvedInput | undefined): string {
  if (input === undefined) return 'none';
  if (input.kind === 'artifact') return input.ref.hash;
  if (input.kind === 'value') return 'value';
  return JSON.stringify(input.items.map((item) => (item.kind === 'artifact' ? item.ref.hash : 'value')));
}
