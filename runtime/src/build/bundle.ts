import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { projectRoot } from '../engine/projectPaths';
import { listedExternals, nativePackagesExternal } from './externals';

export interface PipelineBundle {
  /** Absolute path of the bundle file (content-addressed, under the store's `bundles/`). */
  path: string;
  /** sha256 of the bundle text. */
  hash: string;
}

/** Raised when esbuild cannot bundle the pipeline file; the message lists each error with its location. */
export class BundleError extends Error {
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
  const listed = listedExternals(projectRoot(path.dirname(entry)));
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
      external: ['pipewright', ...listed, ...external],
      plugins: [nativePackagesExternal()],
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
  const dir = path.join(storeDir, 'bundles');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${hash}.cjs`);
  if (!fs.existsSync(file)) {
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  }
  return { path: file, hash };
}
