/**
 * Which files are pipeline code: the language server analyses them and the extension watches
 * them (the Pipelines view refreshes when one is created). Pure.
 */

/** Whether a file is one the analysis reads as pipeline code: TypeScript or JavaScript source, not a declaration file. */
export function isPipelineSource(file: string): boolean {
  return /\.(ts|mts|cts|tsx|js|mjs|cjs)$/.test(file) && !/\.d\.[cm]?ts$/.test(file);
}
