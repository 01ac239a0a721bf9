import type { RunOptions } from './options';
import type { RunSummary } from '../model/runSummary';

/** What `pipeline.run()` asks for: run pipeline `pipeline` of `file`. */
export interface PipelineRunRequest {
  file: string;
  pipeline: string;
  parameters: Record<string, unknown>;
  options?: RunOptions;
}

export type PipelineRunLauncher = (request: PipelineRunRequest) => Promise<RunSummary>;

let launcher: PipelineRunLauncher | undefined;

/**
 * The slot through which the SDK starts runs. The package entry fills it with the launcher, so
 * authoring code never imports the engine, the store or esbuild, and the SDK imports nothing above it.
 */
export function setPipelineRunLauncher(next: PipelineRunLauncher): void {
  launcher = next;
}

export function pipelineRunLauncher(): PipelineRunLauncher {
  if (!launcher) throw new Error('pipewright: this copy of the SDK cannot start runs (it was loaded without the package entry, `pipewright`)');
  return launcher;
}
