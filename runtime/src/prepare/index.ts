/** Build-time facts of a pipeline file: its bundle, its static manifest and value checks. */
export { bundlePipelineFile, BundleError } from './bundle';
export type { PipelineBundle } from './bundle';
export { extractModuleManifest, annotationProblems } from './typeExtract';
export type { ModuleManifest, StepManifest, PipelineManifest, ParamManifest, ExtractionProblem } from './typeExtract';
export { checkValue, describeType, convertParamText, convertParamValue, ParamConversionError } from './typeDescriptor';
export { resolveRunParameters } from './runParameters';
export type { ParameterSource } from './runParameters';
export type { TypeDescriptor } from './typeDescriptor';
