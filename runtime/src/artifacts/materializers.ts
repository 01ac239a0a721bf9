/**
 * Materializers turn step outputs into bytes and back. The built-ins cover plain data; custom
 * ones are registered per class or chosen per output by name. The name is part of every artifact
 * hash, so a format change must come with a new name (e.g. "model@2").
 */
import { ArtifactEncodingError, checkNesting, decodeStructured, encodeStructured, isPlainJson, MAX_NESTING } from './structured';
import { typedArrayKindOf } from './typedArrays';
import { className, isPlainObject } from './valueKinds';

/** Converts values of one kind to bytes and back. */
export interface Materializer<T = unknown> {
  /** Stable id, part of the cache key, e.g. "json@1"; custom ones are named by the user. */
  readonly name: string;
  /** Turn the value into bytes (string means UTF-8). */
  save(value: T): Uint8Array | string;
  /** Inverse of save. Must not run code found in the data. */
  load(data: Buffer): T;
}

/** A class constructor a materializer can be registered for (abstract classes included). */
export type MaterializableType = abstract new (...args: never[]) => unknown;

const json: Materializer = Object.freeze({
  name: 'json@1',
  save(value: unknown): string {
    if (!isPlainJson(value)) {
      throw new ArtifactEncodingError(`json@1 stores only plain JSON data nested at most ${MAX_NESTING} levels (no undefined, NaN, -0, Map, Date, class instances...); use structured@1`);
    }
    return JSON.stringify(value);
  },
  // JSON.parse turns a "__proto__" key into an own data property; it never sets a prototype.
  load(data: Buffer): unknown {
    const value: unknown = JSON.parse(data.toString('utf8'));
    // JSON.parse itself takes any depth; what reads the value next may not.
    checkNesting(value);
    return value;
  },
});

const text: Materializer = Object.freeze({
  name: 'text@1',
  save(value: unknown): string {
    if (typeof value !== 'string') throw new ArtifactEncodingError(`text@1 stores only strings, got ${describeType(value)}`);
    // A lone surrogate has no UTF-8 form and would come back as U+FFFD.
    if (!isWellFormed(value)) throw new ArtifactEncodingError('text@1 cannot store a string with lone surrogates; use structured@1');
    return value;
  },
  load: (data: Buffer): unknown => data.toString('utf8'),
});

const bytes: Materializer = Object.freeze({
  name: 'bytes@1',
  save(value: unknown): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new ArtifactEncodingError(`bytes@1 stores only Uint8Array values, got ${describeType(value)}`);
    return value;
  },
  // Copy into a plain Uint8Array so callers get exactly the type they stored, not a Buffer.
  load: (data: Buffer): unknown => new Uint8Array(data),
});

const buffer: Materializer = Object.freeze({
  name: 'buffer@1',
  save(value: unknown): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new ArtifactEncodingError(`buffer@1 stores only Buffer or Uint8Array values, got ${describeType(value)}`);
    return value;
  },
  load: (data: Buffer): unknown => data,
});

const structured: Materializer = Object.freeze({
  name: 'structured@1',
  save: (value: unknown): string => JSON.stringify(encodeStructured(value)),
  load: (data: Buffer): unknown => decodeStructured(JSON.parse(data.toString('utf8'))),
});

const builtins: ReadonlyMap<string, Materializer> = new Map([json, text, bytes, buffer, structured].map((m) => [m.name, m]));

/** Custom materializers by name. */
const custom = new Map<string, Materializer>();
/** Custom materializers by the prototype of the class they were registered for. */
const byPrototype = new Map<object, Materializer>();

/**
 * Make a custom materializer known by name, and optionally use it for every instance of `type`
 * (and of its subclasses). Throws when the name is a built-in's, is taken by another materializer,
 * or `type` already has a different materializer.
 */
export function registerMaterializer(materializer: Materializer, options: { type?: MaterializableType } = {}): void {
  validateMaterializer(materializer);
  const { name } = materializer;
  if (builtins.has(name)) throw new Error(`materializer name "${name}" belongs to a built-in materializer; choose another name`);
  const existing = custom.get(name);
  if (existing && existing !== materializer) {
    throw new Error(`another materializer is already registered as "${name}"; give each materializer a distinct name`);
  }
  const type = options.type;
  if (type !== undefined) registerType(type, materializer);
  custom.set(name, materializer);
}

/** The materializer registered (or built in) under `name`; throws listing the known names. */
export function getMaterializer(name: string): Materializer {
  const found = builtins.get(name) ?? custom.get(name);
  if (found) return found;
  const known = [...builtins.keys(), ...[...custom.keys()].sort()].join(', ');
  throw new Error(`unknown materializer "${name}" (known: ${known}); register it with registerMaterializer before loading its artifacts`);
}

/**
 * Make sure artifacts written with `materializer` can be loaded again by name: registers an
 * unknown custom one, and throws when its name belongs to a different materializer.
 */
export function ensureMaterializerKnown(materializer: Materializer): void {
  if (builtins.get(materializer.name) === materializer || custom.get(materializer.name) === materializer) return;
  registerMaterializer(materializer);
}

/**
 * The materializer for a value, by kind: a class registered with registerMaterializer (nearest
 * on the prototype chain) > Buffer (buffer@1) > exact Uint8Array (bytes@1) > string (text@1) >
 * plain JSON (json@1) > structured@1. Throws {@link ArtifactEncodingError} naming the class for an
 * instance of a class that is neither registered nor supported by structured@1.
 */
export function materializerFor(value: unknown): Materializer {
  if (typeof value === 'object' && value !== null) {
    for (let proto: unknown = Object.getPrototypeOf(value); typeof proto === 'object' && proto !== null; proto = Object.getPrototypeOf(proto)) {
      const registered = byPrototype.get(proto);
      if (registered) return registered;
    }
    if (Buffer.isBuffer(value)) return buffer;
    if (Object.getPrototypeOf(value) === Uint8Array.prototype) return bytes;
  }
  if (typeof value === 'string') return isWellFormed(value) ? text : structured;
  if (isPlainJson(value)) return json;
  if (typeof value === 'object' && value !== null && !structuredSupports(value)) {
    const name = className(value);
    throw new ArtifactEncodingError(
      `cannot store an instance of class ${name}: register a materializer for it with registerMaterializer(materializer, { type: ${name} }) or return plain data`,
      'value',
    );
  }
  // Nested problems (a function deep inside, a cycle) are reported with their path by structured@1.
  return structured;
}

function registerType(type: MaterializableType, materializer: Materializer): void {
  if (typeof type !== 'function' || typeof type.prototype !== 'object' || type.prototype === null) {
    throw new Error(`registerMaterializer("${materializer.name}"): type must be a class constructor`);
  }
  // Object.prototype is on every plain object's chain; claiming it would hijack all data.
  if (type === (Object as unknown)) throw new Error(`registerMaterializer("${materializer.name}"): cannot register a materializer for Object`);
  const proto = type.prototype as object;
  const existing = byPrototype.get(proto);
  if (existing && existing !== materializer) {
    throw new Error(`class ${type.name || '(anonymous)'} already has materializer "${existing.name}"; cannot also register "${materializer.name}"`);
  }
  byPrototype.set(proto, materializer);
}

function validateMaterializer(materializer: Materializer): void {
  if (typeof materializer !== 'object' || materializer === null) throw new Error('registerMaterializer: expected a materializer object');
  const { name } = materializer;
  // NUL separates the name from the bytes in the artifact hash, so it cannot be part of a name.
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
    throw new Error('registerMaterializer: a materializer needs a non-empty name without NUL characters');
  }
  if (typeof materializer.save !== 'function' || typeof materializer.load !== 'function') {
    throw new Error(`registerMaterializer("${name}"): a materializer needs save and load functions`);
  }
}

/** Objects whose class structured@1 can carry (it still checks everything nested inside). */
function structuredSupports(object: object): boolean {
  if (isPlainObject(object) || typedArrayKindOf(object) !== undefined) return true;
  const proto: unknown = Object.getPrototypeOf(object);
  return proto === Array.prototype || proto === Map.prototype || proto === Set.prototype || proto === Date.prototype;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(value: string): boolean {
  return !loneSurrogate.test(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? className(value) : typeof value;
}
