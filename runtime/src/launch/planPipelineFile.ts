import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileRequest, runOverrides } from '../engine/session';
import { EMPTY_STORE, predictPlan, type PlanStoreReads } from '../engine/planPrediction';
import type { PipelinePlan } from '../model/plan';
import type { PlanRunRequest } from '../api/protocol';
import { loadRunConfig, runOptionsFromConfig } from '../config/runConfig';
import { InputError } from '../model/errorCodes';
import type { RunIdentity } from '../model/runnerProtocol';
import { localLauncher } from '../runnerPool/runnerPool';
import type { RunOptions } from '../sdk/options';
import { openRunStore } from '../store/openRunStore';
import { runtimeVersion } from '../system/packagePaths';
import { fileTargetOf, preparePipelineFile, type RunFileRequest } from './runPipelineFile';

export type { PipelinePlan } from '../model/plan';

export type PlanFileRequest = Pick<RunFileRequest, 'file' | 'pipeline' | 'step' | 'parameters' | 'parametersSource' | 'textParameters' | 'textParametersPrefix' | 'workingDir' | 'options'>;

/** What `pipewright plan` and `POST /v1/plan` are given (the route's body; the CLI's argument and flags). */
export type PlanTarget = Omit<PlanRunRequest, 'noCache'> & { noCache?: boolean; storeDir?: string };

/** The plan request of what `pipewright plan` and `POST /v1/plan` are given: the run config's pipeline, parameters and options, then the flags. */
export function planFileRequest(target: PlanTarget): PlanFileRequest {
  const config = target.config ? loadRunConfig(target.config) : undefined;
  const options: RunOptions = config ? runOptionsFromConfig(config) : {};
  if (target.storeDir) options.storeDir = target.storeDir;
  if (target.noCache) options.enableCache = false;
  return { ...fileTargetOf(target.file, target, config, target.params), ...(target.workingDir === undefined ? {} : { workingDir: target.workingDir }), options };
}

/** A store already open (the daemon's), read instead of the one of the file's store folder. */
export interface OpenStore {
  reads: PlanStoreReads;
  dir: string;
}

/**
 * `POST /v1/plan` on the daemon: the body's paths checked (each error names its field), then
 * planned against the daemon's own store, the one a run submitted to it would use.
 */
export function planForDaemon(body: PlanRunRequest, store: OpenStore): Promise<PipelinePlan> {
  for (const field of ['file', 'config', 'workingDir'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (!path.isAbsolute(value)) throw new InputError(`${field}: must be an absolute path (got ${value})`);
    const stat = fs.statSync(value, { throwIfNoEntry: false });
    const wanted = field === 'workingDir' ? 'folder' : 'file';
    if (!stat || (wanted === 'folder' ? !stat.isDirectory() : !stat.isFile())) throw new InputError(`${field}: no such ${wanted}: ${value}`);
  }
  let request: PlanFileRequest;
  try {
    request = planFileRequest({ ...body, storeDir: store.dir });
  } catch (error) {
    // Only the run config is read here: its errors say the file and line, the field is said first.
    if (error instanceof InputError) throw new InputError(`config: ${error.message}`);
    throw error;
  }
  return planPipelineFile({ ...request, textParametersPrefix: 'params.' }, store);
}

/**
 * Prepares the file as a run would (bundle, manifest, parameters), compiles it in a runner and
 * predicts each invocation against the store a run would use, read-only (`store` when given,
 * else the file's store folder). No step runs; a step's own `cacheKey` function does, in a
 * runner, as it would at the start of the run.
 */
export async function planPipelineFile(request: PlanFileRequest, openStore?: OpenStore): Promise<PipelinePlan> {
  const options = request.options ?? {};
  const prepared = await preparePipelineFile(request);
  const { workingDir, projectDir, bundle, manifest, target } = prepared;
  const storeDir = openStore?.dir ?? prepared.storeDir;
  const storeFound = openStore !== undefined || fs.existsSync(path.join(storeDir, 'pipewright.db'));
  const ownStore = openStore || !storeFound ? undefined : await openRunStore(storeDir, 'readOnly');
  const pool = localLauncher(
    { bundlePath: bundle.path, artifactsDir: path.join(storeDir, 'artifacts'), workingDir, projectDir },
    {
      onLog: (_owner, _stream, text) => process.stderr.write(text),
      onChildRun: () => Promise.reject(new Error('a plan starts no run')),
    },
  );
  try {
    const { dag, encodedParameters } = await compileRequest(pool, { target, parameters: prepared.parameters, options }, manifest);
    const run: RunIdentity = { runId: 'plan', runName: 'plan', pipeline: dag.pipeline, target, parameters: encodedParameters };
    const steps = await predictPlan({
      dag,
      cache: runOverrides(options),
      store: openStore?.reads ?? ownStore ?? EMPTY_STORE,
      runtimeVersion,
      workingDir,
      now: Date.now(),
      customKey: (node, inputs) => pool.cacheKey({ run, invocationId: node.id, stepName: node.step, inputs }, 1),
    });
    return { pipeline: dag.pipeline, storeDir, storeFound, steps };
  } finally {
    await pool.close();
    await ownStore?.close();
  }
}
