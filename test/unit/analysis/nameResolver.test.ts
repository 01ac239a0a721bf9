/** The name resolver on real files: scopes, imports, re-exports and default exports, as the compiler resolves them. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { isPipewrightFile } from '../../../server/src/analysis/definitions';
import type { Meaning, Resolved } from '../../../server/src/analysis/nameResolver';
import { Workspace } from '../../../server/src/analysis/workspace';
import { tempProject } from '../../support/tempDir';

/** Writes the files into a fresh project; `resolveLast(file, name)` resolves the last occurrence of `name` in `file`. */
function project(files: Record<string, string>) {
  const root = tempProject();
  fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022' } }));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  const workspace = new Workspace();
  const resolveLast = (file: string, name: string, meaning: Meaning = 'value'): Resolved | undefined => {
    const loaded = workspace.viewOf(path.join(root, file));
    assert.ok(loaded, `${file} loads`);
    const { sourceFile, view } = loaded;
    let last: ts.Expression | ts.EntityName | undefined;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && node.getText(sourceFile) === name) last = node;
      else if (ts.isQualifiedName(node) && node.getText(sourceFile) === name) last = node;
      else if (ts.isIdentifier(node) && node.text === name) last = node;
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    assert.ok(last, `${name} occurs in ${file}`);
    return view.resolver.resolve(last, meaning);
  };
  return { root, workspace, resolveLast };
}

/** `kind name @file` of what a name resolved to, e.g. `VariableDeclaration clean @steps.ts`. */
function describeResolved(resolved: Resolved | undefined): string {
  if (!resolved) return 'unresolved';
  if (resolved.kind === 'module') return `module @${path.basename(resolved.file.fileName)}`;
  return resolved.declarations.map((d) => `${ts.SyntaxKind[d.kind]} ${resolved.name} @${path.basename(d.getSourceFile().fileName)}`).join(' + ');
}

const STEPS = 'export const clean = 1;\nexport function train(): number { return 2; }\nexport interface Row { id: number }\n';

describe('name resolver', () => {
  it('follows named, aliased, default, namespace and require imports to their declarations', () => {
    const { resolveLast } = project({
      'steps.ts': `${STEPS}export default function build(): void {}\n`,
      'other.ts': 'const local = 3;\nexport default local;\n',
      'anonymous.ts': 'export default function () {}\n',
      'main.ts': [
        "import { clean as c, type Row } from './steps';",
        "import build from './steps';",
        "import fromLocal from './other';",
        "import anonymous from './anonymous';",
        "import * as ns from './steps';",
        "import req = require('./steps');",
        'c; build; fromLocal; anonymous; ns.train; req.clean; ns; let r: Row;',
      ].join('\n'),
    });
    assert.equal(describeResolved(resolveLast('main.ts', 'c')), 'VariableDeclaration clean @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'build')), 'FunctionDeclaration default @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'fromLocal')), 'VariableDeclaration local @other.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'anonymous')), 'FunctionDeclaration default @anonymous.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'ns.train')), 'FunctionDeclaration train @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'req.clean')), 'VariableDeclaration clean @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'ns')), 'module @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'Row', 'type')), 'InterfaceDeclaration Row @steps.ts');
  });

  it('follows re-exports: renamed, local, export * and export * as, through several files', () => {
    const { resolveLast } = project({
      'steps.ts': STEPS,
      'more.ts': 'export const extra = 4;\n',
      'index.ts': [
        "export { clean as task } from './steps';",
        "export * from './more';",
        "export * as all from './steps';",
        "import { train } from './steps';",
        'export { train as fit };',
      ].join('\n'),
      'main.ts': "import { task, extra, all, fit } from './index';\ntask; extra; all.clean; fit;\n",
    });
    assert.equal(describeResolved(resolveLast('main.ts', 'task')), 'VariableDeclaration clean @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'extra')), 'VariableDeclaration extra @more.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'all.clean')), 'VariableDeclaration clean @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'fit')), 'FunctionDeclaration train @steps.ts');
  });

  it('finds pipewright’s own step and pipeline through aliases and a local re-export', () => {
    const { resolveLast } = project({
      'lib.ts': "export { step as task } from 'pipewright';\nexport * as pw from 'pipewright';\n",
      'main.ts': "import { task, pw } from './lib';\nimport { pipeline as flow } from 'pipewright';\ntask; flow; pw.step;\n",
    });
    for (const [name, expected] of [['task', 'step'], ['flow', 'pipeline'], ['pw.step', 'step']] as const) {
      const resolved = resolveLast('main.ts', name);
      assert.equal(resolved?.kind, 'declarations', name);
      if (resolved?.kind !== 'declarations') continue;
      assert.equal(resolved.name, expected);
      assert.ok(isPipewrightFile(resolved.declarations[0].getSourceFile().fileName), `${name} is declared by pipewright`);
    }
  });

  it('lets inner scopes shadow imports: parameters, block constants, catch variables and hoisted vars', () => {
    const { resolveLast } = project({
      'steps.ts': STEPS,
      'params.ts': "import { clean } from './steps';\nexport function f(clean: string) { return clean; }\n",
      'block.ts': "import { clean } from './steps';\n{ const clean = 'inner'; }\nclean;\n",
      'inner.ts': "import { clean } from './steps';\nif (Math.random()) { const clean = 'inner'; clean; }\n",
      'hoisted.ts': "import { clean } from './steps';\nexport function g() { if (Math.random()) { var clean = 5; } return clean; }\n",
      'caught.ts': "import { clean } from './steps';\ntry { } catch (clean) { clean; }\n",
    });
    assert.equal(describeResolved(resolveLast('params.ts', 'clean')), 'Parameter clean @params.ts');
    assert.equal(describeResolved(resolveLast('block.ts', 'clean')), 'VariableDeclaration clean @steps.ts', 'a block constant stays in its block');
    assert.equal(describeResolved(resolveLast('inner.ts', 'clean')), 'VariableDeclaration clean @inner.ts');
    assert.equal(describeResolved(resolveLast('hoisted.ts', 'clean')), 'VariableDeclaration clean @hoisted.ts', 'var belongs to the function');
    assert.equal(describeResolved(resolveLast('caught.ts', 'clean')), 'VariableDeclaration clean @caught.ts');
  });

  it('keeps value and type meanings apart, and merges declarations of one name', () => {
    const { resolveLast } = project({
      'types.ts': 'export interface Row { id: number }\nexport interface Row { name: string }\nexport const Row = 1;\nexport type Only = { a: number };\n',
      'main.ts': "import { Row, Only } from './types';\nconst x: Row = Row as never;\nconst Only2 = 1;\nlet y: Only; Only;\n",
    });
    assert.equal(describeResolved(resolveLast('main.ts', 'Row', 'type')), 'InterfaceDeclaration Row @types.ts + InterfaceDeclaration Row @types.ts + VariableDeclaration Row @types.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'Only', 'type')), 'TypeAliasDeclaration Only @types.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'Only', 'value')), 'unresolved', 'a type alias is no value');
  });

  it('gives up on cycles, missing modules and names only the lib declares, without throwing', () => {
    const { resolveLast } = project({
      'a.ts': "export * from './b';\nexport { loop } from './a';\n",
      'b.ts': "export * from './a';\n",
      'main.ts': "import { nothing, loop } from './a';\nimport { gone } from './missing';\nimport { ghost } from 'no-such-package';\nimport itself = itself;\nnothing; loop; gone; ghost; itself; let list: Array<number>; Array;\n",
    });
    for (const name of ['nothing', 'loop', 'gone', 'ghost', 'itself']) assert.equal(describeResolved(resolveLast('main.ts', name)), 'unresolved', name);
    assert.equal(describeResolved(resolveLast('main.ts', 'Array', 'type')), 'unresolved');
  });

  it('sees an open document’s new export, and a file that appears on disk', () => {
    const { root, workspace, resolveLast } = project({ 'steps.ts': STEPS, 'main.ts': "import { later } from './steps';\nimport { made } from './new';\nlater; made;\n" });
    assert.equal(describeResolved(resolveLast('main.ts', 'later')), 'unresolved');
    workspace.setDocument(path.join(root, 'steps.ts'), `${STEPS}export const later = 5;\n`);
    assert.equal(describeResolved(resolveLast('main.ts', 'later')), 'VariableDeclaration later @steps.ts');
    assert.equal(describeResolved(resolveLast('main.ts', 'made')), 'unresolved');
    fs.writeFileSync(path.join(root, 'new.ts'), 'export const made = 6;\n');
    workspace.fileChanged(path.join(root, 'new.ts'));
    assert.equal(describeResolved(resolveLast('main.ts', 'made')), 'VariableDeclaration made @new.ts');
  });
});
