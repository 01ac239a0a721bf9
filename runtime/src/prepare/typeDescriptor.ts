/**
 * JSON type descriptors: what the TypeScript pass knows of a step's parameter and return types,
 * in a form that crosses process boundaries and lets a runner check values at run time.
 *
 * Checks are exact where a value's shape is decidable and lenient where TypeScript is
 * structural: objects may carry extra properties, optional properties may be missing or
 * undefined, and `opaque` (generics, conditional types, deep recursion) always passes.
 */
import { InputError } from '../model/errorCodes';
import type { TypeDescriptor } from '../model/typeDescriptor';
export type { TypeDescriptor };

/** Raised for a parameter (a `--param` text, a config or request value) that does not fit the declared type. */
export class ParamConversionError extends InputError {
  constructor(
    message: string,
    /** Where the text came from (`--param lr`). */
    readonly where?: string,
    /** The declared type, as text. */
    readonly expected?: string,
  ) {
    super(message);
    this.name = 'ParamConversionError';
  }
}

// ---------------------------------------------------------------------------------------------
// Checking values
// ---------------------------------------------------------------------------------------------

/** How deep checks go into nested values; deeper parts are trusted (this also stops cycles). */
const MAX_DEPTH = 64;

/**
 * Undefined when `value` conforms to `type`, else a description of the first mismatch with its
 * path, e.g. `[3].sepalLength: expected number, got string ("abc")`.
 */
export function checkValue(value: unknown, type: TypeDescriptor): string | undefined {
  const found = check(value, type, 0);
  return found && (found.path ? `${found.path}: ${found.message}` : found.message);
}

/** A mismatch; its path is built only on the way out, so conforming values cost no strings. */
interface Mismatch {
  path: string;
  message: string;
}

function mismatch(value: unknown, type: TypeDescriptor, note = ''): Mismatch {
  return { path: '', message: `expected ${describeType(type)}, got ${describeValue(value)}${note}` };
}

function at(segment: string, found: Mismatch): Mismatch {
  return { path: segment + found.path, message: found.message };
}

function check(value: unknown, type: TypeDescriptor, depth: number): Mismatch | undefined {
  if (depth > MAX_DEPTH) return undefined;
  switch (type.kind) {
    case 'any':
    case 'unknown':
    case 'opaque':
      return undefined;
    case 'never':
      return mismatch(value, type);
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return typeof value === type.kind ? undefined : mismatch(value, type);
    case 'null':
      return value === null ? undefined : mismatch(value, type);
    case 'undefined':
    case 'void':
      return value === undefined ? undefined : mismatch(value, type);
    case 'literal':
      return value === type.value ? undefined : mismatch(value, type);
    case 'function':
      return typeof value === 'function' ? undefined : mismatch(value, type);
    case 'date':
      return value instanceof Date ? undefined : mismatch(value, type);
    case 'bytes':
      return value instanceof Uint8Array ? undefined : mismatch(value, type);
    case 'typedArray':
      return ArrayBuffer.isView(value) && hasClassInChain(value, type.name) ? undefined : mismatch(value, type);
    case 'class':
      return hasClassInChain(value, type.name) ? undefined : mismatch(value, type);
    case 'array': {
      if (!Array.isArray(value)) return mismatch(value, type);
      for (let i = 0; i < value.length; i++) {
        const found = check(value[i], type.element, depth + 1);
        if (found) return at(`[${i}]`, found);
      }
      return undefined;
    }
    case 'tuple': {
      if (!Array.isArray(value)) return mismatch(value, type);
      const min = type.minLength ?? type.elements.length;
      if (value.length < min) return mismatch(value, type, ` (at least ${min} elements expected)`);
      if (!type.rest && value.length > type.elements.length) return mismatch(value, type, ` (at most ${type.elements.length} elements expected)`);
      for (let i = 0; i < value.length; i++) {
        const element = i < type.elements.length ? type.elements[i] : type.rest;
        if (!element) break;
        // An optional position may hold undefined.
        if (value[i] === undefined && i >= min && i < type.elements.length) continue;
        const found = check(value[i], element, depth + 1);
        if (found) return at(`[${i}]`, found);
      }
      return undefined;
    }
    case 'set': {
      if (!(value instanceof Set)) return mismatch(value, type);
      let i = 0;
      for (const item of value) {
        const found = check(item, type.element, depth + 1);
        if (found) return at(`{${i}}`, found);
        i++;
      }
      return undefined;
    }
    case 'map': {
      if (!(value instanceof Map)) return mismatch(value, type);
      for (const [key, item] of value) {
        const badKey = check(key, type.key, depth + 1);
        if (badKey) return at(`.key(${describeKey(key)})`, badKey);
        const badValue = check(item, type.value, depth + 1);
        if (badValue) return at(`.get(${describeKey(key)})`, badValue);
      }
      return undefined;
    }
    case 'object': {
      // Structural: functions and arrays may satisfy object types too.
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return mismatch(value, type);
      const record = value as Record<string, unknown>;
      for (const name in type.properties) {
        const property = type.properties[name];
        const item = record[name];
        if (item === undefined && property.optional) continue;
        const found = check(item, property.type, depth + 1);
        if (found) return at(propertySegment(name), found);
      }
      if (type.index) {
        for (const [name, item] of Object.entries(record)) {
          if (Object.prototype.hasOwnProperty.call(type.properties, name)) continue;
          const found = check(item, type.index, depth + 1);
          if (found) return at(propertySegment(name), found);
        }
      }
      return undefined;
    }
    case 'union': {
      for (const member of type.types) if (check(value, member, depth + 1) === undefined) return undefined;
      // When one member is clearly the one meant, its deeper mismatch says more than the union.
      const meant = intendedMember(value, type.types);
      return (meant && check(value, meant, depth + 1)) ?? mismatch(value, type);
    }
  }
}

/** The single member of a union that a value's outer shape (and literal discriminants) point to. */
function intendedMember(value: unknown, members: TypeDescriptor[]): TypeDescriptor | undefined {
  const candidates = members.filter((member) => outerShapeMatches(value, member));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1 && candidates.every((c) => c.kind === 'object') && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const discriminated = candidates.filter((c) => {
      if (c.kind !== 'object') return false;
      const literals = Object.entries(c.properties).filter(([, p]) => p.type.kind === 'literal');
      return literals.length > 0 && literals.every(([name, p]) => p.type.kind === 'literal' && record[name] === p.type.value);
    });
    if (discriminated.length === 1) return discriminated[0];
  }
  return undefined;
}

/** Whether a value is the container kind of `type` (primitives never single out a member). */
function outerShapeMatches(value: unknown, type: TypeDescriptor): boolean {
  switch (type.kind) {
    case 'array':
    case 'tuple':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set);
    case 'map':
      return value instanceof Map;
    case 'set':
      return value instanceof Set;
    default:
      return false;
  }
}

function hasClassInChain(value: unknown, name: string): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  for (let proto = Object.getPrototypeOf(value) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
    if (typeof ctor === 'function' && ctor.name === name) return true;
  }
  return false;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function propertySegment(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(shorten(key)) : typeof key === 'bigint' ? `${key}n` : typeof key === 'object' && key !== null ? describeValue(key) : String(key);
}

function shorten(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `array (length ${value.length})`;
  if (typeof value === 'string') return `string (${JSON.stringify(shorten(value))})`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} (${String(value)})`;
  if (typeof value === 'bigint') return `bigint (${value}n)`;
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as object | null;
    const ctor: unknown = proto ? Object.getOwnPropertyDescriptor(proto, 'constructor')?.value : undefined;
    const name = typeof ctor === 'function' ? ctor.name : '';
    return name && name !== 'Object' ? `${name} instance` : 'object';
  }
  return typeof value;
}

// ---------------------------------------------------------------------------------------------
// Describing types
// ---------------------------------------------------------------------------------------------

/** Longest text describeType returns; longer renderings are cut with `...`. */
const MAX_TEXT = 240;

/** A compact TypeScript-like rendering of a descriptor (nested parts are elided with `...`). */
export function describeType(type: TypeDescriptor): string {
  const text = render(type, 0);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text;
}

function render(type: TypeDescriptor, depth: number): string {
  if (depth > 4) return '...';
  switch (type.kind) {
    case 'literal':
      return JSON.stringify(type.value);
    case 'array': {
      const inner = render(type.element, depth + 1);
      return needsParens(type.element) ? `(${inner})[]` : `${inner}[]`;
    }
    case 'tuple': {
      const min = type.minLength ?? type.elements.length;
      const parts = type.elements.map((t, i) => `${render(t, depth + 1)}${i >= min ? '?' : ''}`);
      if (type.rest) parts.push(`...${needsParens(type.rest) ? `(${render(type.rest, depth + 1)})` : render(type.rest, depth + 1)}[]`);
      return `[${parts.join(', ')}]`;
    }
    case 'object': {
      const limit = depth === 0 ? 8 : depth === 1 ? 5 : 3;
      const entries = Object.entries(type.properties);
      const shown = entries.slice(0, limit).map(([name, p]) => {
        const shownType = p.optional && p.type.kind === 'union' ? withoutUndefined(p.type) : p.type;
        return `${IDENTIFIER.test(name) ? name : JSON.stringify(name)}${p.optional ? '?' : ''}: ${render(shownType, depth + 1)}`;
      });
      if (entries.length > limit) shown.push(`... ${entries.length - limit} more`);
      if (type.index) shown.push(`[key: string]: ${render(type.index, depth + 1)}`);
      return shown.length === 0 ? '{}' : `{ ${shown.join('; ')} }`;
    }
    case 'union': {
      // Nullish members last, as people write them.
      const ordered = [...type.types.filter((t) => !isNullish(t)), ...type.types.filter(isNullish)];
      const shown = ordered.slice(0, 10).map((t) => render(t, depth + 1));
      if (ordered.length > 10) shown.push(`... ${ordered.length - 10} more`);
      return shown.join(' | ');
    }
    case 'map':
      return `Map<${render(type.key, depth + 1)}, ${render(type.value, depth + 1)}>`;
    case 'set':
      return `Set<${render(type.element, depth + 1)}>`;
    case 'date':
      return 'Date';
    case 'bytes':
      return 'Uint8Array';
    case 'function':
      return 'Function';
    case 'typedArray':
    case 'class':
      return type.name;
    case 'opaque':
      return type.text;
    default:
      return type.kind;
  }
}

function needsParens(type: TypeDescriptor): boolean {
  return type.kind === 'union' && type.types.length > 1;
}

function isNullish(type: TypeDescriptor): boolean {
  return type.kind === 'undefined' || type.kind === 'null' || type.kind === 'void';
}

function withoutUndefined(type: Extract<TypeDescriptor, { kind: 'union' }>): TypeDescriptor {
  const rest = type.types.filter((t) => t.kind !== 'undefined');
  return rest.length === 1 ? rest[0] : { kind: 'union', types: rest };
}

// ---------------------------------------------------------------------------------------------
// Converting --param texts
// ---------------------------------------------------------------------------------------------

/**
 * Converts a `--param name=text` text to the declared type: numbers, booleans (true/false/1/0),
 * bigints and strings directly, literal unions by value, structured types as JSON (Maps from
 * objects or entry lists, Sets from arrays, Dates from strings) checked against the type. With no
 * usable type (undefined, any, unknown, opaque) the text is JSON when it parses, else itself.
 * Throws {@link ParamConversionError} with a one-line message naming `where` and the type.
 */
export function convertParamText(text: string, type: TypeDescriptor | undefined, where: string): unknown {
  if (!type) return parseJsonOr(text);
  return convert(text, type, where);
}

/**
 * Checks a value given as data (a YAML run config, an API request, code) against the declared
 * type, after the same revival `--param` JSON gets (Map, Set, Date, bigint from plain data).
 * Throws {@link ParamConversionError} with a one-line message naming `where` and the type.
 */
export function convertParamValue(value: unknown, type: TypeDescriptor | undefined, where: string): unknown {
  // A value that already fits (a Map from code, say) is kept as it is; plain data is revived.
  if (!type || checkValue(value, type) === undefined) return value;
  const revived = revive(value, type, 0);
  const problem = checkValue(revived, type);
  if (problem !== undefined) {
    const expected = describeType(type);
    throw new ParamConversionError(problem.startsWith('expected ') ? `${where}: ${problem}` : `${where}: expected ${expected}; ${problem}`, where, expected);
  }
  return revived;
}

function convert(text: string, type: TypeDescriptor, where: string): unknown {
  const expected = describeType(type);
  const fail = (what: string, detail?: string): never => {
    throw new ParamConversionError(`${where}: expected ${what}, got ${quoteText(text)}${detail ? ` (${detail})` : ''}`, where, expected);
  };
  switch (type.kind) {
    case 'any':
    case 'unknown':
    case 'opaque':
      return parseJsonOr(text);
    case 'string':
      return text;
    case 'number': {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      return Number.isNaN(n) ? fail('a number') : n;
    }
    case 'boolean': {
      const b = parseBoolean(text);
      return b === undefined ? fail('a boolean (true, false, 1 or 0)') : b;
    }
    case 'bigint': {
      const body = text.trim().replace(/n$/, '');
      if (body === '') return fail('an integer (bigint)');
      try {
        return BigInt(body);
      } catch {
        return fail('an integer (bigint)');
      }
    }
    case 'literal': {
      const value = literalFromText(text, type.value);
      return value === undefined ? fail(JSON.stringify(type.value)) : value;
    }
    case 'null':
      return text === 'null' ? null : fail('null');
    case 'undefined':
    case 'void':
      return text === 'undefined' ? undefined : fail('undefined');
    case 'date': {
      const date = new Date(text);
      return text.trim() === '' || Number.isNaN(date.getTime()) ? fail('a date (ISO 8601, e.g. 2024-05-01T12:00:00Z)') : date;
    }
    case 'union':
      return convertUnion(text, type, where, expected);
    case 'never':
    case 'function':
    case 'class':
      return fail(`${expected}, which a --param text cannot give`);
    default:
      break;
  }
  // Structured: JSON, revived (Map, Set, Date, bigint, typed arrays) and checked.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`JSON for ${expected}`, (error as Error).message.split('\n')[0]);
  }
  const value = revive(parsed, type, 0);
  const problem = checkValue(value, type);
  if (problem !== undefined) {
    throw new ParamConversionError(`${where}: expected ${expected}; ${problem} in ${quoteText(text)}`, where, expected);
  }
  return value;
}

/** Literals match by value first, then the other members in order, strings last (they take anything). */
function convertUnion(text: string, type: Extract<TypeDescriptor, { kind: 'union' }>, where: string, expected: string): unknown {
  for (const member of type.types) {
    if (member.kind === 'literal') {
      const value = literalFromText(text, member.value);
      if (value !== undefined) return value;
    }
  }
  const rank = (t: TypeDescriptor): number => {
    switch (t.kind) {
      case 'literal':
        return -1; // done above
      case 'null':
      case 'undefined':
      case 'void':
        return 0;
      case 'number':
      case 'bigint':
      case 'boolean':
        return 1;
      case 'date':
        return 3;
      case 'string':
        return 4;
      case 'any':
      case 'unknown':
      case 'opaque':
        return 5;
      default:
        return 2;
    }
  };
  const ordered = type.types.filter((t) => rank(t) >= 0).sort((a, b) => rank(a) - rank(b));
  for (const member of ordered) {
    try {
      return convert(text, member, where);
    } catch (error) {
      if (!(error instanceof ParamConversionError)) throw error;
    }
  }
  if (type.types.every((t) => t.kind === 'literal' || isNullish(t))) {
    const choices = type.types.filter((t) => t.kind === 'literal').map((t) => (t.kind === 'literal' ? JSON.stringify(t.value) : ''));
    throw new ParamConversionError(`${where}: expected one of ${choices.join(' | ')}, got ${quoteText(text)}`, where, expected);
  }
  throw new ParamConversionError(`${where}: expected ${expected}, got ${quoteText(text)}`, where, expected);
}

function literalFromText(text: string, literal: string | number | boolean): string | number | boolean | undefined {
  if (typeof literal === 'string') return text === literal ? literal : undefined;
  if (typeof literal === 'boolean') return parseBoolean(text) === literal ? literal : undefined;
  return text.trim() !== '' && Number(text) === literal ? literal : undefined;
}

function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

/** Turns parsed JSON into the value kinds JSON cannot spell, guided by the declared type. */
function revive(value: unknown, type: TypeDescriptor, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  switch (type.kind) {
    case 'array':
      return Array.isArray(value) ? value.map((item) => revive(item, type.element, depth + 1)) : value;
    case 'tuple':
      return Array.isArray(value)
        ? value.map((item, i) => {
            const element = i < type.elements.length ? type.elements[i] : type.rest;
            return element ? revive(item, element, depth + 1) : item;
          })
        : value;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value)) {
        const property = Object.prototype.hasOwnProperty.call(type.properties, name) ? type.properties[name].type : type.index;
        out[name] = property ? revive(item, property, depth + 1) : item;
      }
      return out;
    }
    case 'map': {
      const entries: [unknown, unknown][] | undefined = Array.isArray(value)
        ? value.every((e) => Array.isArray(e) && e.length === 2)
          ? (value as [unknown, unknown][])
          : undefined
        : typeof value === 'object' && value !== null
          ? Object.entries(value)
          : undefined;
      if (!entries) return value;
      return new Map(entries.map(([k, v]) => [revive(k, type.key, depth + 1), revive(v, type.value, depth + 1)]));
    }
    case 'set':
      return Array.isArray(value) ? new Set(value.map((item) => revive(item, type.element, depth + 1))) : value;
    case 'date': {
      if (typeof value !== 'string' && typeof value !== 'number') return value;
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? value : date;
    }
    case 'bigint':
      if ((typeof value === 'string' && /^-?\d+n?$/.test(value)) || (typeof value === 'number' && Number.isInteger(value))) {
        return BigInt(typeof value === 'string' ? value.replace(/n$/, '') : value);
      }
      return value;
    case 'bytes':
      return isByteList(value) ? new Uint8Array(value) : value;
    case 'typedArray': {
      const ctor = (globalThis as Record<string, unknown>)[type.name];
      if (typeof ctor !== 'function' || !Array.isArray(value)) return value;
      try {
        return new (ctor as new (items: unknown[]) => unknown)(value);
      } catch {
        return value;
      }
    }
    case 'union': {
      if (checkValue(value, type) === undefined) return value;
      for (const member of type.types) {
        const revived = revive(value, member, depth + 1);
        if (revived !== value && checkValue(revived, member) === undefined) return revived;
      }
      return value;
    }
    default:
      return value;
  }
}

function isByteList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 255);
}

function quoteText(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
