import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PipelineBundle } from '../prepare/bundle';
import { extractModuleManifest, type ModuleManifest } from '../prepare/typeExtract';
import { runtimeVersion } from '../system/packagePaths';
import { DiskFullError, isDiskFull } from '../model/errorCodes';
import { ownerOnlyDir, writeOwnerOnly } from '../system/ownerOnly';

/**
 * The static facts of a pipeline file, cached by bundle hash: the TypeScript pass costs far
 * more than a cached re-run, and the same bundle always yields the same manifest.
 */
export function manifestFor(entryFile: string, bundle: PipelineBundle, storeDir: string): ModuleManifest {
  const file = path.join(storeDir, 'manifests', `${bundle.hash}-${runtimeVersion}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ModuleManifest;
  } catch {
    // Not cached yet (or unreadable): compute it.
  }
  const manifest = extractModuleManifest(path.resolve(entryFile));
  try {
    ownerOnlyDir(path.dirname(file));
    writeOwnerOnly(file, JSON.stringify(manifest));
  } catch (error) {
    // Only a cache: a run goes on without it, unless the disk is full (it would fail further on).
    if (isDiskFull(error)) throw new DiskFullError(`could not cache the analysis of ${entryFile} in ${path.dirname(file)}`, error);
    throw error;
  }
  return manifest;
}
