/**
 * Finds the `pipewright` runtime to use for a workspace folder: the one installed there (as the
 * ESLint extension uses the workspace's ESLint), else the one bundled with the extension, and
 * says which. Node-only, no vscode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LocatedRuntime {
  /** Folder holding the runtime's package.json. */
  root: string;
  version: string;
  /** `node <cli>` runs the runtime's command line. */
  cli: string;
  source: 'workspace' | 'bundled';
}

function readRuntime(root: string, source: LocatedRuntime['source']): LocatedRuntime | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name?: string; version?: string; bin?: string | Record<string, string> };
    if (manifest.name !== 'pipewright') return undefined;
    const bin = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin?.pipewright ?? 'bin/pipewright.js');
    return { root: fs.realpathSync(root), version: manifest.version ?? 'unknown', cli: path.join(fs.realpathSync(root), bin), source };
  } catch {
    return undefined;
  }
}

/**
 * `node_modules/pipewright` of the workspace folder or of any folder above it (npm workspaces
 * hoist), else `bundledRoot`. Undefined when neither is there.
 */
export function locateRuntime(workspaceFolder: string, bundledRoot: string | undefined): LocatedRuntime | undefined {
  for (let dir = path.resolve(workspaceFolder); ; dir = path.dirname(dir)) {
    const found = readRuntime(path.join(dir, 'node_modules', 'pipewright'), 'workspace');
    if (found) return found;
    if (path.dirname(dir) === dir) break;
  }
  return bundledRoot === undefined ? undefined : readRuntime(bundledRoot, 'bundled');
}

/** The line the log shows about which runtime is used (the fallback says so). */
export function describeRuntime(runtime: LocatedRuntime | undefined, workspaceFolder: string): string {
  if (!runtime) return `no pipewright runtime found for ${workspaceFolder} (install it with \`npm install pipewright\`); running is unavailable`;
  if (runtime.source === 'workspace') return `using the workspace's pipewright ${runtime.version} at ${runtime.root}`;
  return `pipewright is not installed in ${workspaceFolder}: using the bundled pipewright ${runtime.version} at ${runtime.root}`;
}
