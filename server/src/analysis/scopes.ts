import ts from 'typescript';
import { forEachDescendant } from './walk';

/** Declarations by name; several when a name is merged (overloads, interface + class, ...). */
export type ScopeTable = ReadonlyMap<string, readonly ts.Declaration[]>;

/** One name a module exports, not yet followed. */
export type ExportEntry =
  /** `export const x`, `export function f`, `export default class C` (under `default`)... */
  | { kind: 'declarations'; name: string; declarations: readonly ts.Declaration[] }
  /** `export { local as name }`, `export default local`: a name of the module's own scope. */
  | { kind: 'local'; local: string }
  /** `export { imported as name } from 'm'`. */
  | { kind: 'reexport'; from: ts.StringLiteralLike; imported: string }
  /** `export * as name from 'm'`. */
  | { kind: 'namespace'; from: ts.StringLiteralLike };

export interface ExportTable {
  readonly named: ReadonlyMap<string, readonly ExportEntry[]>;
  /** `export * from 'm'`, in order. */
  readonly stars: readonly ts.StringLiteralLike[];
  /** `export = x` (CommonJS style, as `typescript` itself is declared): the module is `x`. */
  readonly equals?: ts.Expression;
}

/** What can export names: a module file, or a namespace's block. */
export type Container = ts.SourceFile | ts.ModuleBlock;

const NO_DECLARATIONS: ScopeTable = new Map();

/** All depend only on a node's own subtree, so they live as long as the (immutable) tree does. */
const scopeCache = new WeakMap<ts.Node, ScopeTable>();
const hoistedCache = new WeakMap<ts.Node, ScopeTable>();
const exportCache = new WeakMap<Container, ExportTable>();

/** Node kinds other than functions and signatures that declare names for the code inside them. */
const SCOPE_KINDS = new Set([
  ts.SyntaxKind.SourceFile,
  ts.SyntaxKind.ModuleBlock,
  ts.SyntaxKind.Block,
  ts.SyntaxKind.CaseBlock,
  ts.SyntaxKind.ForStatement,
  ts.SyntaxKind.ForInStatement,
  ts.SyntaxKind.ForOfStatement,
  ts.SyntaxKind.CatchClause,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.ClassExpression,
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.MappedType,
  ts.SyntaxKind.ConditionalType,
  ts.SyntaxKind.ModuleDeclaration,
]);

/**
 * The names a node declares for code inside it, if it is a scope: a block's (or module's)
 * statements, a function's parameters and type parameters, a loop's or catch clause's
 * variables, a class's or type's type parameters. `var`s nested in inner blocks are in
 * `hoistedDeclarations`.
 */
export function scopeDeclarations(node: ts.Node): ScopeTable {
  if (!SCOPE_KINDS.has(node.kind) && !ts.isFunctionLike(node)) return NO_DECLARATIONS;
  let table = scopeCache.get(node);
  if (!table) {
    table = collectScope(node);
    scopeCache.set(node, table);
  }
  return table;
}

/**
 * The `var`s nested in blocks, loops and branches of a function body or module, which belong to
 * the function (or module). Ask only of files that `mayDeclareVar` (most do not: this skips a
 * walk of every function body).
 */
export function hoistedDeclarations(node: ts.Node): ScopeTable {
  if (!(ts.isSourceFile(node) || ts.isFunctionLike(node))) return NO_DECLARATIONS;
  let table = hoistedCache.get(node);
  if (!table) {
    const found = new Map<string, ts.Declaration[]>();
    const add = adder(found);
    const body = ts.isSourceFile(node) ? node : (node as { body?: ts.Node }).body;
    if (body && (ts.isSourceFile(body) || ts.isBlock(body))) for (const statement of body.statements) addHoistedVars(statement, add);
    table = found.size > 0 ? found : NO_DECLARATIONS;
    hoistedCache.set(node, table);
  }
  return table;
}

const varCache = new WeakMap<ts.SourceFile, boolean>();

/** Whether a file may declare a `var` at all (most do not: `hoistedDeclarations` need not be asked). */
export function mayDeclareVar(file: ts.SourceFile): boolean {
  let answer = varCache.get(file);
  if (answer === undefined) varCache.set(file, (answer = /\bvar\b/.test(file.text)));
  return answer;
}

function adder(table: Map<string, ts.Declaration[]>): Add {
  return (name, declaration) => {
    if (!name) return;
    const list = table.get(name.text);
    if (list) list.push(declaration);
    else table.set(name.text, [declaration]);
  };
}

function collectScope(node: ts.Node): ScopeTable {
  const table = new Map<string, ts.Declaration[]>();
  const add = adder(table);
  if (ts.isSourceFile(node) || ts.isModuleBlock(node) || ts.isBlock(node)) {
    for (const statement of node.statements) addStatement(statement, add);
  } else if (ts.isCaseBlock(node)) {
    for (const clause of node.clauses) for (const statement of clause.statements) addStatement(statement, add);
  } else if (ts.isFunctionLike(node)) {
    for (const parameter of node.parameters) addBindingNames(parameter.name, parameter, add);
    for (const parameter of node.typeParameters ?? []) add(parameter.name, parameter);
    if ((ts.isFunctionExpression(node) || ts.isClassExpression(node)) && node.name) add(node.name, node);
  } else if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
    const initializer = node.initializer;
    if (initializer && ts.isVariableDeclarationList(initializer)) for (const declaration of initializer.declarations) addBindingNames(declaration.name, declaration, add);
  } else if (ts.isCatchClause(node)) {
    if (node.variableDeclaration) addBindingNames(node.variableDeclaration.name, node.variableDeclaration, add);
  } else if (ts.isClassLike(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
    for (const parameter of node.typeParameters ?? []) add(parameter.name, parameter);
    if (ts.isClassExpression(node) && node.name) add(node.name, node);
  } else if (ts.isModuleDeclaration(node)) {
    // `namespace A.B {}` is `namespace A { export namespace B {} }`: B is a name inside A.
    if (node.body && ts.isModuleDeclaration(node.body) && ts.isIdentifier(node.body.name)) add(node.body.name, node.body);
  } else if (ts.isMappedTypeNode(node)) {
    add(node.typeParameter.name, node.typeParameter);
  } else if (ts.isConditionalTypeNode(node)) {
    // `infer U` in the extends clause declares U for the true branch (and the clause itself).
    const visit = (child: ts.Node): void => {
      if (ts.isInferTypeNode(child)) add(child.typeParameter.name, child.typeParameter);
      else if (!ts.isConditionalTypeNode(child)) ts.forEachChild(child, visit);
    };
    visit(node.extendsType);
  }
  return table.size > 0 ? table : NO_DECLARATIONS;
}

type Add = (name: ts.Identifier | undefined, declaration: ts.Declaration) => void;

/** What one statement declares in the block it stands in. */
function addStatement(statement: ts.Statement, add: Add): void {
  if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) addBindingNames(declaration.name, declaration, add);
  } else if (
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement)
  ) {
    add(statement.name, statement);
  } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
    add(statement.name, statement);
  } else if (ts.isImportEqualsDeclaration(statement)) {
    add(statement.name, statement);
  } else if (ts.isImportDeclaration(statement) && statement.importClause) {
    const clause = statement.importClause;
    add(clause.name, clause);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) add(bindings.name, bindings);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) add(element.name, element);
  }
}

/** The `var`s nested in a statement (top-level `var` statements are declared by `addStatement`). */
function addHoistedVars(statement: ts.Node, add: Add): void {
  if (ts.isVariableStatement(statement)) return;
  const visit = (node: ts.Node): boolean => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return false;
    if (ts.isVariableDeclarationList(node) && !(node.flags & ts.NodeFlags.BlockScoped)) {
      for (const declaration of node.declarations) addBindingNames(declaration.name, declaration, add);
    }
    return true;
  };
  if (visit(statement)) forEachDescendant(statement, visit);
}

/** `x`, or every name of a destructuring pattern (`{ a, b: [c] }`). */
function addBindingNames(name: ts.BindingName, declaration: ts.Declaration, add: Add): void {
  if (ts.isIdentifier(name)) {
    add(name, declaration);
    return;
  }
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) addBindingNames(element.name, ts.isIdentifier(element.name) ? element : declaration, add);
  }
}

/** What a module file or a namespace exports, entry by entry (nothing followed yet). */
export function exportsOf(container: Container): ExportTable {
  let table = exportCache.get(container);
  if (!table) {
    table = collectExports(container);
    exportCache.set(container, table);
  }
  return table;
}

function collectExports(container: Container): ExportTable {
  const named = new Map<string, ExportEntry[]>();
  const declared = new Map<string, ts.Declaration[]>();
  const stars: ts.StringLiteralLike[] = [];
  const entry = (name: string, value: ExportEntry): void => {
    const list = named.get(name);
    if (list) list.push(value);
    else named.set(name, [value]);
  };
  const declare = (name: string, declaration: ts.Declaration): void => {
    const list = declared.get(name);
    if (list) list.push(declaration);
    else declared.set(name, [declaration]);
  };
  let equals: ts.Expression | undefined;
  // In a declaration file or an ambient namespace without `export =` or `export {...}`, every
  // declaration is exported, written `export` or not (as the binder's "export context").
  const ambient = container.getSourceFile().isDeclarationFile || (ts.isModuleBlock(container) && isDeclaredNamespace(container.parent));
  const implicit = ambient && !container.statements.some((s) => ts.isExportAssignment(s) || ts.isExportDeclaration(s));
  for (const statement of container.statements) {
    if (ts.isExportDeclaration(statement)) {
      const from = statement.moduleSpecifier && ts.isStringLiteralLike(statement.moduleSpecifier) ? statement.moduleSpecifier : undefined;
      const clause = statement.exportClause;
      if (!clause) {
        if (from) stars.push(from);
      } else if (ts.isNamespaceExport(clause)) {
        if (from) entry(clause.name.text, { kind: 'namespace', from });
      } else {
        for (const element of clause.elements) {
          const local = (element.propertyName ?? element.name).text;
          entry(element.name.text, from ? { kind: 'reexport', from, imported: local } : { kind: 'local', local });
        }
      }
    } else if (ts.isExportAssignment(statement)) {
      if (statement.isExportEquals) equals = statement.expression;
      else if (ts.isIdentifier(statement.expression)) entry('default', { kind: 'local', local: statement.expression.text });
      else declare('default', statement);
    } else if (hasExportModifier(statement) || (implicit && !ts.isImportDeclaration(statement) && !ts.isImportEqualsDeclaration(statement))) {
      const isDefault = ts.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) ?? false;
      let named = false;
      addStatement(statement, (name, declaration) => {
        if (!name) return;
        named = true;
        declare(isDefault ? 'default' : name.text, declaration);
      });
      // `export default function () {}`, `export default class {}`.
      if (isDefault && !named && (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement))) declare('default', statement);
    }
  }
  if (ts.isSourceFile(container) && container.flags & ts.NodeFlags.JavaScriptFile) commonJsExports(container, (name, local) => entry(name, { kind: 'local', local }));
  for (const [name, declarations] of declared) entry(name, { kind: 'declarations', name, declarations });
  return { named, stars, equals };
}

/**
 * A JavaScript module's CommonJS exports of its own names: `module.exports = { a, b: c }`,
 * `exports.a = a`, `module.exports.a = a` (statements at the top level).
 */
function commonJsExports(file: ts.SourceFile, add: (name: string, local: string) => void): void {
  const isModuleExports = (node: ts.Expression) => ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'module' && node.name.text === 'exports';
  for (const statement of file.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isBinaryExpression(statement.expression) || statement.expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
    const { left, right } = statement.expression;
    if (isModuleExports(left) && ts.isObjectLiteralExpression(right)) {
      for (const member of right.properties) {
        if (ts.isShorthandPropertyAssignment(member)) add(member.name.text, member.name.text);
        else if (ts.isPropertyAssignment(member) && (ts.isIdentifier(member.name) || ts.isStringLiteralLike(member.name)) && ts.isIdentifier(member.initializer)) add(member.name.text, member.initializer.text);
      }
    } else if (ts.isPropertyAccessExpression(left) && ts.isIdentifier(right) && ((ts.isIdentifier(left.expression) && left.expression.text === 'exports') || isModuleExports(left.expression))) {
      add(left.name.text, right.text);
    }
  }
}

/** `declare namespace N`, or a namespace nested in one. */
function isDeclaredNamespace(namespace: ts.ModuleDeclaration): boolean {
  for (let node: ts.Node = namespace; ts.isModuleDeclaration(node) || ts.isModuleBlock(node); node = node.parent) {
    if (ts.isModuleDeclaration(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return true;
  }
  return false;
}

function hasExportModifier(statement: ts.Statement): boolean {
  return ts.canHaveModifiers(statement) && (ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
}
