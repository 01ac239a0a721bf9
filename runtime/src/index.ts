/**
 * The `pipewright` package: what pipeline code imports.
 *
 * ```ts
 * import { step, pipeline } from 'pipewright';
 * export const load = step(async function load(path: string): Promise<Row[]> { ... });
 * export const training = pipeline(function training(path: string) { load(path); });
 * ```
 */
import { setPipelineRunLauncher } from './sdk/runLauncher';

// Loaded lazily: authoring code and runners that never start a run need neither the engine, the store nor esbuild.
setPipelineRunLauncher(async (request) => (await import('./launch/runPipelineFile.js')).runPipelineFile(request));

export { step, isStep } from './sdk/step';
export type { Step, StepFunction, StepOutputs, StepDefinition } from './sdk/step';
export { pipeline, isPipeline } from './sdk/pipeline';
export type { Pipeline, PipelineFunction, PipelineDefinition } from './sdk/pipeline';
export { PipelineCompileError } from './sdk/compile';
export { getStepContext } from './sdk/context';
export type { StepContext, ChildRunResult } from './sdk/context';
export type { OutputHandle, Input } from './sdk/handles';
export type {
  StepOptions,
  InvocationOptions,
  PipelineOptions,
  RunOptions,
  StepOverride,
  RetryOptions,
  SuccessHook,
  FailureHook,
  AfterTarget,
  CacheKeyFunction,
  CacheKeyContext,
} from './sdk/options';
export { fileHash } from './artifacts/fileHash';
export { registerMaterializer } from './artifacts/materializers';
export type { Materializer } from './artifacts/materializers';
export { webhookAlert } from './hooks/webhookAlert';
export type { WebhookAlertOptions } from './hooks/webhookAlert';
export { loadArtifact, runStep } from './launch/publicApi';
export type { LoadArtifactQuery, RunStepRequest } from './launch/publicApi';
export type { RunSummary, StepSummary, AttemptSummary } from './model/runSummary';
export type { AttemptError } from './model/attemptError';
export type { PipelineDag, DagNode, DagEdge } from './model/dag';
export type { StepStatus, RunStatus, ExecutionMode } from './model/status';
