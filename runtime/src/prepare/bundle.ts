import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { projectRoot } from '../system/projectRoot';
import { listedExternals, nativePackagesExternal } from './externals';
import { DiskFullError, isDiskFull, UnprocessableError } from '../model/errorCodes';
import { ownerOnlyDir, writeOwnerOnly } from '../system/ownerOnly';

export interface PipelineBundle {
  /** Absolute path of the bundle file (content-addressed, under the store's `bundles/`). */
  path: string;
  /** sha256 of the bundle text. */
  hash: string;
}

/** Raised when esbuild cannot bundle the pipeline file; the message lists each error with its location. */
export class BundleError extends UnprocessableError {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/**
 * Bundles a pipeline file and its imports into one CommonJS file, with `pipewright` left
 * external (the runner supplies its own). The bundle is what a run executes, so a run can be
 * re-executed (or shipped to a remote orchestrator) without the author's source tree.
 * Packages with native addons and those the project lists (build/externals.ts) stay external
 * too: the runner loads them from the project's node_modules.
 */
export async function bundlePipelineFile(entryFile: string, storeDir: string, external: readonly string[] = []): Promise<PipelineBundle> {
  const entry = path.resolve(entryFile);
  if (!fs.existsSync(entry)) throw new BundleError(`pipeline file not found: ${entryFile}`);
  const externals = ['pipewright', ...listedExternals(projectRoot(path.dirname(entry))), ...external];
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      keepNames: true,
      // The map names the author's files by absolute URL, so stack traces in runners (which
      // load the bundle from the store's bundles/ folder) point at the original .ts lines.
      absWorkingDir: path.dirname(entry),
      sourcemap: 'inline',
      sourceRoot: pathToFileURL(path.dirname(entry) + path.sep).href,
      sourcesContent: false,
      external: externals,
      plugins: [nativePackagesExternal(externals)],
      logLevel: 'silent',
    });
  } catch (error) {
    const failure = error as esbuild.BuildFailure;
    const messages = (failure.errors ?? []).map((m) =>
      m.location ? `${path.resolve(path.dirname(entry), m.location.file)}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text,
    );
    throw new BundleError(messages.length > 0 ? messages.join('\n') : (error as Error).message);
  }
  const text = result.outputFiles[0].text;
  const hash = createHash('sha256').update(text).digest('hex');
  return { path: saveBundle(storeDir, hash, text), hash };
}

/** Stores bundle text under `<store>/bundles/<hash>.cjs` (owner-only: it is the pipeline's code); returns its path. */
export function saveBundle(storeDir: string, hash: string, text: string): string {
  const dir = path.join(storeDir, 'bundles');
  const file = path.join(dir, `${hash}.cjs`);
  try {
    ownerOnlyDir(dir);
    if (!fs.existsSync(file)) writeOwnerOnly(file, text);
  } catch (error) {
    if (isDiskFull(error)) throw new DiskFullError(`could not save the pipeline bundle in ${dir}`, error);
    throw error;
  }
  return file;
}
