import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import type { Range } from './model';

/** A `step(...)` or `pipeline(...)` call that resolves to pipewright's export. */
export interface Definition {
  kind: 'step' | 'pipeline';
  call: ts.CallExpression;
  options?: ts.ObjectLiteralExpression;
  fn?: ts.FunctionExpression | ts.ArrowFunction;
  name?: string;
  /** The exported (or local) variable the definition is assigned to. */
  variable?: ts.Identifier;
}

const pipewrightDirs = new Map<string, boolean>();

/** Whether a file belongs to the package named `pipewright`. */
export function isPipewrightFile(file: string): boolean {
  const visited: string[] = [];
  let answer = false;
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const known = pipewrightDirs.get(dir);
    if (known !== undefined) {
      answer = known;
      break;
    }
    visited.push(dir);
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        answer = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pipewright';
      } catch {
        answer = false;
      }
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of visited) pipewrightDirs.set(dir, answer);
  return answer;
}

/** `step` / `pipeline` when `callee` resolves to that export of pipewright (aliases and namespaces included). */
export function pipewrightCallee(checker: ts.TypeChecker, callee: ts.Expression): 'step' | 'pipeline' | undefined {
  const name = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : undefined;
  if (!name) return undefined;
  let symbol = checker.getSymbolAtLocation(name);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const exported = symbol.getName();
  if (exported !== 'step' && exported !== 'pipeline') return undefined;
  const declaration = symbol.declarations?.[0];
  return declaration && isPipewrightFile(declaration.getSourceFile().fileName) ? exported : undefined;
}

export function findDefinitions(sourceFile: ts.SourceFile, checker: ts.TypeChecker): Definition[] {
  const found: Definition[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const kind = pipewrightCallee(checker, node.expression);
      if (kind) found.push(describeDefinition(kind, node));
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function describeDefinition(kind: 'step' | 'pipeline', call: ts.CallExpression): Definition {
  const args = call.arguments;
  const options = args.length >= 2 && ts.isObjectLiteralExpression(args[0]) ? args[0] : undefined;
  const last = args[args.length - 1];
  const fn = last && (ts.isFunctionExpression(last) || ts.isArrowFunction(last)) ? last : undefined;
  const nameOption = options ? stringProperty(options, 'name') : undefined;
  const name = nameOption ?? (fn && ts.isFunctionExpression(fn) ? fn.name?.text : undefined);
  const parent = call.parent;
  const variable = ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name : undefined;
  return { kind, call, options, fn, name, variable };
}

export function property(object: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const member of object.properties) {
    if (ts.isPropertyAssignment(member) && (ts.isIdentifier(member.name) || ts.isStringLiteralLike(member.name)) && member.name.text === key) return member.initializer;
    if (ts.isMethodDeclaration(member) && ts.isIdentifier(member.name) && member.name.text === key) return member as unknown as ts.Expression;
  }
  return undefined;
}

export function stringProperty(object: ts.ObjectLiteralExpression, key: string): string | undefined {
  const value = property(object, key);
  return value && ts.isStringLiteralLike(value) ? value.text : undefined;
}

export function stringArray(node: ts.Expression | undefined): string[] | undefined {
  if (!node) return undefined;
  let value = node;
  while (ts.isAsExpression(value) || ts.isParenthesizedExpression(value) || ts.isSatisfiesExpression(value)) value = value.expression;
  if (!ts.isArrayLiteralExpression(value) || !value.elements.every(ts.isStringLiteralLike)) return undefined;
  return value.elements.map((e) => (e as ts.StringLiteralLike).text);
}

export function rangeOf(node: ts.Node, sourceFile: ts.SourceFile = node.getSourceFile()): Range {
  const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd());
  return { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } };
}
