import * as path from 'node:path';
import type { RunOptions } from '../sdk/options';
import { resolveStore } from '../api/storeFolder';
import type { RunSummary } from '../model/runSummary';

export interface LoadArtifactQuery {
  /** Run id, unique id prefix, or run name. */
  run: string;
  /** Invocation id within the run. */
  step: string;
  /** Output name (default `output`). */
  output?: string;
  storeDir?: string;
}

/** Loads one output of any past run back into a value (a Promise: the store and the artifacts may be remote). */
export async function loadArtifact(query: LoadArtifactQuery): Promise<unknown> {
  const { dir, url } = resolveStore(query.storeDir, process.cwd());
  // Loaded here: `import 'pipewright'` (and every runner) would otherwise load SQLite for this one function.
  const { openRunStore } = await import('../store/openRunStore.js');
  const store = await openRunStore(dir, 'readWrite', url);
  try {
    const run = await store.findRun(query.run);
    if (!run) throw new Error(`no run "${query.run}" in ${store.dir}`);
    const outputs = await store.getOutputs(run.id, query.step);
    if (Object.keys(outputs).length === 0) {
      const ids = (await store.getSteps(run.id)).map((s) => s.invocationId);
      if (!ids.includes(query.step)) throw new Error(`run ${run.name} has no step "${query.step}" (steps: ${ids.join(', ')})`);
      throw new Error(`step "${query.step}" of run ${run.name} has no committed outputs`);
    }
    const output = query.output ?? 'output';
    const ref = Object.hasOwn(outputs, output) ? outputs[output] : undefined;
    if (!ref) throw new Error(`step "${query.step}" of run ${run.name} has no output "${output}" (outputs: ${Object.keys(outputs).join(', ')})`);
    return await store.artifacts.get(ref, `output "${output}" of step "${query.step}" in run ${run.name} (${run.id})`);
  } finally {
    await store.close();
  }
}

export interface RunStepRequest {
  /** File defining (or importing) the step. */
  file: string;
  step: string;
  /** Values for the step's parameters, by name. */
  inputs: Record<string, unknown>;
  options?: RunOptions;
}

/** Runs a single step with given inputs, as a one-node run named after the step. */
export async function runStep(request: RunStepRequest): Promise<RunSummary> {
  const { runPipelineFile } = await import('./runPipelineFile.js');
  return runPipelineFile({
    file: path.resolve(request.file),
    step: request.step,
    parameters: request.inputs,
    options: request.options,
  });
}
