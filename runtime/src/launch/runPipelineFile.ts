import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundlePipelineFile, type PipelineBundle } from '../prepare/bundle';
import type { ModuleManifest } from '../prepare/typeExtract';
import { resolveRunParameters } from '../prepare/runParameters';
import { encodeStructured } from '../artifacts/structured';
import type { RunOptions } from '../sdk/options';
import type { OrchestratorClient } from '../api/client';
import type { RunDetail, SubmitRunRequest } from '../api/protocol';
import type { Clock } from '../engine/clock';
import type { EngineListener } from '../model/events';
import { manifestFor } from './manifestCache';
import { resolveStore } from '../api/storeFolder';
import { projectRoot } from '../system/projectRoot';
import type { RunSummary } from '../model/runSummary';
import { EngineSession, RunRequestError } from '../engine/session';
import { openRunStore } from '../store/openRunStore';
import { localLauncher } from '../runnerPool/runnerPool';
import type { SlotPool } from '../engine/slots';
import { pipelineTarget, stepTarget, type RunTarget } from '../model/runTarget';
import { checkOptions, startOptionsSchema } from '../model/runOptions';

export interface RunFileRequest {
  file: string;
  /** Pipeline name; may be left out when the file defines exactly one pipeline. */
  pipeline?: string;
  /** Run only this step (a one-node run), instead of a pipeline. */
  step?: string;
  parameters?: Record<string, unknown>;
  /** Where `parameters` come from, for errors (a run config's path); default `run parameters`. */
  parametersSource?: string;
  /** Parameters given as text (CLI `--param k=v`), converted to the declared parameter types. */
  textParameters?: Record<string, string>;
  /** How errors name a text parameter (`--param ` when left out). */
  textParametersPrefix?: string;
  /** Parameters every other source overrides (a reused run's, named by `where` in errors). */
  baseParameters?: { where: string; values: Record<string, unknown> };
  /** Where the steps run, so their relative paths resolve against it (default: this process's working folder). */
  workingDir?: string;
  options?: RunOptions;
  listener?: EngineListener;
  clock?: Clock;
  /** Aborting cancels the run: running steps are stopped, the rest marked cancelled. */
  signal?: AbortSignal;
  /** Rewrites the heartbeat URL runners get (fault-injection tests). */
  heartbeatUrl?: (url: string) => string;
  /** Concurrency slots to share with other runs in this process. */
  slots?: SlotPool;
}

/** Picks what to run: the named step, the named pipeline, or the only pipeline the file defines. */
export function chooseTarget(manifest: ModuleManifest, file: string, requested: Pick<RunFileRequest, 'pipeline' | 'step'>): RunTarget {
  const names = Object.keys(manifest.pipelines);
  if (requested.step !== undefined) {
    const steps = Object.keys(manifest.steps);
    if (!steps.includes(requested.step)) throw new RunRequestError(`${file}: no step named "${requested.step}" (steps: ${steps.join(', ') || 'none'})`);
    return stepTarget(requested.step);
  }
  // A named pipeline the static pass missed is still tried: the runner's registry is the
  // final word, and its error lists the pipelines the module really defines.
  if (requested.pipeline !== undefined) return pipelineTarget(requested.pipeline);
  if (names.length === 1) return pipelineTarget(names[0]);
  if (names.length === 0) throw new RunRequestError(`${file}: defines no pipeline (export one made with pipeline(...) from "pipewright")`);
  throw new RunRequestError(`${file}: defines several pipelines (${names.join(', ')}); choose one with --pipeline`);
}

/**
 * What a run or a plan targets, from what the CLI and the API are given: the file, `step` or else
 * `pipeline` (or the run config's), the config's parameters, then the text parameters (`--param`).
 */
export function fileTargetOf(
  file: string,
  given: { step?: string; pipeline?: string; config?: string },
  config: { pipeline?: string; parameters?: Record<string, unknown> } | undefined,
  textParameters: Record<string, string>,
): Pick<RunFileRequest, 'file' | 'pipeline' | 'step' | 'parameters' | 'parametersSource' | 'textParameters'> {
  return {
    file,
    pipeline: given.step ? undefined : (given.pipeline ?? config?.pipeline),
    step: given.step,
    parameters: config?.parameters ?? {},
    parametersSource: given.config,
    textParameters,
  };
}

/** A pipeline file made ready to run: bundled, analysed, pipeline chosen, parameters typed. */
export interface PreparedFile {
  file: string;
  storeDir: string;
  /** The PostgreSQL database of the runs (`--store postgres://...` or PIPEWRIGHT_STORE_URL), if not the folder's SQLite store. */
  storeUrl?: string;
  /** The folder the user ran from (absolute). */
  workingDir: string;
  /** The project root of the pipeline file: its node_modules provide the bundle's externals. */
  projectDir: string;
  bundle: PipelineBundle;
  manifest: ModuleManifest;
  target: RunTarget;
  parameters: Record<string, unknown>;
}

/** Everything that happens on the author's side before a run can be created (here or on a daemon). */
export async function preparePipelineFile(request: Pick<RunFileRequest, 'file' | 'pipeline' | 'step' | 'parameters' | 'parametersSource' | 'textParameters' | 'textParametersPrefix' | 'baseParameters' | 'workingDir' | 'options'>): Promise<PreparedFile> {
  // The SDK's entry (`pipeline.run()`, `runStep`) and the CLI's: the same rules as the API's and YAML configs'.
  checkOptions(startOptionsSchema, request.options ?? {}, 'run options');
  const file = path.resolve(request.file);
  const workingDir = path.resolve(request.workingDir ?? process.cwd());
  const projectDir = projectRoot(path.dirname(file));
  const { dir: storeDir, url: storeUrl } = resolveStore(request.options?.storeDir, path.dirname(file));
  const bundle = await bundlePipelineFile(file, storeDir);
  const manifest = manifestFor(file, bundle, storeDir);
  const target = chooseTarget(manifest, request.file, request);
  const parameters = resolveRunParameters(manifest, target, [
    ...(request.baseParameters ? [{ kind: 'values' as const, ...request.baseParameters }] : []),
    { kind: 'values', where: request.parametersSource ?? 'run parameters', values: request.parameters ?? {} },
    { kind: 'text', values: request.textParameters ?? {}, ...(request.textParametersPrefix === undefined ? {} : { prefix: request.textParametersPrefix }) },
  ]);
  return { file, storeDir, ...(storeUrl === undefined ? {} : { storeUrl }), workingDir, projectDir, bundle, manifest, target, parameters };
}

/**
 * Submits a prepared file to `orchestrator` (a remote one), or else to this store's daemon
 * (started on demand). The local daemon is told the working folder and project root, so the
 * run behaves as if it ran here; a remote orchestrator has neither folder, so they are not sent
 * and its steps run in its own working folder.
 */
export async function submitPrepared(prepared: PreparedFile, options: RunOptions, orchestrator?: OrchestratorClient, reuse?: SubmitRunRequest['reuse']): Promise<{ client: OrchestratorClient; run: RunDetail }> {
  const client = orchestrator ?? (await orchestratorFor(prepared.file, options));
  const { storeDir: _store, detach: _detach, ...sent } = options;
  const run = await client.submitRun({
    ...(orchestrator ? {} : { workingDir: prepared.workingDir, projectDir: prepared.projectDir }),
    file: prepared.file,
    target: prepared.target,
    parameters: encodeStructured(prepared.parameters) as Record<string, unknown>,
    options: sent,
    bundle: fs.readFileSync(prepared.bundle.path, 'utf8'),
    manifest: prepared.manifest,
    ...(reuse ? { reuse } : {}),
  });
  return { client, run };
}

/** The daemon of the store a run of `file` with `options` records into (started on demand). */
export async function orchestratorFor(file: string, options: RunOptions): Promise<OrchestratorClient> {
  const { dir, url } = resolveStore(options.storeDir, path.dirname(path.resolve(file)));
  return (await import('../api/daemonControl.js')).connectDaemon(dir, { storeUrl: url });
}

/** Bundles, analyses, compiles and runs one pipeline file in this process (the SDK's `pipeline.run()`). */
export async function runPipelineFile(request: RunFileRequest): Promise<RunSummary> {
  const options = request.options ?? {};
  const prepared = await preparePipelineFile(request);
  const { file, storeDir, storeUrl, workingDir, projectDir, bundle, manifest, target, parameters } = prepared;
  if (options.detach) {
    // A detached run belongs to the orchestrator daemon, which outlives this process.
    return (await submitPrepared(prepared, options)).run;
  }
  const store = await openRunStore(storeDir, 'readWrite', storeUrl);
  const session = new EngineSession({ store, bundle, sourceFile: file, workingDir, projectDir, manifest, clock: request.clock, listener: request.listener, heartbeatUrl: request.heartbeatUrl, slots: request.slots, launcher: localLauncher });
  try {
    const plan = await session.prepare({ target, parameters, options });
    const cancel = () => session.cancel(plan.run.runId);
    request.signal?.addEventListener('abort', cancel, { once: true });
    try {
      if (request.signal?.aborted) queueMicrotask(cancel);
      await session.execute(plan);
    } finally {
      request.signal?.removeEventListener('abort', cancel);
    }
    return await session.summary(plan.run.runId);
  } finally {
    await session.close();
    await store.close();
  }
}
