import ts from 'typescript';
import type { TypeDescriptor } from '../../../runtime/src/model/typeDescriptor';

/* The module manifest's type descriptors (`moduleManifest.ts`): checker types to JSON descriptors a runner checks values against. */

const TYPED_ARRAYS = new Set([
  'Int8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

/** Most descriptor nodes one type may produce; past it the rest is opaque (huge library types). */
const NODE_BUDGET = 2000;
/** Deepest nesting followed; deeper parts (and recursion) are opaque. */
const MAX_TYPE_DEPTH = 10;

/** Checker types to JSON descriptors; undecidable parts become `opaque` (always accepted). */
export class Describer {
  private readonly memo = new Map<ts.Type, TypeDescriptor>();
  private budget = 0;

  constructor(private readonly checker: ts.TypeChecker) {}

  describe(type: ts.Type): TypeDescriptor {
    const known = this.memo.get(type);
    if (known) return known;
    this.budget = NODE_BUDGET;
    const descriptor = this.inner(type, new Set(), 0);
    this.memo.set(type, descriptor);
    return descriptor;
  }

  private opaque(type: ts.Type): TypeDescriptor {
    return { kind: 'opaque', text: this.checker.typeToString(type) };
  }

  private inner(type: ts.Type, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    if (--this.budget < 0 || depth > MAX_TYPE_DEPTH || seen.has(type)) return this.opaque(type);
    const f = type.flags;
    if (f & ts.TypeFlags.Any) return { kind: 'any' };
    if (f & ts.TypeFlags.Unknown) return { kind: 'unknown' };
    if (f & ts.TypeFlags.Never) return { kind: 'never' };
    if (f & ts.TypeFlags.StringLiteral) return { kind: 'literal', value: (type as ts.StringLiteralType).value };
    if (f & ts.TypeFlags.NumberLiteral) return { kind: 'literal', value: (type as ts.NumberLiteralType).value };
    if (f & ts.TypeFlags.BooleanLiteral) return { kind: 'literal', value: this.checker.typeToString(type) === 'true' };
    if (f & ts.TypeFlags.Boolean) return { kind: 'boolean' };
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) return { kind: 'string' };
    if (f & ts.TypeFlags.Number) return { kind: 'number' };
    if (f & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return { kind: 'bigint' };
    if (f & ts.TypeFlags.Null) return { kind: 'null' };
    if (f & ts.TypeFlags.Undefined) return { kind: 'undefined' };
    if (f & ts.TypeFlags.Void) return { kind: 'void' };
    if (!(f & (ts.TypeFlags.Union | ts.TypeFlags.Intersection | ts.TypeFlags.Object))) return this.opaque(type);
    seen.add(type);
    try {
      if (type.isUnion()) return this.union(type, seen, depth);
      if (type.isIntersection()) {
        // `A & B` of plain object types is one object with both sets of properties; anything else
        // (branded primitives, generics) stays opaque.
        const plain = type.types.every((t) => t.flags & ts.TypeFlags.Object && this.objectKind(t) === 'structural');
        return plain ? this.object(type, seen, depth) : this.opaque(type);
      }
      return this.objectType(type as ts.ObjectType, seen, depth);
    } finally {
      seen.delete(type);
    }
  }

  private union(type: ts.UnionType, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const members = type.types.map((member) => this.inner(member, seen, depth + 1));
    if (members.some((m) => m.kind === 'opaque' || m.kind === 'any' || m.kind === 'unknown')) return this.opaque(type);
    const isTrue = (m: TypeDescriptor) => m.kind === 'literal' && m.value === true;
    const isFalse = (m: TypeDescriptor) => m.kind === 'literal' && m.value === false;
    if (members.some(isTrue) && members.some(isFalse)) {
      const rest = members.filter((m) => !isTrue(m) && !isFalse(m));
      const boolean: TypeDescriptor = { kind: 'boolean' };
      return rest.length === 0 ? boolean : { kind: 'union', types: [...rest, boolean] };
    }
    return { kind: 'union', types: members };
  }

  /** How an object type is treated: by a dedicated descriptor, or structurally. */
  private objectKind(type: ts.Type): 'special' | 'structural' {
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) return 'special';
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) return 'special';
    const symbol = type.getSymbol();
    if (symbol && symbol.flags & ts.SymbolFlags.Class) return 'special';
    if (symbol && isLibInterface(symbol)) return 'special';
    return 'structural';
  }

  private objectType(type: ts.ObjectType, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const checker = this.checker;
    if (checker.isTupleType(type)) return this.tuple(type as ts.TypeReference, seen, depth);
    if (checker.isArrayType(type)) {
      const element = checker.getTypeArguments(type as ts.TypeReference)[0];
      return { kind: 'array', element: element ? this.inner(element, seen, depth + 1) : { kind: 'unknown' } };
    }
    const symbol = type.getSymbol();
    const symbolName = symbol?.getName();
    const lib = symbol ? isLibInterface(symbol) : false;
    if (lib || (symbol && symbol.flags & ts.SymbolFlags.Interface)) {
      if (symbolName === 'Date') return { kind: 'date' };
      if (symbolName === 'Uint8Array' || symbolName === 'Buffer') return { kind: 'bytes' };
      if (symbolName && TYPED_ARRAYS.has(symbolName)) return { kind: 'typedArray', name: symbolName };
      const args = (type as ts.TypeReference).target ? checker.getTypeArguments(type as ts.TypeReference) : [];
      if ((symbolName === 'Map' || symbolName === 'ReadonlyMap') && args.length === 2) {
        return { kind: 'map', key: this.inner(args[0], seen, depth + 1), value: this.inner(args[1], seen, depth + 1) };
      }
      if ((symbolName === 'Set' || symbolName === 'ReadonlySet') && args.length === 1) return { kind: 'set', element: this.inner(args[0], seen, depth + 1) };
    }
    if (type.getConstructSignatures().length > 0) return { kind: 'function' };
    if (symbol && symbol.flags & ts.SymbolFlags.Class && symbolName) return { kind: 'class', name: symbolName };
    if (type.getCallSignatures().length > 0) return { kind: 'function' };
    // Library interfaces (Promise, RegExp, Error, streams...) are nominal in practice: not checked.
    if (lib) return this.opaque(type);
    return this.object(type, seen, depth);
  }

  private tuple(type: ts.TypeReference, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const target = type.target as ts.TupleType;
    const args = this.checker.getTypeArguments(type);
    const flags = target.elementFlags ?? [];
    if (flags.some((flag) => flag & ts.ElementFlags.Variadic)) return this.opaque(type);
    const elements: TypeDescriptor[] = [];
    let rest: TypeDescriptor | undefined;
    let minLength: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const flag = flags[i] ?? ts.ElementFlags.Required;
      const element = this.inner(args[i], seen, depth + 1);
      if (flag & ts.ElementFlags.Rest) {
        // Only a trailing rest keeps a fixed prefix; `[...a[], b]` is left unchecked.
        if (i !== args.length - 1) return this.opaque(type);
        rest = element;
        minLength ??= elements.length;
        break;
      }
      if (flag & ts.ElementFlags.Optional) minLength ??= i;
      elements.push(flag & ts.ElementFlags.Optional ? withoutUndefined(element) : element);
    }
    return {
      kind: 'tuple',
      elements,
      ...(minLength !== undefined && minLength < elements.length ? { minLength } : {}),
      ...(rest ? { rest } : {}),
    };
  }

  private object(type: ts.Type, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const properties: Record<string, { type: TypeDescriptor; optional: boolean }> = {};
    const all = this.checker.getPropertiesOfType(type);
    for (const property of all) {
      const name = property.getName();
      if (name.startsWith('__@') || name.startsWith('#')) continue; // symbol-keyed and private names
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      const described = this.inner(this.checker.getTypeOfSymbol(property), seen, depth + 1);
      properties[name] = { type: optional ? withoutUndefined(described) : described, optional };
    }
    const index = this.checker.getIndexInfoOfType(type, ts.IndexKind.String);
    // `{}` and empty interfaces accept any non-nullish value: nothing to check.
    if (all.length === 0 && !index && this.checker.getIndexInfoOfType(type, ts.IndexKind.Number) === undefined) return this.opaque(type);
    return index ? { kind: 'object', properties, index: this.inner(index.type, seen, depth + 1) } : { kind: 'object', properties };
  }
}

/** An interface or class of TypeScript's lib files or of Node's types (not a mapped type like Record). */
function isLibInterface(symbol: ts.Symbol): boolean {
  if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class))) return false;
  return (symbol.declarations ?? []).some((d) => {
    const file = d.getSourceFile().fileName;
    return /[\\/]typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts$/.test(file) || /[\\/]@types[\\/]node[\\/]/.test(file);
  });
}

export function withoutUndefined(type: TypeDescriptor): TypeDescriptor {
  if (type.kind !== 'union') return type;
  const rest = type.types.filter((t) => t.kind !== 'undefined');
  return rest.length === 1 ? rest[0] : { kind: 'union', types: rest };
}

export function containsNever(type: TypeDescriptor): boolean {
  switch (type.kind) {
    case 'never':
      return true;
    case 'array':
    case 'set':
      return containsNever(type.element);
    case 'tuple':
      return type.elements.some(containsNever) || (type.rest !== undefined && containsNever(type.rest));
    case 'map':
      return containsNever(type.key) || containsNever(type.value);
    case 'union':
      return type.types.some(containsNever);
    case 'object':
      return Object.values(type.properties).some((p) => containsNever(p.type)) || (type.index !== undefined && containsNever(type.index));
    default:
      return false;
  }
}
