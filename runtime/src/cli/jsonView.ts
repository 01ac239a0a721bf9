import { encodeStructured, isPlainJson } from '../artifacts/structured';
import { UsageError } from './errors';

/** Plain JSON as is; bytes as base64; other built-ins in the tagged structured encoding. */
export function toJsonView(value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (isPlainJson(value)) return value;
  try {
    return encodeStructured(value);
  } catch {
    throw new UsageError('this output was stored by a custom materializer and has no JSON view; save its bytes with --out FILE');
  }
}
