/**
 * The name resolver against the TypeScript checker: for every name, and every member of a module or
 * namespace (`ns.x`, `N.T`), in the names fixture (scopes, imports and exports of every kind), the
 * analysis fixtures, the examples, the end-to-end workspace and this repository's own sources, the
 * resolver must find the declarations the checker finds (names only lib files and @types declare
 * excepted: the resolver knows no libs, by design; and declarations that another package's module
 * augmentation, `declare module 'x' { ... }` in a module file, merges in: any file of a program
 * may hold one, and the resolver reads only the files a name leads through).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import type { Meaning, Resolved } from '../../../server/src/analysis/nameResolver';
import { Workspace } from '../../../server/src/analysis/workspace';
import { fixture, repoRoot } from '../../support/tempDir';

const ROOTS = [fixture('names'), fixture('analysis'), path.join(repoRoot, 'examples'), fixture('e2e-workspace'), ...['runtime', 'contracts', 'server', 'client', 'webview'].map((p) => path.join(repoRoot, p, 'src'))];

function typeScriptFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.split(path.sep).includes('node_modules'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Identifiers that name something by scope (not member names, keys, labels, or the names an export declaration gives). */
function isScopedName(id: ts.Identifier): boolean {
  const parent = id.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) && (parent as { name?: ts.Node; right?: ts.Node }).name === id) return false;
  if (ts.isQualifiedName(parent) && parent.right === id) return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isNamespaceExport(parent) || ts.isShorthandPropertyAssignment(parent) || ts.isJsxAttribute(parent)) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === id) return false;
  const memberLike = ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isMethodSignature(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent) || ts.isEnumMember(parent);
  return !(memberLike && (parent as ts.NamedDeclaration).name === id);
}

/** Type positions and type declarations' names are looked up as types; everything else as values. */
function meaningOf(node: ts.Node): Meaning {
  const parent = node.parent;
  if (ts.isTypeReferenceNode(parent) || ts.isInterfaceDeclaration(parent) || ts.isTypeAliasDeclaration(parent) || ts.isTypeParameterDeclaration(parent)) return 'type';
  const heritage = ts.isExpressionWithTypeArguments(parent) && ts.isHeritageClause(parent.parent) ? parent.parent : undefined;
  return heritage && (heritage.token === ts.SyntaxKind.ImplementsKeyword || ts.isInterfaceDeclaration(heritage.parent)) ? 'type' : 'value';
}

/** `file:line:column` of a node (1-based). */
function where(node: ts.Node): string {
  const file = node.getSourceFile();
  const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file));
  return `${path.relative(repoRoot, file.fileName)}:${line + 1}:${character + 1}`;
}

function resolverAnswer(resolved: Resolved | undefined): string[] {
  if (!resolved) return [];
  return resolved.kind === 'module' ? [where(resolved.file)] : resolved.declarations.map(where).sort();
}

/** What the checker says a name is, aliases followed. */
function checkerSymbol(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  const symbol = checker.getSymbolAtLocation(node);
  return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** `a.b` or `A.B` whose left side the checker sees as a module or namespace. */
function isModuleMember(checker: ts.TypeChecker, node: ts.Node): node is ts.PropertyAccessExpression | ts.QualifiedName {
  const left = ts.isPropertyAccessExpression(node) ? node.expression : ts.isQualifiedName(node) ? node.left : undefined;
  const symbol = left && checkerSymbol(checker, left);
  return symbol !== undefined && (symbol.flags & ts.SymbolFlags.Module) !== 0 && (symbol.flags & (ts.SymbolFlags.Enum | ts.SymbolFlags.Class | ts.SymbolFlags.Function)) === 0;
}

function checkerAnswer(checker: ts.TypeChecker, id: ts.Node): string[] | 'lib' {
  const symbol = checkerSymbol(checker, id);
  const declarations = symbol?.declarations ?? [];
  if (declarations.some((d) => /[\\/]lib\.[\w.]*d\.ts$|[\\/]@types[\\/]/.test(d.getSourceFile().fileName))) return 'lib';
  return declarations.filter((d) => !inModuleAugmentation(d)).map(where).sort();
}

/** Whether a declaration sits in `declare module 'x' { ... }` inside a module file (an augmentation of module x). */
function inModuleAugmentation(node: ts.Node): boolean {
  for (let scope = node.parent; scope; scope = scope.parent) {
    if (ts.isModuleDeclaration(scope) && ts.isStringLiteral(scope.name) && ts.isExternalModule(scope.getSourceFile())) return true;
  }
  return false;
}

describe('the name resolver agrees with the TypeScript checker', () => {
  for (const root of ROOTS) {
    it(`on every scoped name under ${path.relative(repoRoot, root)}`, () => {
      const workspace = new Workspace();
      const files = typeScriptFiles(root);
      workspace.addFiles(files);
      let compared = 0;
      const disagreements: string[] = [];
      for (const file of files) {
        const loaded = workspace.viewOf(file);
        assert.ok(loaded, file);
        const { sourceFile, view } = loaded;
        const checker = view.types();
        const visit = (node: ts.Node): void => {
          const member = isModuleMember(checker, node);
          if (member || (ts.isIdentifier(node) && isScopedName(node))) {
            const expected = checkerAnswer(checker, member ? (ts.isPropertyAccessExpression(node) ? node.name : node.right) : node);
            if (expected !== 'lib') {
              const actual = resolverAnswer(view.resolver.resolve(node, meaningOf(node)));
              compared += 1;
              if (JSON.stringify(actual) !== JSON.stringify(expected)) disagreements.push(`${where(node)} ${node.getText()}: checker [${expected.join(', ')}], resolver [${actual.join(', ')}]`);
            }
          }
          ts.forEachChild(node, visit);
        };
        visit(sourceFile);
      }
      assert.deepEqual(disagreements, []);
      assert.ok(compared > 50, `compared only ${compared} names`);
    });
  }
});
