// The runtime's folders form layers: a folder imports only folders of lower layers (type-only
// imports included), so no import cycle between folders can form and no folder reaches up into
// the process that hosts it. The editor side imports from the runtime only its plain data
// (`model/`) and the author's side of the daemon wire (`api/`); its packages (extension, language
// server, webview) reach each other only through the contracts they share (`contracts/`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const repo = path.resolve(__dirname, '../../..');
const runtimeSrc = path.join(repo, 'runtime/src');

/** Lower layers first; folders of one layer do not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['model'],
  ['system'],
  ['artifacts'],
  ['sdk'],
  // Deployment manifests (plain data) beside them.
  ['config', 'store', 'hooks', 'deploy'],
  ['prepare'],
  ['engine'],
  ['runnerPool', 'services'],
  // The author's side of the daemon wire, and the remote launcher with the orchestrator's side of its workers' wire.
  ['api', 'remote'],
  // The daemon, and the remote worker (it runs attempts in a local runner pool).
  ['daemon', 'worker'],
  ['launch'],
  // The package entry: it fills the SDK's launcher slot.
  ['.'],
  // Process entries: the CLI (also the daemon's) and the runner, which hands the bundle the package.
  ['cli', 'runner'],
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Relative module specifiers a file imports or re-exports, resolved to files. */
function importedFiles(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.resolve(path.dirname(file), spec.replace(/\.js$/, '')))
    .map((base) => [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile()) ?? base);
}

/** The runtime folder a file belongs to: the first path segment under `runtime/src`, or `.`. */
function runtimeFolder(file: string): string {
  const relative = path.relative(runtimeSrc, file).split(path.sep);
  return relative.length === 1 ? '.' : relative[0]!;
}

const layerOf = new Map(LAYERS.flatMap((folders, index) => folders.map((folder) => [folder, index] as const)));

test('every runtime folder has a layer', () => {
  const folders = new Set(sourceFiles(runtimeSrc).map(runtimeFolder));
  assert.deepEqual([...folders].filter((folder) => !layerOf.has(folder)).sort(), []);
});

test('runtime folders import only folders of lower layers', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(runtimeSrc)) {
    const from = runtimeFolder(file);
    for (const target of importedFiles(file)) {
      if (!target.startsWith(runtimeSrc + path.sep)) continue;
      const to = runtimeFolder(target);
      if (to === from) continue;
      if ((layerOf.get(to) ?? Infinity) >= (layerOf.get(from) ?? -1)) violations.push(`${path.relative(repo, file)} -> ${path.relative(repo, target)}`);
    }
  }
  assert.deepEqual(violations, []);
});

/** The editor side's projects; each but `contracts/src` imports the others only through `contracts/src`. */
const EDITOR_PROJECTS = ['contracts/src', 'client/src', 'server/src', 'webview/src'];
/** A process entry of the editor side loads its bundle as the runtime's entries load theirs. */
const ENTRY_LOADERS = new Map([['server/src/launcher.ts', 'runtime/src/system/codeCache.ts']]);

test('the editor side imports only model/ and api/ of the runtime (its process entries also their loader)', () => {
  const violations: string[] = [];
  for (const project of EDITOR_PROJECTS) {
    for (const file of sourceFiles(path.join(repo, project))) {
      for (const target of importedFiles(file)) {
        if (!target.startsWith(runtimeSrc + path.sep)) continue;
        if (ENTRY_LOADERS.get(path.relative(repo, file)) === path.relative(repo, target)) continue;
        if (!['model', 'api'].includes(runtimeFolder(target))) violations.push(`${path.relative(repo, file)} -> ${path.relative(repo, target)}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('the extension, the language server and the webview import each other only through contracts/', () => {
  const violations: string[] = [];
  const projectOf = (file: string) => EDITOR_PROJECTS.find((project) => file.startsWith(path.join(repo, project) + path.sep));
  for (const project of EDITOR_PROJECTS) {
    for (const file of sourceFiles(path.join(repo, project))) {
      for (const target of importedFiles(file)) {
        const to = projectOf(target);
        if (to === undefined || to === project || to === 'contracts/src') continue;
        violations.push(`${path.relative(repo, file)} -> ${path.relative(repo, target)}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
