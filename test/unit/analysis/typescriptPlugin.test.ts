/**
 * The TypeScript server plugin, as tsserver loads it (the built `pipewright-typescript-plugin`
 * package, resolved by name from the extension's folder), around a real language service: it
 * hides exactly TypeScript's duplicates of Pipewright's `input-type-mismatch`, nothing else.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import { repoRoot } from '../../support/tempDir';
import { analysisFixture } from './helpers';

const wiring = analysisFixture('diagnostics', 'wiring.ts');
const notWiring = analysisFixture('typescriptPlugin', 'notWiring.ts');

/** A language service over the fixtures, `pipewright` resolved to the SDK's sources. */
function languageService(files: string[]): ts.LanguageService {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
    paths: { pipewright: [path.join(repoRoot, 'runtime', 'src', 'index.ts')] },
  };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => files,
    getScriptVersion: () => '1',
    getScriptSnapshot: (file) => (fs.existsSync(file) ? ts.ScriptSnapshot.fromString(fs.readFileSync(file, 'utf8')) : undefined),
    getCurrentDirectory: () => repoRoot,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host);
}

/** The plugin as tsserver finds it: by package name, from the extension's folder. */
function loadPlugin(): (modules: { typescript: typeof ts }) => ts.server.PluginModule {
  const resolved = createRequire(path.join(repoRoot, 'package.json')).resolve('pipewright-typescript-plugin');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsserver loads plugins with require
  return require(resolved) as (modules: { typescript: typeof ts }) => ts.server.PluginModule;
}

const where = (d: ts.Diagnostic) => {
  const at = d.file!.getLineAndCharacterOfPosition(d.start!);
  return `TS${d.code}@${at.line + 1}:${at.character + 1}`;
};

describe('the TypeScript server plugin', () => {
  it('is contributed by the extension under the package name the build writes', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { typescriptServerPlugins?: { name: string }[] } };
    assert.deepEqual(manifest.contributes.typescriptServerPlugins?.map((p) => p.name), ['pipewright-typescript-plugin']);
    assert.equal(typeof loadPlugin(), 'function');
  });

  it("drops TypeScript's error on each mis-wired step input where Pipewright reports input-type-mismatch, and only there", () => {
    const service = languageService([wiring, notWiring]);
    const plugged = loadPlugin()({ typescript: ts }).create({ languageService: service } as ts.server.PluginCreateInfo);
    const plain = service.getSemanticDiagnostics(wiring).map(where);
    const kept = plugged.getSemanticDiagnostics(wiring).map(where);
    const dropped = plain.filter((d) => !kept.includes(d));
    // TypeScript reports each mis-wiring of wiring.ts: a handle into a single input, a destructured output, fan-in items.
    assert.deepEqual(dropped, ['TS2345@26:9', 'TS2345@28:7', 'TS2322@29:10', 'TS2345@29:14', 'TS2322@29:23']);
    assert.deepEqual(kept, [], 'nothing else TypeScript reports in wiring.ts is touched (there is nothing else)');
    // Every dropped error lies in the range of a Pipewright input-type-mismatch, and every one of those replaces one.
    const pipewright = new Analyzer().analyze(wiring).diagnostics.filter((d) => d.code === 'input-type-mismatch');
    const inRange = (d: string, r: { start: { line: number; character: number }; end: { line: number; character: number } }) => {
      const [line, character] = d.slice(d.indexOf('@') + 1).split(':').map(Number);
      const at = { line: line - 1, character: character - 1 };
      return (at.line > r.start.line || (at.line === r.start.line && at.character >= r.start.character)) && (at.line < r.end.line || (at.line === r.end.line && at.character <= r.end.character));
    };
    for (const d of dropped) assert.ok(pipewright.some((p) => inRange(d, p.range)), `${d} has a Pipewright diagnostic`);
    for (const p of pipewright) assert.ok(dropped.some((d) => inRange(d, p.range)), `line ${p.range.start.line + 1}: TypeScript's duplicate is gone`);
  });

  it("keeps TypeScript's errors the static DAG does not check: literal values, handles passed through a helper", () => {
    const service = languageService([wiring, notWiring]);
    const plugged = loadPlugin()({ typescript: ts }).create({ languageService: service } as ts.server.PluginCreateInfo);
    const plain = service.getSemanticDiagnostics(notWiring).map(where);
    assert.deepEqual(plain, ['TS2345@13:9', 'TS2345@17:9']);
    assert.deepEqual(plugged.getSemanticDiagnostics(notWiring).map(where), plain);
    assert.deepEqual(new Analyzer().analyze(notWiring).diagnostics.filter((d) => d.code === 'input-type-mismatch'), []);
  });
});
