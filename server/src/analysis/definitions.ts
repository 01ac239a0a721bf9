import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { requiredNames } from './imports';
import type { Range } from './model';
import type { NameResolver, Resolved } from './nameResolver';
import { forEachDescendant } from './walk';

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
export function pipewrightCallee(resolver: NameResolver, callee: ts.Expression): 'step' | 'pipeline' | undefined {
  if (!ts.isIdentifier(callee) && !ts.isPropertyAccessExpression(callee)) return undefined;
  return pipewrightExport(resolver.resolve(callee, 'value'));
}

/** `step` / `pipeline` when a resolved name is that export of pipewright (the package named so). */
export function pipewrightExport(resolved: Resolved | undefined): 'step' | 'pipeline' | undefined {
  if (resolved?.kind !== 'declarations') return undefined;
  const exported = resolved.name;
  if (exported !== 'step' && exported !== 'pipeline') return undefined;
  const declaration = resolved.declarations[0];
  return declaration && isPipewrightFile(declaration.getSourceFile().fileName) ? exported : undefined;
}

/**
 * Every `step(...)` / `pipeline(...)` call of a file. Only calls whose callee could name those
 * exports are resolved: an imported name (possibly aliased, possibly a
 * re-export of pipewright's) or `ns.step` / `ns.pipeline`. Resolving every call (`rows.map(...)`,
 * each local step call of a pipeline body) would be most of the cost of finding definitions.
 */
export function findDefinitions(sourceFile: ts.SourceFile, resolver: NameResolver): Definition[] {
  const found: Definition[] = [];
  const imported = importedNames(sourceFile);
  // A name called at module level is the import itself (a module-level declaration of the same
  // name would clash with it), so it is resolved once, not once per step of the file.
  const atModuleLevel = new Map<string, 'step' | 'pipeline' | undefined>();
  forEachDescendant(sourceFile, (node) => {
    if (ts.isCallExpression(node) && mayNameDefinitionFactory(node.expression, imported)) {
      const callee = node.expression;
      const cacheable = ts.isIdentifier(callee) && isModuleLevelInitializer(node);
      let kind = cacheable ? atModuleLevel.get(callee.text) : undefined;
      if (kind === undefined && !(cacheable && atModuleLevel.has(callee.text))) {
        kind = pipewrightCallee(resolver, callee);
        if (cacheable) atModuleLevel.set(callee.text, kind);
      }
      if (kind) found.push(describeDefinition(kind, node));
    }
  });
  return found;
}

/** `export const x = call(...)` at the top of a module (not inside any function or block). */
function isModuleLevelInitializer(call: ts.CallExpression): boolean {
  const declaration = call.parent;
  const statement = declaration?.parent?.parent;
  return ts.isVariableDeclaration(declaration) && declaration.initializer === call && statement !== undefined && ts.isVariableStatement(statement) && ts.isSourceFile(statement.parent);
}

/** Names a file binds by `import` (or, in JavaScript, by `require`): a local `const step = ...` is never pipewright's `step`. */
function importedNames(sourceFile: ts.SourceFile): Set<string> {
  const names = new Set<string>(requiredNames(sourceFile));
  for (const statement of sourceFile.statements) {
    if (ts.isImportEqualsDeclaration(statement)) names.add(statement.name.text);
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const clause = statement.importClause;
    if (clause.name) names.add(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
  }
  return names;
}

function mayNameDefinitionFactory(callee: ts.Expression, imported: Set<string>): boolean {
  if (ts.isIdentifier(callee)) return imported.has(callee.text);
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

/** `x as T`, `x satisfies T`, `<T>x`, `x!`, `(x)`: the value is `x` (option objects are often written with a cast). */
export function unwrap(node: ts.Expression): ts.Expression {
  let value = node;
  while (ts.isAsExpression(value) || ts.isParenthesizedExpression(value) || ts.isSatisfiesExpression(value) || ts.isTypeAssertionExpression(value) || ts.isNonNullExpression(value)) value = value.expression;
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
