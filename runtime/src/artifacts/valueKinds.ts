/**
 * Small helpers to describe values without running their code: prototypes and constructors are
 * read through property descriptors, so a getter in user data is never triggered.
 */

/** True for objects whose prototype is `Object.prototype` or `null` (what JSON.parse produces). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The name of the class an object was made by, e.g. "Map" or "Model"; "Object" when unknown. */
export function className(object: object): string {
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === null || typeof proto !== 'object') return 'Object';
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return typeof ctor === 'function' && ctor.name ? ctor.name : 'Object';
}

/**
 * A short human description of a value's type for artifact listings: "number", "string",
 * "undefined", "null", "Array", "Object", "Map", "Buffer", or the class name of custom objects.
 */
export function typeNameOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'Function';
  if (typeof value !== 'object') return typeof value;
  if (Array.isArray(value)) return 'Array';
  return className(value);
}
