/** Errors caused by what the user typed or wrote (exit code 2), as opposed to a failed run (1). */
const INPUT_ERRORS = new Set([
  'BundleError',
  'ExternalsConfigError',
  'BundleLoadError',
  'RunRequestError',
  'PipelineCompileError',
  'ParamConversionError',
  'RunConfigError',
  'RunNameTakenError',
  'RunNameError',
  'TypeAnnotationError',
  'UsageError',
  'ServiceSpecError',
  'SettingError',
]);

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function isInputError(error: unknown): boolean {
  return error instanceof Error && INPUT_ERRORS.has(error.name);
}
