import ts from 'typescript';
import { requiredSpecifier } from './imports';
import { exportsOf, hoistedDeclarations, mayDeclareVar, scopeDeclarations, type Container, type ExportEntry, type ScopeTable } from './scopes';

/** Value names (variables, functions, classes, enums, namespaces) or type names (interfaces, aliases, classes, enums). */
export type Meaning = 'value' | 'type';

/** What a name stands for once imports and re-exports are followed: declarations of one name in one scope, or a module. */
export type Resolved = { kind: 'declarations'; name: string; declarations: readonly ts.Declaration[] } | { kind: 'module'; file: ts.SourceFile };

/** Where imported modules come from: the workspace resolves a specifier as the project's compiler would, and parses the file. */
export type ModuleSource = (from: ts.SourceFile, specifier: ts.StringLiteralLike) => ts.SourceFile | undefined;

/** Re-export chains longer than this are given up on (they are cycles or mistakes). */
const MAX_DEPTH = 16;

/**
 * Resolves names syntactically, as the binder and checker would for what the analysis asks:
 * which declaration an identifier (or `ns.name`, `N.name`) refers to, through local scopes,
 * imports (named, default, namespace, `import x = require()`), aliases, re-exports (`export { a as
 * b } from`, `export *`, `export * as ns`), default exports, `export =` and namespaces (declared
 * ones export every member), across files. A test holds it to the checker's answers on every name
 * of the fixtures, the examples and this repository's sources.
 *
 * It needs no program: a file is parsed when an import first reaches it, and nothing is bound.
 * Binding every file of the program and building the checker was a third of a cold analysis,
 * and the analysis only ever asks this kind of question of it. Type questions go to the typed
 * program (`Checkers.types()`). Names only lib files or globals declare resolve to nothing (the
 * analysis asks the typed program when it must know such a type). Never throws on broken code;
 * cycles (of imports, re-exports or `import x = x`) end in nothing.
 */
export class NameResolver {
  constructor(private readonly moduleFor: ModuleSource) {}

  /** What `name` (an identifier, or `a.b` through a namespace) refers to at its location. */
  resolve(name: ts.Expression | ts.EntityName, meaning: Meaning): Resolved | undefined {
    return this.resolveAt(name, meaning, 0, new Set());
  }

  /** What `name` stands for as a member of a module or namespace already resolved (`const { step } = pw`). */
  resolveMember(base: Resolved, name: string, meaning: Meaning): Resolved | undefined {
    return this.member(base, name, meaning, 0, new Set());
  }

  /** The first value declaration `name` refers to (a variable, function, class...), if any. */
  valueDeclaration(name: ts.Expression): ts.Declaration | undefined {
    const resolved = this.resolve(name, 'value');
    return resolved?.kind === 'declarations' ? resolved.declarations.find(isValueDeclaration) : undefined;
  }

  /** The file a module specifier of `from` names, if it resolves. */
  module(from: ts.SourceFile, specifier: ts.StringLiteralLike): ts.SourceFile | undefined {
    return this.moduleFor(from, specifier);
  }

  /** `seen`: the (module, name, meaning) lookups this resolution has made already; a second one is a cycle. */
  private resolveAt(name: ts.Expression | ts.EntityName, meaning: Meaning, depth: number, seen: Set<string>): Resolved | undefined {
    if (depth > MAX_DEPTH) return undefined;
    if (ts.isIdentifier(name)) return this.follow(this.lexical(name, meaning), meaning, depth, seen);
    const [left, right] = ts.isPropertyAccessExpression(name) ? [name.expression, name.name] : ts.isQualifiedName(name) ? [name.left, name.right] : [undefined, undefined];
    if (!left || !right || !ts.isIdentifier(right)) return undefined;
    const base = this.resolveAt(left, 'value', depth + 1, seen);
    return base ? this.member(base, right.text, meaning, depth + 1, seen) : undefined;
  }

  /** `name` as a member of a module or of a namespace (`ns.name`, `N.name`, `A.B` of `namespace A.B`). */
  private member(base: Resolved, name: string, meaning: Meaning, depth: number, seen: Set<string>): Resolved | undefined {
    if (base.kind === 'module') return this.exported(base.file, name, meaning, depth, seen);
    for (const declaration of base.declarations) {
      if (!ts.isModuleDeclaration(declaration) || !declaration.body) continue;
      const body = declaration.body;
      if (ts.isModuleDeclaration(body)) {
        if (ts.isIdentifier(body.name) && body.name.text === name) return { kind: 'declarations', name, declarations: [body] };
      } else if (ts.isModuleBlock(body)) {
        const found = this.exported(body, name, meaning, depth, seen);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The innermost scope's declarations of the identifier's name (with the wanted meaning), imports not yet followed. */
  private lexical(id: ts.Identifier, meaning: Meaning): Resolved | undefined {
    const find = (table: ScopeTable): Resolved | undefined => {
      const declarations = table.get(id.text);
      return declarations && declarations.some((d) => hasMeaning(d, meaning)) ? { kind: 'declarations', name: id.text, declarations } : undefined;
    };
    const vars = mayDeclareVar(id.getSourceFile());
    for (let child: ts.Node = id, scope = id.parent; scope; child = scope, scope = scope.parent) {
      // `infer U` names exist in the extends clause and the true branch only.
      if (ts.isConditionalTypeNode(scope) && child !== scope.extendsType && child !== scope.trueType) continue;
      const found = find(scopeDeclarations(scope)) ?? (vars ? find(hoistedDeclarations(scope)) : undefined);
      if (found) return found;
    }
    return undefined;
  }

  /** Follows import bindings and export-specifier aliases to what they finally name. */
  private follow(resolved: Resolved | undefined, meaning: Meaning, depth: number, seen: Set<string>): Resolved | undefined {
    if (!resolved || resolved.kind === 'module' || depth > MAX_DEPTH) return depth > MAX_DEPTH ? undefined : resolved;
    const alias = resolved.declarations.find(isAlias);
    if (!alias) return this.followRequire(resolved, meaning, depth, seen) ?? resolved;
    const file = alias.getSourceFile();
    if (ts.isImportEqualsDeclaration(alias)) {
      const reference = alias.moduleReference;
      if (ts.isExternalModuleReference(reference)) {
        const target = ts.isStringLiteralLike(reference.expression) ? this.moduleFor(file, reference.expression) : undefined;
        return target ? { kind: 'module', file: target } : undefined;
      }
      return this.resolveAt(reference, meaning, depth + 1, seen);
    }
    const declaration = ts.isImportSpecifier(alias) ? alias.parent.parent.parent : ts.isNamespaceImport(alias) ? alias.parent.parent : alias.parent;
    const specifier = declaration.moduleSpecifier;
    const target = ts.isStringLiteralLike(specifier) ? this.moduleFor(file, specifier) : undefined;
    if (!target) return undefined;
    if (ts.isNamespaceImport(alias)) return { kind: 'module', file: target };
    const imported = ts.isImportSpecifier(alias) ? (alias.propertyName ?? alias.name).text : 'default';
    return this.exported(target, imported, meaning, depth + 1, seen);
  }

  /**
   * In JavaScript, `const m = require('m')` binds the module, `const { a: b } = require('m')` and
   * `const b = require('m').a` its export `a` (the checker treats them as imports there too).
   */
  private followRequire(resolved: Resolved & { kind: 'declarations' }, meaning: Meaning, depth: number, seen: Set<string>): Resolved | undefined {
    const declaration = resolved.declarations[0];
    if (!declaration || !(declaration.flags & ts.NodeFlags.JavaScriptFile)) return undefined;
    const variable = ts.isBindingElement(declaration) && ts.isObjectBindingPattern(declaration.parent) ? declaration.parent.parent : declaration;
    if (!ts.isVariableDeclaration(variable)) return undefined;
    const specifier = requiredSpecifier(variable.initializer);
    const target = specifier ? this.moduleFor(declaration.getSourceFile(), specifier) : undefined;
    if (!target || !variable.initializer) return undefined;
    if (ts.isBindingElement(declaration)) {
      if (ts.isPropertyAccessExpression(variable.initializer)) return undefined;
      const key = declaration.propertyName ?? declaration.name;
      return ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? this.exported(target, key.text, meaning, depth + 1, seen) : undefined;
    }
    if (!ts.isIdentifier(variable.name)) return undefined;
    if (ts.isPropertyAccessExpression(variable.initializer)) return this.exported(target, variable.initializer.name.text, meaning, depth + 1, seen);
    return { kind: 'module', file: target };
  }

  /**
   * What a module (or namespace) exports under `name`: its own declarations, local aliases,
   * re-exports, then `export *` modules; or, for `export = x`, `x` itself as `default` and its
   * members by name.
   */
  private exported(container: Container, name: string, meaning: Meaning, depth: number, seen: Set<string>): Resolved | undefined {
    const file = container.getSourceFile();
    const key = `${file.fileName}\0${container.pos}\0${name}\0${meaning}`;
    if (depth > MAX_DEPTH || seen.has(key)) return undefined;
    seen.add(key);
    const table = exportsOf(container);
    const entries = table.named.get(name);
    if (entries) {
      for (const entry of entries) {
        const resolved = this.entry(container, entry, meaning, depth, seen);
        if (resolved) return resolved;
      }
      return undefined;
    }
    if (table.equals) {
      const target = this.resolveAt(table.equals, name === 'default' ? meaning : 'value', depth + 1, seen);
      if (!target) return undefined;
      // A default import of `export = x` is x's own `default` member when its namespace has one (as fastify's does), else x.
      if (name === 'default') return this.member(target, 'default', meaning, depth + 1, seen) ?? target;
      return this.member(target, name, meaning, depth + 1, seen);
    }
    if (name === 'default') return undefined;
    for (const specifier of table.stars) {
      const target = this.moduleFor(file, specifier);
      const resolved = target ? this.exported(target, name, meaning, depth + 1, seen) : undefined;
      if (resolved) return resolved;
    }
    return undefined;
  }

  private entry(container: Container, entry: ExportEntry, meaning: Meaning, depth: number, seen: Set<string>): Resolved | undefined {
    const file = container.getSourceFile();
    switch (entry.kind) {
      case 'declarations':
        return entry.declarations.some((d) => hasMeaning(d, meaning)) ? { kind: 'declarations', name: entry.name, declarations: entry.declarations } : undefined;
      case 'local': {
        // `export { a }` in a namespace may name what an enclosing scope declares (the file's imports).
        let declarations: readonly ts.Declaration[] | undefined;
        for (let scope: ts.Node | undefined = container; scope && !declarations?.some((d) => hasMeaning(d, meaning)); scope = scope.parent) declarations = scopeDeclarations(scope).get(entry.local);
        const local = declarations && declarations.some((d) => hasMeaning(d, meaning)) ? ({ kind: 'declarations', name: entry.local, declarations } as const) : undefined;
        return this.follow(local, meaning, depth + 1, seen);
      }
      case 'reexport': {
        const target = this.moduleFor(file, entry.from);
        return target ? this.exported(target, entry.imported, meaning, depth + 1, seen) : undefined;
      }
      case 'namespace': {
        const target = this.moduleFor(file, entry.from);
        return target ? { kind: 'module', file: target } : undefined;
      }
    }
  }
}

type Alias = ts.ImportSpecifier | ts.ImportClause | ts.NamespaceImport | ts.ImportEqualsDeclaration;

function isAlias(node: ts.Declaration): node is Alias {
  return ts.isImportSpecifier(node) || ts.isImportClause(node) || ts.isNamespaceImport(node) || ts.isImportEqualsDeclaration(node);
}

function isValueDeclaration(node: ts.Declaration): boolean {
  return hasMeaning(node, 'value') && !isAlias(node);
}

/** Whether a declaration declares a value or a type name (imports may be either until followed). */
function hasMeaning(node: ts.Declaration, meaning: Meaning): boolean {
  if (isAlias(node) || ts.isClassDeclaration(node) || ts.isClassExpression(node) || ts.isEnumDeclaration(node)) return true;
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isTypeParameterDeclaration(node)) return meaning === 'type';
  if (ts.isModuleDeclaration(node)) return true;
  return meaning === 'value';
}
