import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileRequest, runOverrides } from '../engine/session';
import { EMPTY_STORE, predictPlan, type StepPrediction } from '../engine/planPrediction';
import type { RunIdentity } from '../model/runnerProtocol';
import { localLauncher } from '../runnerPool/runnerPool';
import { openRunStore } from '../store/openRunStore';
import { runtimeVersion } from '../system/packagePaths';
import { preparePipelineFile, type RunFileRequest } from './runPipelineFile';

/** What a run of a pipeline file started now would do, step by step (`pipewright plan`). */
export interface PipelinePlan {
  pipeline: string;
  /** The store folder whose cache was read. */
  storeDir: string;
  /** False when that folder holds no store yet (every step then runs: no entry yet). */
  storeFound: boolean;
  steps: StepPrediction[];
}

export type PlanFileRequest = Pick<RunFileRequest, 'file' | 'pipeline' | 'step' | 'parameters' | 'parametersSource' | 'textParameters' | 'workingDir' | 'options'>;

/**
 * Prepares the file as a run would (bundle, manifest, parameters), compiles it in a runner and
 * predicts each invocation against the store a run would use, read-only. No step runs; a step's
 * own `cacheKey` function does, in a runner, as it would at the start of the run.
 */
export async function planPipelineFile(request: PlanFileRequest): Promise<PipelinePlan> {
  const options = request.options ?? {};
  const prepared = await preparePipelineFile(request);
  const { storeDir, workingDir, projectDir, bundle, manifest, target, parameters } = prepared;
  const storeFound = fs.existsSync(path.join(storeDir, 'pipewright.db'));
  const store = storeFound ? await openRunStore(storeDir, 'readOnly') : undefined;
  const pool = localLauncher(
    { bundlePath: bundle.path, artifactsDir: path.join(storeDir, 'artifacts'), workingDir, projectDir },
    {
      onLog: (_owner, _stream, text) => process.stderr.write(text),
      onChildRun: () => Promise.reject(new Error('a plan starts no run')),
    },
  );
  try {
    const { dag, encodedParameters } = await compileRequest(pool, { target, parameters, options }, manifest);
    const run: RunIdentity = { runId: 'plan', runName: 'plan', pipeline: dag.pipeline, target, parameters: encodedParameters };
    const steps = await predictPlan({
      dag,
      cache: runOverrides(options),
      store: store ?? EMPTY_STORE,
      runtimeVersion,
      workingDir,
      now: Date.now(),
      customKey: (node, inputs) => pool.cacheKey({ run, invocationId: node.id, stepName: node.step, inputs }, 1),
    });
    return { pipeline: dag.pipeline, storeDir, storeFound, steps };
  } finally {
    await pool.close();
    await store?.close();
  }
}
