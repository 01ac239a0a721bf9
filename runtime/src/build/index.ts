/** Build-time facts of a pipeline file: its bundle, its static manifest and value checks. */
export { bundlePipelineFile, BundleError } from './bundle';
export type { PipelineBundle } from './bundle';
export { extractModuleManifest, annotationProblems, Describer } from './typeExtract';
export type { ModuleManifest, StepManifest, PipelineManifest, ParamManifest, ExtractionProblem } from './typeExtract';
export { checkValue, describeType, convertParamText, ParamConversionError } from './typeDescriptor';
export type { TypeDescriptor } from './typeDescriptor';
