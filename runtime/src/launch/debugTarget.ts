import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeStructured } from '../artifacts/structured';
import { resolveInputs } from '../engine/cacheRules';
import { inputTypesOf } from '../engine/session';
import type { ArtifactRef } from '../model/artifactRef';
import type { DagNode } from '../model/dag';
import { CodedError, InputError } from '../model/errorCodes';
import type { ModuleManifest } from '../model/moduleManifest';
import type { ExecuteTask, ResolvedInput, RunnerConfig } from '../model/runnerProtocol';
import { storedRunTarget } from '../model/runTarget';
import { convertParamValue } from '../prepare/typeDescriptor';
import type { RunRecord, RunStore } from '../store/runStore';

/** One step of a past run, ready to execute again under a debugger: the run's code, its inputs. */
export interface DebugTarget {
  run: RunRecord;
  node: DagNode;
  /** The run's own bundle (the code that ran, whatever the source file holds now). */
  bundle: { path: string; hash: string };
  /** Where the step is, and whether that file changed since the run (its lines may no longer be the ones that ran). */
  source?: { file: string; line: number; changedSinceRun: boolean };
  /** Where each input comes from, for the user: `output "train" of step "split"`, `literal`, `FILE (by hand)`. */
  inputSources: Record<string, string>;
  config: RunnerConfig;
  task: ExecuteTask;
}

/** An input given by hand: `--input NAME=FILE.json`. */
export interface HandInput {
  name: string;
  file: string;
}

/**
 * What `pipewright debug RUN STEP` executes: the invocation `invocationId` of `run` with the inputs
 * that run gave it (its upstream outputs from the store, its literal parameters), or those given by
 * hand, in the run's bundle, from the run's working folder. Unknown steps and inputs that the run
 * never produced are bad input (naming what and how to give it by hand); a bundle or artifact the
 * store lost is the environment's failure (exit 1).
 */
export async function debugTargetOf(store: RunStore, run: RunRecord, invocationId: string, handInputs: readonly HandInput[]): Promise<DebugTarget> {
  const node = run.dag.nodes.find((candidate) => candidate.id === invocationId);
  if (!node) throw new InputError(`run ${run.name} has no step "${invocationId}" (steps: ${run.dag.nodes.map((n) => n.id).join(', ')})`);
  if (!fs.existsSync(run.bundlePath)) throw new CodedError('io', `the code of run ${run.name} is gone: its bundle ${run.bundlePath} is no longer in the store`);
  const manifest = run.manifest as ModuleManifest | undefined;
  const inputTypes = inputTypesOf(manifest)[node.step] ?? {};
  const byHand = new Map<string, unknown>();
  for (const input of handInputs) {
    if (!node.params.includes(input.name)) throw new InputError(`--input ${input.name}: step "${node.step}" has no parameter "${input.name}" (parameters: ${node.params.join(', ') || 'none'})`);
    byHand.set(input.name, convertParamValue(readJsonFile(input), inputTypes[input.name], `--input ${input.name}`));
  }
  const outputs = new Map<string, Record<string, ArtifactRef>>();
  for (const upstream of new Set(run.dag.edges.filter((edge) => edge.to === node.id && edge.kind === 'data').map((edge) => edge.from))) {
    outputs.set(upstream, await store.getOutputs(run.id, upstream));
  }
  const { inputs: resolved } = resolveInputs(node, (from) => outputs.get(from));
  const inputs: Record<string, ResolvedInput> = {};
  const inputSources: Record<string, string> = {};
  for (const [name, binding] of Object.entries(node.inputs)) {
    const hand = handInputs.find((input) => input.name === name);
    if (hand) {
      inputs[name] = { kind: 'value', value: encodeStructured(byHand.get(name)) };
      inputSources[name] = `${hand.file} (by hand)`;
      continue;
    }
    const input = resolved[name];
    if (!input) {
      const refs = binding.kind === 'artifact' ? [binding.ref] : binding.kind === 'fanIn' ? binding.items.flatMap((item) => (item.kind === 'artifact' ? [item.ref] : [])) : [];
      const absent = refs.filter((ref) => !outputs.get(ref.from)?.[ref.output]).map((ref) => `output "${ref.output}" of step "${ref.from}"`);
      throw new InputError(`input "${name}" of step "${node.id}" comes from ${absent.join(', ')}, which run ${run.name} never committed; give it by hand with --input ${name}=FILE.json`);
    }
    for (const ref of artifactsOf(input)) {
      if (!(await store.artifacts.has(ref.hash))) throw new CodedError('io', `input "${name}" of step "${node.id}": artifact ${ref.hash} (${ref.what}) is missing from the store; give it by hand with --input ${name}=FILE.json`);
    }
    inputs[name] = input;
    inputSources[name] = describeSource(input);
  }
  const steps = await store.getSteps(run.id);
  const attempts = steps.find((record) => record.invocationId === node.id)?.attempts ?? 0;
  const workingDir = run.workingDir ?? process.cwd();
  const location = node.location;
  const source = location && { file: location.file, line: location.line, changedSinceRun: changedSince(location.file, run.createdAt) };
  return {
    run,
    node,
    bundle: { path: run.bundlePath, hash: path.basename(run.bundlePath).replace(/\.cjs$/, '') },
    ...(source ? { source } : {}),
    inputSources,
    config: { bundlePath: run.bundlePath, artifactsDir: path.join(store.dir, 'artifacts'), workingDir, projectDir: run.projectDir ?? workingDir },
    task: {
      run: { runId: run.id, runName: run.name, pipeline: run.pipeline, target: storedRunTarget(run.dag.target, run.pipeline), parameters: run.parameters },
      invocationId: node.id,
      stepName: node.step,
      // The context says the attempt the run ended on: code that reads it behaves as it did then.
      attempt: Math.max(1, attempts),
      inputs,
      inputTypes,
    },
  };
}

function readJsonFile(input: HandInput): unknown {
  let text: string;
  try {
    text = fs.readFileSync(input.file, 'utf8');
  } catch (error) {
    throw new InputError(`--input ${input.name}: cannot read ${input.file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`--input ${input.name}: ${input.file} is not JSON (${(error as Error).message})`);
  }
}

function artifactsOf(input: ResolvedInput): { hash: string; what: string }[] {
  const named = (ref: { hash: string }, source: { step: string; output: string } | undefined) => ({ hash: ref.hash, what: source ? `output "${source.output}" of step "${source.step}"` : 'an input' });
  if (input.kind === 'artifact') return [named(input.ref, input.source)];
  if (input.kind === 'fanIn') return input.items.flatMap((item) => (item.kind === 'artifact' ? [named(item.ref, item.source)] : []));
  return [];
}

function describeSource(input: ResolvedInput): string {
  if (input.kind === 'value') return 'literal';
  if (input.kind === 'artifact') return input.source ? `output "${input.source.output}" of step "${input.source.step}"` : 'an artifact';
  return `${input.items.length} items (${input.items.map((item) => (item.kind === 'value' ? 'literal' : item.source ? `${item.source.step}.${item.source.output}` : 'artifact')).join(', ')})`;
}

/** Whether `file` is gone or was written after `since` (ms): the debugger then shows lines that may not be the ones that ran. */
function changedSince(file: string, since: number): boolean {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return !stat || stat.mtimeMs > since;
}
