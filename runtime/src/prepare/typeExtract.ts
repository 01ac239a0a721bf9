import type { ManifestOptions, ModuleManifest, StepManifest } from '../model/moduleManifest';
import { loadAnalysisEngine } from './analysisEngine';

export type { ExtractionProblem, ManifestOptions, ModuleManifest, ParamManifest, PipelineManifest, StepManifest } from '../model/moduleManifest';

/**
 * The module manifest of a pipeline file and its imports: the analysis engine's query
 * (`server/src/analysis/moduleManifest.ts`, through its bundle), so a run knows its steps'
 * annotations and type descriptors from the same analysis the editor and `pipewright check` use.
 * Never throws for the user's code.
 */
export function extractModuleManifest(entryFile: string, options: ManifestOptions = {}): ModuleManifest {
  return loadAnalysisEngine().extractModuleManifest(entryFile, options);
}

/** Human messages for each missing annotation of a step (used by enforceTypeAnnotations). */
export function annotationProblems(step: StepManifest): string[] {
  const problems: string[] = [];
  for (const param of step.params) {
    if (!param.annotated) problems.push(`parameter '${param.name}' has no type annotation`);
    else if (param.isAny) problems.push(`parameter '${param.name}' is typed any`);
  }
  if (!step.returnAnnotated) problems.push('return type is not annotated');
  return problems;
}
