/**
 * The safe structured encoding: a JSON-safe tree for values plain JSON cannot carry exactly
 * (`Map`, `Set`, `Date`, `bigint`, typed arrays, `undefined`, `NaN`, `±Infinity`, `-0`, sparse
 * arrays), nested anywhere inside arrays and plain objects.
 *
 * Special values become tagged nodes `{ "$pw": kind, ... }`. Decoding only ever builds data from a
 * fixed table of kinds: it never evaluates code, never looks up constructors named by the data and
 * never assigns through `__proto__`, so an artifact cannot change prototypes or run anything.
 *
 * Non-index properties attached to arrays and extra properties on `Map`/`Set`/`Date`/typed arrays
 * are not kept, as with JSON; checking for them would cost a key walk over every large array.
 */
import { InputError } from '../model/errorCodes';
import { typedArrayKinds, decodeTypedArray, encodeTypedArray, typedArrayKindOf } from './typedArrays';
import { className, isPlainObject } from './valueKinds';

/** The key that marks a tagged node. Plain objects that own this key are escaped. */
const TAG = '$pw';

/**
 * How deeply arrays, objects, maps and sets may nest in a stored value: far below where
 * encoding, decoding or printing it would run out of stack, and far above what data needs.
 */
export const MAX_NESTING = 1000;

/** A stored tree the decoder refuses (malformed, or nested too deeply); the message names the spot. */
export class MalformedArtifactError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedArtifactError';
  }
}

/** A value that cannot be stored; the message names where inside the value the problem is. */
export class ArtifactEncodingError extends Error {
  constructor(
    message: string,
    /** Where inside the stored value the problem is, e.g. `value.model.fn` (empty when not about a path). */
    readonly path = '',
  ) {
    super(message);
    this.name = 'ArtifactEncodingError';
  }
}

/**
 * Encode `value` as a JSON-safe tree. Throws {@link ArtifactEncodingError} for functions,
 * symbols, cycles and instances of classes other than the supported built-ins; `path` names the
 * root in those messages.
 */
export function encodeStructured(value: unknown, path = 'value'): unknown {
  return new Encoder().encode(value, path, 0);
}

/**
 * True when `JSON.parse(JSON.stringify(value))` gives back an exactly equal value: only null,
 * booleans, finite numbers other than `-0`, strings, dense arrays and plain objects (with
 * `Object.prototype`) of those, without cycles.
 */
export function isPlainJson(value: unknown): boolean {
  return plainJson(value, new Set());
}

/** The exact inverse of {@link encodeStructured}; throws naming the spot of a malformed tree. */
export function decodeStructured(tree: unknown): unknown {
  return decode(tree, 'value', 0);
}

/**
 * Throws {@link MalformedArtifactError} when `value` (plain parsed JSON) nests more than
 * {@link MAX_NESTING} levels; walks without recursion, so any depth is safe to check.
 */
export function checkNesting(value: unknown): void {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= MAX_NESTING) throw new MalformedArtifactError(tooDeep('value'));
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
  }
}

function tooDeep(path: string): string {
  const shown = path.length > 60 ? `${path.slice(0, 30)}...${path.slice(-20)}` : path;
  return `${shown}: nested more than ${MAX_NESTING} levels deep (arrays, objects, maps and sets); store flatter data`;
}

function plainJson(value: unknown, ancestors: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  // Too deep for JSON.stringify to be safe: structured@1 then says so with a path.
  if (ancestors.has(value) || ancestors.size >= MAX_NESTING) return false;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return false;
      for (let i = 0; i < value.length; i++) {
        // A hole would come back as null.
        if (!Object.hasOwn(value, i) || !plainJson(value[i], ancestors)) return false;
      }
      return true;
    }
    // Null-prototype objects come back with Object.prototype, so they are not exact JSON.
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    if (Object.getOwnPropertySymbols(value).length > 0) return false;
    for (const key of Object.keys(value)) {
      if (!plainJson((value as Record<string, unknown>)[key], ancestors)) return false;
    }
    return true;
  } finally {
    ancestors.delete(value);
  }
}

class Encoder {
  /** Objects on the path from the root to the current node, to tell cycles from shared references. */
  private readonly ancestors = new Map<object, string>();

  encode(value: unknown, path: string, depth: number): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        return encodeNumber(value);
      case 'bigint':
        return { [TAG]: 'bigint', value: value.toString() };
      case 'undefined':
        return { [TAG]: 'undefined' };
      case 'function':
        throw new ArtifactEncodingError(`${path}: functions cannot be stored`, path);
      case 'symbol':
        throw new ArtifactEncodingError(`${path}: symbols cannot be stored`, path);
    }
    if (value === null) return null;
    if (depth >= MAX_NESTING) throw new ArtifactEncodingError(tooDeep(path), path);
    const object = value as object;
    const seenAt = this.ancestors.get(object);
    if (seenAt !== undefined) {
      throw new ArtifactEncodingError(`${path}: circular reference (back to ${seenAt}) cannot be stored`, path);
    }
    this.ancestors.set(object, path);
    try {
      return this.encodeObject(object, path, depth + 1);
    } finally {
      this.ancestors.delete(object);
    }
  }

  private encodeObject(object: object, path: string, depth: number): unknown {
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto === Array.prototype) return this.encodeArray(object as unknown[], path, depth);
    if (proto === Object.prototype || proto === null) return this.encodePlainObject(object, path, proto === null, depth);
    if (proto === Map.prototype) {
      const entries: unknown[] = [];
      let index = 0;
      for (const [key, item] of object as Map<unknown, unknown>) {
        entries.push([this.encode(key, `${path}.<key ${index}>`, depth), this.encode(item, mapValuePath(path, key, index), depth)]);
        index++;
      }
      return { [TAG]: 'map', entries };
    }
    if (proto === Set.prototype) {
      const values: unknown[] = [];
      let index = 0;
      for (const item of object as Set<unknown>) values.push(this.encode(item, `${path}.<item ${index++}>`, depth));
      return { [TAG]: 'set', values };
    }
    if (proto === Date.prototype) {
      const time = (object as Date).getTime();
      // An invalid date has no ISO form; null keeps it representable.
      return { [TAG]: 'date', value: Number.isNaN(time) ? null : (object as Date).toISOString() };
    }
    const typedKind = typedArrayKindOf(object);
    if (typedKind !== undefined) return { [TAG]: 'typed', type: typedKind, data: encodeTypedArray(object as ArrayBufferView) };
    const name = className(object);
    throw new ArtifactEncodingError(
      `${path}: instances of class ${name} cannot be stored; convert it to plain data or register a materializer for ${name} with registerMaterializer`,
      path,
    );
  }

  private encodeArray(array: unknown[], path: string, depth: number): unknown[] {
    const out: unknown[] = new Array<unknown>(array.length);
    for (let i = 0; i < array.length; i++) {
      out[i] = Object.hasOwn(array, i) ? this.encode(array[i], `${path}[${i}]`, depth) : { [TAG]: 'hole' };
    }
    return out;
  }

  private encodePlainObject(object: object, path: string, nullProto: boolean, depth: number): unknown {
    if (Object.getOwnPropertySymbols(object).length > 0) {
      throw new ArtifactEncodingError(`${path}: symbol-keyed properties cannot be stored`, path);
    }
    const entries: Record<string, unknown> = {};
    let collides = false;
    for (const key of Object.keys(object)) {
      if (key === TAG) collides = true;
      // defineProperty, not assignment: an own "__proto__" key must stay a plain data property.
      defineData(entries, key, this.encode((object as Record<string, unknown>)[key], propertyPath(path, key), depth));
    }
    if (!collides && !nullProto) return entries;
    // Escaped form: the entries of an "object" node are taken literally, never read as a tag.
    return nullProto ? { [TAG]: 'object', entries, nullProto: true } : { [TAG]: 'object', entries };
  }
}

function encodeNumber(value: number): unknown {
  if (Number.isFinite(value) && !Object.is(value, -0)) return value;
  return { [TAG]: 'number', value: Object.is(value, -0) ? '-0' : String(value) };
}

const specialNumbers: ReadonlyMap<string, number> = new Map([
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['-0', -0],
]);

/** `depth`: containers above this node; the decoder refuses more than {@link MAX_NESTING}. */
function decode(tree: unknown, path: string, depth: number): unknown {
  if (tree === null || typeof tree === 'string' || typeof tree === 'boolean') return tree;
  if (typeof tree === 'number') {
    if (!Number.isFinite(tree)) malformed(path, 'non-finite number outside a number node');
    return tree;
  }
  if (typeof tree !== 'object') malformed(path, `unexpected ${typeof tree}`);
  if (depth >= MAX_NESTING) throw new MalformedArtifactError(`malformed structured artifact at ${tooDeep(path)}`);
  if (Array.isArray(tree)) return decodeArray(tree, path, depth + 1);
  if (!isPlainObject(tree)) malformed(path, 'unexpected non-plain object');
  const node = tree as Record<string, unknown>;
  if (!Object.hasOwn(node, TAG)) return decodeEntries(node, path, false, depth + 1);
  return decodeTagged(node, path, depth + 1);
}

function decodeArray(tree: unknown[], path: string, depth: number): unknown[] {
  const out: unknown[] = new Array<unknown>(tree.length);
  for (let i = 0; i < tree.length; i++) {
    const item = tree[i];
    // Holes are left unassigned so the decoded array is sparse exactly where the original was.
    if (isTag(item, 'hole')) continue;
    out[i] = decode(item, `${path}[${i}]`, depth);
  }
  return out;
}

function decodeTagged(node: Record<string, unknown>, path: string, depth: number): unknown {
  const kind = node[TAG];
  switch (kind) {
    case 'undefined':
      expectKeys(node, [], path);
      return undefined;
    case 'number': {
      expectKeys(node, ['value'], path);
      const number = typeof node.value === 'string' ? specialNumbers.get(node.value) : undefined;
      if (number === undefined) malformed(path, `unknown special number ${describe(node.value)}`);
      return number;
    }
    case 'bigint':
      expectKeys(node, ['value'], path);
      if (typeof node.value !== 'string' || !/^-?\d+$/.test(node.value)) malformed(path, `bad bigint digits ${describe(node.value)}`);
      return BigInt(node.value);
    case 'date':
      expectKeys(node, ['value'], path);
      return decodeDate(node.value, path);
    case 'map': {
      expectKeys(node, ['entries'], path);
      if (!Array.isArray(node.entries)) malformed(path, 'map entries must be an array');
      const map = new Map<unknown, unknown>();
      node.entries.forEach((entry: unknown, index) => {
        if (!Array.isArray(entry) || entry.length !== 2) malformed(`${path}.<entry ${index}>`, 'map entry must be a [key, value] pair');
        map.set(decode(entry[0], `${path}.<key ${index}>`, depth), decode(entry[1], `${path}.<value ${index}>`, depth));
      });
      return map;
    }
    case 'set': {
      expectKeys(node, ['values'], path);
      if (!Array.isArray(node.values)) malformed(path, 'set values must be an array');
      return new Set(node.values.map((item: unknown, index) => decode(item, `${path}.<item ${index}>`, depth)));
    }
    case 'typed': {
      expectKeys(node, ['type', 'data'], path);
      if (typeof node.type !== 'string' || !typedArrayKinds.has(node.type)) malformed(path, `unknown typed array type ${describe(node.type)}`);
      if (typeof node.data !== 'string') malformed(path, 'typed array data must be a base64 string');
      try {
        return decodeTypedArray(node.type, node.data);
      } catch (error) {
        return malformed(path, (error as Error).message);
      }
    }
    case 'object': {
      const nullProto = Object.hasOwn(node, 'nullProto');
      expectKeys(node, nullProto ? ['entries', 'nullProto'] : ['entries'], path);
      if (nullProto && node.nullProto !== true) malformed(path, 'nullProto must be true when present');
      if (!isPlainObject(node.entries)) malformed(path, 'object entries must be an object');
      return decodeEntries(node.entries as Record<string, unknown>, path, nullProto, depth);
    }
    case 'hole':
      return malformed(path, 'an array hole outside an array');
    default:
      return malformed(path, `unknown ${TAG} tag ${describe(kind)}`);
  }
}

function decodeEntries(entries: Record<string, unknown>, path: string, nullProto: boolean, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = nullProto ? (Object.create(null) as Record<string, unknown>) : {};
  for (const key of Object.keys(entries)) defineData(out, key, decode(entries[key], propertyPath(path, key), depth));
  return out;
}

function decodeDate(value: unknown, path: string): Date {
  if (value === null) return new Date(NaN);
  if (typeof value !== 'string') malformed(path, 'date value must be an ISO string or null');
  const date = new Date(value);
  // Only the exact toISOString form is accepted, so lenient Date parsing never guesses.
  if (Number.isNaN(date.getTime()) || date.toISOString() !== value) malformed(path, `bad ISO date ${describe(value)}`);
  return date;
}

/** Tagged nodes have a fixed shape; extra keys mean the tree was not written by the encoder. */
function expectKeys(node: Record<string, unknown>, keys: readonly string[], path: string): void {
  const allowed = new Set([TAG, ...keys]);
  for (const key of Object.keys(node)) if (!allowed.has(key)) malformed(path, `unexpected key ${describe(key)} in a "${String(node[TAG])}" node`);
  for (const key of keys) if (!Object.hasOwn(node, key)) malformed(path, `missing key "${key}" in a "${String(node[TAG])}" node`);
}

function isTag(item: unknown, kind: string): boolean {
  return isPlainObject(item) && (item as Record<string, unknown>)[TAG] === kind && Object.keys(item as object).length === 1;
}

function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function malformed(path: string, detail: string): never {
  throw new MalformedArtifactError(`malformed structured artifact at ${path}: ${detail}`);
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? JSON.stringify(value) ?? String(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const identifier = /^[A-Za-z_$][\w$]*$/;

function propertyPath(path: string, key: string): string {
  return identifier.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function mapValuePath(path: string, key: unknown, index: number): string {
  if (typeof key === 'string') return `${path}.get(${JSON.stringify(key)})`;
  if (typeof key === 'number' || typeof key === 'boolean') return `${path}.get(${String(key)})`;
  return `${path}.<value ${index}>`;
}
