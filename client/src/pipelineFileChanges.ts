/**
 * Which file events on disk change what the Pipelines view lists. The language server lists the
 * workspace's pipeline files itself (it rescans once told of a created or deleted file); this
 * decides when the view asks it again. Pure (paths in, decision out).
 */
import * as path from 'node:path';
import { isPipelineSource } from '../../contracts/src/pipelineSource';

export type FileEvent = 'created' | 'changed' | 'deleted';

/** The sources the extension watches (what `isPipelineSource` accepts); deleted folders are watched apart. */
export const PIPELINE_SOURCE_GLOB = '**/*.{ts,mts,cts,tsx,js,mjs,cjs}';

/** Inside a dependency or a hidden folder (`.git`, `.pipewright`): never a workspace pipeline file. */
function isIgnored(file: string): boolean {
  return file.split(/[\\/]/).some((segment) => segment === 'node_modules' || (segment.startsWith('.') && segment !== '.' && segment !== '..'));
}

/**
 * True when `event` on `file` may change the listed pipelines: a new TypeScript or JavaScript source (it may define
 * some), an edited or deleted listed pipeline file, or a deleted folder holding one. `listed`
 * holds the paths of the files the view lists now.
 */
export function affectsPipelines(event: FileEvent, file: string, listed: Iterable<string>): boolean {
  if (event === 'created') return isPipelineSource(path.basename(file)) && !isIgnored(file);
  const normalized = path.resolve(file);
  for (const known of listed) {
    const candidate = path.resolve(known);
    if (candidate === normalized) return true;
    if (event === 'deleted' && candidate.startsWith(normalized + path.sep)) return true;
  }
  return false;
}
