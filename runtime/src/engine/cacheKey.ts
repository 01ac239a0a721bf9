import { createHash } from 'node:crypto';
import type { DagNode } from '../model/dag';
import type { ResolvedInput } from '../model/runnerProtocol';

/**
 * The cache key of one invocation: the step's code, its literal parameters, the content
 * hashes of its inputs, the working folder (the same relative path names another file from
 * another folder), the materializers chosen for its outputs and the runtime version.
 * Anything else (run name, ids of upstream invocations) deliberately stays out.
 */
export function cacheKey(node: DagNode, inputs: Record<string, ResolvedInput>, runtimeVersion: string, workingDir: string): string {
  const inputKeys = Object.keys(inputs)
    .sort()
    .map((name) => [name, inputFingerprint(inputs[name])]);
  return keyOf(node, runtimeVersion, { inputs: inputKeys, workingDir });
}

/** The cache key of an invocation whose step computes its own inputs part (the `cacheKey` option): that string replaces inputs and folder. */
export function customCacheKey(node: DagNode, stepKey: string, runtimeVersion: string): string {
  return keyOf(node, runtimeVersion, { custom: stepKey });
}

function keyOf(node: DagNode, runtimeVersion: string, inputsPart: Record<string, unknown>): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        runtime: runtimeVersion,
        step: node.step,
        code: node.codeHash,
        outputs: node.outputs,
        materializers: node.options.materializers ?? {},
        ...inputsPart,
      }),
    )
    .digest('hex');
}

function inputFingerprint(input: ResolvedInput): unknown {
  switch (input.kind) {
    case 'artifact':
      return { a: input.ref.hash };
    case 'value':
      return { v: input.value };
    case 'fanIn':
      return { f: input.items.map((item) => (item.kind === 'artifact' ? { a: item.ref.hash } : { v: item.value })) };
  }
}
