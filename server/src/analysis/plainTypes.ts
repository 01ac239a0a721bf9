import ts from 'typescript';
import type { NameResolver } from './nameResolver';

/**
 * The two resolvers of an analysis (see `Workspace`): `names` resolves names across files and
 * is cheap; `types()` builds the real program on first call and is the only one to ask for types.
 */
export interface Checkers {
  readonly names: NameResolver;
  types(): ts.TypeChecker;
}

/**
 * A type written so plainly that the checker would print it exactly so, and that two of them
 * with the same text and the same declarations are the same type: keywords, non-generic
 * interfaces, classes and object-literal aliases named directly, and arrays of those. Answering
 * these without the checker is what keeps a cold analysis from building the typed program (lib
 * files included) when every step is annotated.
 */
export interface PlainType {
  text: string;
  /** The declarations the written names resolve to, in order (the first of each merged name). */
  declarations: ts.Declaration[];
  /** `any` or `unknown`: the wiring check accepts anything to or from it. */
  loose: boolean;
}

const KEYWORDS = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.StringKeyword, 'string'],
  [ts.SyntaxKind.NumberKeyword, 'number'],
  [ts.SyntaxKind.BooleanKeyword, 'boolean'],
  [ts.SyntaxKind.BigIntKeyword, 'bigint'],
  [ts.SyntaxKind.SymbolKeyword, 'symbol'],
  [ts.SyntaxKind.ObjectKeyword, 'object'],
  [ts.SyntaxKind.VoidKeyword, 'void'],
  [ts.SyntaxKind.UndefinedKeyword, 'undefined'],
  [ts.SyntaxKind.NeverKeyword, 'never'],
  [ts.SyntaxKind.AnyKeyword, 'any'],
  [ts.SyntaxKind.UnknownKeyword, 'unknown'],
]);

/** Answers per type node and resolver (a pipeline asks about the same step's types for every invocation). */
const plainCache = new WeakMap<NameResolver, WeakMap<ts.TypeNode, PlainType | null>>();

/** The plain form of a type node, or undefined when only the checker can say what it is. */
export function plainType(node: ts.TypeNode | undefined, names: NameResolver): PlainType | undefined {
  if (!node) return undefined;
  let cache = plainCache.get(names);
  if (!cache) plainCache.set(names, (cache = new WeakMap()));
  let answer = cache.get(node);
  if (answer === undefined) cache.set(node, (answer = computePlainType(node, names) ?? null));
  return answer ?? undefined;
}

function computePlainType(node: ts.TypeNode, names: NameResolver): PlainType | undefined {
  const keyword = KEYWORDS.get(node.kind);
  if (keyword) return { text: keyword, declarations: [], loose: keyword === 'any' || keyword === 'unknown' };
  if (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword) return { text: 'null', declarations: [], loose: false };
  if (ts.isArrayTypeNode(node)) return arrayOf(node.elementType, names);
  if (!ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName)) return undefined;
  // `Array<T>` is printed `T[]`; the resolver knows no lib names, so a name that resolves is a
  // user's own `Array`.
  if (node.typeName.text === 'Array' && node.typeArguments?.length === 1 && !names.resolve(node.typeName, 'type')) return arrayOf(node.typeArguments[0], names);
  if (node.typeArguments) return undefined;
  const resolved = names.resolve(node.typeName, 'type');
  return resolved?.kind === 'declarations' && isPlainDeclaration(resolved.name, resolved.declarations) ? { text: resolved.name, declarations: [resolved.declarations[0]], loose: false } : undefined;
}

function arrayOf(element: ts.TypeNode, names: NameResolver): PlainType | undefined {
  // Only elements that print without parentheses (`(A | B)[]` is not plain anyway).
  if (!KEYWORDS.has(element.kind) && !ts.isTypeReferenceNode(element)) return undefined;
  const inner = plainType(element, names);
  return inner && !inner.loose ? { text: `${inner.text}[]`, declarations: inner.declarations, loose: false } : undefined;
}

/** Whether two plain types are the same type (then one is assignable to the other). */
export function samePlainType(a: PlainType, b: PlainType): boolean {
  return a.text === b.text && a.declarations.length === b.declarations.length && a.declarations.every((d, i) => d === b.declarations[i]);
}

/**
 * A step's declared return type as its outputs see it: `Promise<T>` is awaited to `T` (the
 * lib's `Promise`, not a user's type of that name). Undefined when the annotation is missing.
 */
export function awaitedReturnNode(fn: ts.SignatureDeclaration, names: NameResolver): ts.TypeNode | undefined {
  const type = writtenReturnType(fn);
  if (type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === 'Promise' && type.typeArguments?.length === 1 && !names.resolve(type.typeName, 'type')) {
    return type.typeArguments[0];
  }
  return type;
}

/** The type written for a parameter: its annotation or, in JavaScript, its JSDoc `@param {T}` type. */
export function writtenParameterType(param: ts.ParameterDeclaration): ts.TypeNode | undefined {
  return param.type ?? (param.flags & ts.NodeFlags.JavaScriptFile ? ts.getJSDocType(param) : undefined);
}

/** The return type written for a function: its annotation or, in JavaScript, its JSDoc `@returns {T}` type. */
export function writtenReturnType(fn: ts.SignatureDeclaration): ts.TypeNode | undefined {
  return fn.type ?? (fn.flags & ts.NodeFlags.JavaScriptFile ? ts.getJSDocReturnType(fn) : undefined);
}

/**
 * The type node of property `name` of a written object type (`{ train: Row[]; test: Row[] }`),
 * `null` when the object plainly has no such property, undefined when only the checker can say
 * (not an object literal type, optional or computed members, index signatures).
 */
export function plainProperty(node: ts.TypeNode | undefined, name: string): ts.TypeNode | null | undefined {
  if (!node || !ts.isTypeLiteralNode(node)) return undefined;
  let found: ts.TypeNode | null = null;
  for (const member of node.members) {
    if (!ts.isPropertySignature(member) || member.questionToken || !member.type || !(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) return undefined;
    if (member.name.text === name) found = member.type;
  }
  return found;
}

/**
 * Non-generic interfaces and classes (printed by name), and non-generic aliases of an object
 * literal type (printed by the alias name). None may have a `then` member, which would make the
 * type a thenable that awaiting unwraps.
 */
function isPlainDeclaration(name: string, declarations: readonly ts.Declaration[]): boolean {
  const [first] = declarations;
  if (first && ts.isTypeAliasDeclaration(first)) {
    return declarations.length === 1 && first.name.text === name && !first.typeParameters && ts.isTypeLiteralNode(first.type) && !hasThen(first.type.members);
  }
  // Only interfaces and classes (merged with nothing else); heritage could bring in type
  // parameters or a `then`; a default export prints by its declared name.
  return declarations.length > 0 && declarations.every((d) => (ts.isInterfaceDeclaration(d) || ts.isClassDeclaration(d)) && d.name?.text === name && !d.typeParameters && !d.heritageClauses && !hasThen(d.members));
}

function hasThen(members: ts.NodeArray<ts.TypeElement | ts.ClassElement>): boolean {
  return members.some((m) => m.name !== undefined && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) && m.name.text === 'then');
}
