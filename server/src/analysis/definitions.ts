import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from 'ts-morph';
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

/**
 * Every `step(...)` / `pipeline(...)` call of a file. Only calls whose callee could name those
 * exports are resolved with the checker: a plain identifier (an import, possibly aliased) or
 * `ns.step` / `ns.pipeline`. Resolving `rows.map(...)` would make the checker type `rows`, which on
 * a cold start is most of the cost of finding definitions.
 */
export function findDefinitions(sourceFile: ts.SourceFile, checker: ts.TypeChecker): Definition[] {
  const found: Definition[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && mayNameDefinitionFactory(node.expression)) {
      const kind = pipewrightCallee(checker, node.expression);
      if (kind) found.push(describeDefinition(kind, node));
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function mayNameDefinitionFactory(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return true;
  return ts.isPropertyAccessExpression(callee) && (callee.name.text === 'step' || callee.name.text === 'pipeline');
}

function describeDefinition(kind: 'step' | 'pipeline', call: ts.CallExpression): Definition {
  const args = call.arguments;
  const first = args.length >= 2 ? unwrap(args[0]) : undefined;
  const options = first && ts.isObjectLiteralExpression(first) ? first : undefined;
  const last = args.length > 0 ? unwrap(args[args.length - 1]) : undefined;
  const fn = last && (ts.isFunctionExpression(last) || ts.isArrowFunction(last)) ? last : undefined;
  const nameOption = options ? stringProperty(options, 'name') : undefined;
  const name = nameOption ?? (fn && ts.isFunctionExpression(fn) ? fn.name?.text : undefined);
  const parent = call.parent;
  const variable = ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name : undefined;
  return { kind, call, options, fn, name, variable };
}

/** `x as T`, `x satisfies T`, `(x)`: the value is `x` (option objects are often written with a cast). */
export function unwrap(node: ts.Expression): ts.Expression {
  let value = node;
  while (ts.isAsExpression(value) || ts.isParenthesizedExpression(value) || ts.isSatisfiesExpression(value) || ts.isTypeAssertionExpression(value)) value = value.expression;
  return value;
}

/** The value of `key` in an object literal (casts unwrapped; a method counts as its own value). */
export function property(object: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const member of object.properties) {
    if (ts.isPropertyAssignment(member) && (ts.isIdentifier(member.name) || ts.isStringLiteralLike(member.name)) && member.name.text === key) return unwrap(member.initializer);
    if (ts.isMethodDeclaration(member) && ts.isIdentifier(member.name) && member.name.text === key) return member as unknown as ts.Expression;
  }
  return undefined;
}

/** A string-literal option value (`name: 'x'`), else undefined. */
export function stringProperty(object: ts.ObjectLiteralExpression, key: string): string | undefined {
  const value = property(object, key);
  return value && ts.isStringLiteralLike(value) ? value.text : undefined;
}

/** An array literal of string literals (`outputs: ['a', 'b']`), else undefined. */
export function stringArray(node: ts.Expression | undefined): string[] | undefined {
  if (!node) return undefined;
  const value = unwrap(node);
  if (!ts.isArrayLiteralExpression(value) || !value.elements.every(ts.isStringLiteralLike)) return undefined;
  return value.elements.map((e) => (e as ts.StringLiteralLike).text);
}

/** A node's 0-based LSP range (from its first token, trivia excluded). */
export function rangeOf(node: ts.Node, sourceFile: ts.SourceFile = node.getSourceFile()): Range {
  const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd());
  return { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } };
}
