import type { ArtifactRef } from '../model/artifactRef';
import type { DagNode, InputBinding, OutputRef, PipelineDag } from '../model/dag';
import type { ArtifactSource, ResolvedInput } from '../model/runnerProtocol';

/** A run's cache switches: run-level `enableCache` and per-invocation overrides from the run config. */
export interface CacheSettings {
  enableCache?: boolean;
  overrides: Record<string, { enableCache?: boolean }>;
}

/** Whether an invocation may reuse and record cache entries: per-step run override > run > invocation/step > pipeline > on. */
export function cacheEnabled(node: DagNode, dag: PipelineDag, settings: CacheSettings): boolean {
  return settings.overrides[node.id]?.enableCache ?? settings.enableCache ?? node.options.enableCache ?? dag.options.enableCache ?? true;
}

/** The oldest cache entry an invocation may still reuse at `now` (its `cacheExpiresAfter`), or `undefined` for any. */
export function cacheSince(node: DagNode, now: number): number | undefined {
  return node.options.cacheExpiresAfter === undefined ? undefined : now - node.options.cacheExpiresAfter * 1000;
}

/**
 * Input bindings with upstream outputs replaced by their artifacts, as `outputsOf` knows them.
 * An input whose upstream output is unknown is left out and named in `missing`.
 */
export function resolveInputs(node: DagNode, outputsOf: (from: string) => Record<string, ArtifactRef> | undefined): { inputs: Record<string, ResolvedInput>; missing: OutputRef[] } {
  const inputs: Record<string, ResolvedInput> = {};
  const missing: OutputRef[] = [];
  const artifact = (ref: OutputRef): ArtifactRef | undefined => {
    const found = outputsOf(ref.from)?.[ref.output];
    if (!found) missing.push(ref);
    return found;
  };
  for (const [name, binding] of Object.entries(node.inputs) as [string, InputBinding][]) {
    if (binding.kind === 'value') inputs[name] = binding;
    else if (binding.kind === 'artifact') {
      const ref = artifact(binding.ref);
      if (ref) inputs[name] = { kind: 'artifact', ref, source: { step: binding.ref.from, output: binding.ref.output } };
    } else {
      const items = binding.items.map((item) => (item.kind === 'value' ? item : { kind: 'artifact' as const, ref: artifact(item.ref), source: { step: item.ref.from, output: item.ref.output } }));
      if (items.every((item) => item.kind === 'value' || item.ref)) inputs[name] = { kind: 'fanIn', items: items as ({ kind: 'artifact'; ref: ArtifactRef; source: ArtifactSource } | { kind: 'value'; value: unknown })[] };
    }
  }
  return { inputs, missing };
}
