/**
 * Typed arrays in the structured encoding: their bytes as base64, always little-endian so an
 * artifact written on one machine loads the same on any other.
 */
import { endianness } from 'node:os';

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/**
 * The only constructors decoding may call, by the name stored in the data. A fixed table, so a
 * stored type name can never reach anything else.
 */
export const typedArrayKinds: ReadonlyMap<string, TypedArrayConstructor | typeof Buffer> = new Map<string, TypedArrayConstructor | typeof Buffer>([
  ['Int8Array', Int8Array],
  ['Uint8Array', Uint8Array],
  ['Uint8ClampedArray', Uint8ClampedArray],
  ['Int16Array', Int16Array],
  ['Uint16Array', Uint16Array],
  ['Int32Array', Int32Array],
  ['Uint32Array', Uint32Array],
  ['Float32Array', Float32Array],
  ['Float64Array', Float64Array],
  ['BigInt64Array', BigInt64Array],
  ['BigUint64Array', BigUint64Array],
  // A Buffer nested in plain data should come back as a Buffer, not a bare Uint8Array.
  ['Buffer', Buffer],
]);

const kindByPrototype = new Map<object, string>([...typedArrayKinds].map(([name, ctor]) => [ctor.prototype as object, name]));

const bigEndian = endianness() === 'BE';

/** The stored kind name of an exact (not subclassed) typed array or Buffer, else undefined. */
export function typedArrayKindOf(object: object): string | undefined {
  const proto: unknown = Object.getPrototypeOf(object);
  return typeof proto === 'object' && proto !== null ? kindByPrototype.get(proto) : undefined;
}

/** Base64 of the array's own bytes (only its view of the underlying buffer), little-endian. */
export function encodeTypedArray(array: ArrayBufferView): string {
  const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  const elementSize = (array as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return (bigEndian ? swapped(Buffer.from(bytes), elementSize) : bytes).toString('base64');
}

/** Inverse of {@link encodeTypedArray}; `kind` must be a key of {@link typedArrayKinds}. */
export function decodeTypedArray(kind: string, data: string): ArrayBufferView {
  const found = typedArrayKinds.get(kind);
  if (!found) throw new Error(`unknown typed array type ${JSON.stringify(kind)}`);
  const bytes = Buffer.from(data, 'base64');
  // Node's decoder skips junk silently; re-encoding proves the text was exactly what we write.
  if (bytes.toString('base64') !== data) throw new Error('typed array data is not canonical base64');
  if (found === Buffer) return bytes;
  const ctor = found as TypedArrayConstructor;
  const elementSize = ctor.BYTES_PER_ELEMENT;
  if (bytes.length % elementSize !== 0) throw new Error(`${bytes.length} bytes is not a whole number of ${kind} elements`);
  // A fresh, aligned ArrayBuffer: Buffer.from may return a slice of a shared pool at any offset.
  const array = new ctor(bytes.length / elementSize);
  const target = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  bytes.copy(target);
  if (bigEndian) swapped(target, elementSize);
  return array;
}

/** Reverse the byte order of each element in place (only needed on big-endian machines). */
function swapped(bytes: Buffer, elementSize: number): Buffer {
  if (elementSize === 2) bytes.swap16();
  else if (elementSize === 4) bytes.swap32();
  else if (elementSize === 8) bytes.swap64();
  return bytes;
}
