import ts from 'typescript';

/**
 * The two checkers of an analysis (see `Workspace`): `symbols` resolves names across files and
 * is cheap; `types()` builds the real program on first call and is the only one to ask for types.
 */
export interface Checkers {
  readonly symbols: ts.TypeChecker;
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
  /** The declarations the written names resolve to, in order. */
  symbols: ts.Symbol[];
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

/** Answers per type node and symbols checker (a pipeline asks about the same step's types for every invocation). */
const plainCache = new WeakMap<ts.TypeChecker, WeakMap<ts.TypeNode, PlainType | null>>();

/** The plain form of a type node, or undefined when only the checker can say what it is. */
export function plainType(node: ts.TypeNode | undefined, symbols: ts.TypeChecker): PlainType | undefined {
  if (!node) return undefined;
  let cache = plainCache.get(symbols);
  if (!cache) plainCache.set(symbols, (cache = new WeakMap()));
  let answer = cache.get(node);
  if (answer === undefined) cache.set(node, (answer = computePlainType(node, symbols) ?? null));
  return answer ?? undefined;
}

function computePlainType(node: ts.TypeNode, symbols: ts.TypeChecker): PlainType | undefined {
  const keyword = KEYWORDS.get(node.kind);
  if (keyword) return { text: keyword, symbols: [], loose: keyword === 'any' || keyword === 'unknown' };
  if (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword) return { text: 'null', symbols: [], loose: false };
  if (ts.isArrayTypeNode(node)) return arrayOf(node.elementType, symbols);
  if (!ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName)) return undefined;
  // `Array<T>` is printed `T[]`; the lib's Array is unknown to the symbols program, so a name
  // that resolves there is a user's own `Array`.
  if (node.typeName.text === 'Array' && node.typeArguments?.length === 1 && !symbols.getSymbolAtLocation(node.typeName)) return arrayOf(node.typeArguments[0], symbols);
  if (node.typeArguments) return undefined;
  const symbol = declaredSymbol(node.typeName, symbols);
  return symbol && isPlainDeclaration(symbol) ? { text: symbol.getName(), symbols: [symbol], loose: false } : undefined;
}

function arrayOf(element: ts.TypeNode, symbols: ts.TypeChecker): PlainType | undefined {
  // Only elements that print without parentheses (`(A | B)[]` is not plain anyway).
  if (!KEYWORDS.has(element.kind) && !ts.isTypeReferenceNode(element)) return undefined;
  const inner = plainType(element, symbols);
  return inner && !inner.loose ? { text: `${inner.text}[]`, symbols: inner.symbols, loose: false } : undefined;
}

/** Whether two plain types are the same type (then one is assignable to the other). */
export function samePlainType(a: PlainType, b: PlainType): boolean {
  return a.text === b.text && a.symbols.length === b.symbols.length && a.symbols.every((s, i) => s === b.symbols[i]);
}

/**
 * A step's declared return type as its outputs see it: `Promise<T>` is awaited to `T` (the
 * lib's `Promise`, not a user's type of that name). Undefined when the annotation is missing.
 */
export function awaitedReturnNode(fn: ts.SignatureDeclaration, symbols: ts.TypeChecker): ts.TypeNode | undefined {
  const type = fn.type;
  if (type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === 'Promise' && type.typeArguments?.length === 1 && !symbols.getSymbolAtLocation(type.typeName)) {
    return type.typeArguments[0];
  }
  return type;
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

/** A name in a type position, through import aliases, to the symbol that declares it. */
function declaredSymbol(name: ts.Identifier, symbols: ts.TypeChecker): ts.Symbol | undefined {
  let symbol = symbols.getSymbolAtLocation(name);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = symbols.getAliasedSymbol(symbol);
  return symbol && symbol.declarations && symbol.declarations.length > 0 ? symbol : undefined;
}

/**
 * Non-generic interfaces and classes (printed by name), and non-generic aliases of an object
 * literal type (printed by the alias name). None may have a `then` member, which would make the
 * type a thenable that awaiting unwraps.
 */
function isPlainDeclaration(symbol: ts.Symbol): boolean {
  const declarations = symbol.declarations ?? [];
  if (symbol.flags & ts.SymbolFlags.TypeAlias) {
    if (declarations.length !== 1) return false;
    const alias = declarations[0];
    return ts.isTypeAliasDeclaration(alias) && alias.name.text === symbol.getName() && !alias.typeParameters && ts.isTypeLiteralNode(alias.type) && !hasThen(alias.type.members);
  }
  if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) || symbol.flags & ~(ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) return false;
  // Heritage could bring in type parameters or a `then`; a default export prints by its declared name.
  return declarations.every((d) => (ts.isInterfaceDeclaration(d) || ts.isClassDeclaration(d)) && d.name?.text === symbol.getName() && !d.typeParameters && !d.heritageClauses && !hasThen(d.members));
}

function hasThen(members: ts.NodeArray<ts.TypeElement | ts.ClassElement>): boolean {
  return members.some((m) => m.name !== undefined && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) && m.name.text === 'then');
}
