import type { TypeDescriptor } from './typeDescriptor';

/**
 * What the analysis engine knows before a run of a pipeline file and its imports (its "module
 * manifest"): per step and pipeline, which parameters and returns are annotated, and a JSON type
 * descriptor of each. Built by the engine (`server/src/analysis/moduleManifest.ts`), cached by
 * bundle hash, and used for run parameters, `enforceTypeAnnotations` and value checks between steps.
 */
export interface ParamManifest {
  name: string;
  /** Whether the parameter has an explicit type annotation (a default value alone is not one). */
  annotated: boolean;
  typeText: string;
  type: TypeDescriptor;
  optional: boolean;
  isAny: boolean;
}

export interface StepManifest {
  name: string;
  file: string;
  line: number;
  column: number;
  params: ParamManifest[];
  returnAnnotated: boolean;
  returnTypeText: string;
  /** Return type with Promise unwrapped. */
  returnType: TypeDescriptor;
  declaredOutputs?: string[];
  /** `output` for a single output, else each declared output's property type. */
  outputTypes: Record<string, TypeDescriptor>;
}

export interface PipelineManifest {
  name: string;
  file: string;
  line: number;
  column: number;
  params: ParamManifest[];
}

export interface ExtractionProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ModuleManifest {
  steps: Record<string, StepManifest>;
  pipelines: Record<string, PipelineManifest>;
  problems: ExtractionProblem[];
}

/** Where the manifest's program comes from: the tsconfig given, else the nearest one above the entry. */
export interface ManifestOptions {
  tsconfigPath?: string;
}
