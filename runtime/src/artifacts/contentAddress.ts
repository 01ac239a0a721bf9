/**
 * The rules every artifact store shares, whatever holds the bytes: how a value becomes bytes and
 * a ref, the content hash, which hashes are valid, and how stored bytes are verified and loaded.
 */
import { createHash } from 'node:crypto';
import { ArtifactIntegrityError, type ArtifactKey, type ArtifactRef } from './artifactStore';
import { ensureMaterializerKnown, type Materializer } from './materializers';
import { typeNameOf } from './valueKinds';

const hashPattern = /^[0-9a-f]{64}$/;

/** sha256 hex of the materializer's name, a NUL, and the bytes. */
export function contentHash(materializerName: string, data: Uint8Array): string {
  return createHash('sha256').update(materializerName, 'utf8').update('\0').update(data).digest('hex');
}

/** Throws for anything but a sha256 hex hash (stores turn hashes into file names and keys). */
export function checkArtifactHash(hash: string): void {
  // Only exact lowercase hex is allowed (no "..", separators or NUL).
  if (typeof hash !== 'string' || !hashPattern.test(hash)) {
    const shown = JSON.stringify(String(hash));
    throw new Error(`invalid artifact hash ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}: expected 64 lowercase hex characters`);
  }
}

/** The bytes `materializer` saves `value` as, and the ref naming them. Throws for a value it cannot save. */
export function encodeArtifact(value: unknown, materializer: Materializer): { bytes: Buffer; ref: ArtifactRef } {
  // The ref names the materializer, so it must be loadable by that name later in this process.
  ensureMaterializerKnown(materializer);
  const bytes = toBuffer(materializer.save(value), materializer.name);
  return { bytes, ref: { hash: contentHash(materializer.name, bytes), materializer: materializer.name, size: bytes.byteLength, typeName: typeNameOf(value) } };
}

/** Throws a `corrupted` {@link ArtifactIntegrityError} unless `bytes` (read from `location`) match `ref`'s hash. */
export function verifyArtifact(ref: ArtifactKey, bytes: Uint8Array, location: string): void {
  if (contentHash(ref.materializer, bytes) === ref.hash) return;
  throw new ArtifactIntegrityError(
    `artifact ${ref.hash} is corrupted: the content of ${location} does not match its hash (or it was not written with materializer "${ref.materializer}")`,
    ref.hash,
    location,
    'corrupted',
  );
}

/**
 * Reads bytes as they stream in (`location` names where from), hashing them on the way, and
 * resolves with them once they match `ref`'s content address; rejects with a `corrupted`
 * {@link ArtifactIntegrityError} when they do not, and with an Error past `maxBytes`.
 */
export async function readVerified(ref: ArtifactKey, chunks: AsyncIterable<Uint8Array>, location: string, maxBytes = Infinity): Promise<Buffer> {
  const hash = createHash('sha256').update(ref.materializer, 'utf8').update('\0');
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`artifact ${ref.hash} from ${location} is larger than ${maxBytes} bytes`);
    hash.update(chunk);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  const bytes = Buffer.concat(parts, size);
  if (hash.digest('hex') !== ref.hash) verifyArtifact(ref, bytes, location);
  return bytes;
}

/** The value behind verified bytes; a load failure names the artifact (`what`, else its hash). */
export function decodeArtifact(ref: ArtifactKey, materializer: Materializer, bytes: Buffer, what?: string): unknown {
  try {
    return materializer.load(bytes);
  } catch (error) {
    const name = what === undefined ? `artifact ${ref.hash}` : `${what} (artifact ${ref.hash})`;
    throw new Error(`${name} could not be loaded with materializer "${ref.materializer}": ${(error as Error).message}`, { cause: error });
  }
}

function toBuffer(saved: unknown, materializerName: string): Buffer {
  if (typeof saved === 'string') return Buffer.from(saved, 'utf8');
  // A view over the same memory: the bytes are only hashed and written, never kept.
  if (saved instanceof Uint8Array) return Buffer.from(saved.buffer, saved.byteOffset, saved.byteLength);
  throw new Error(`materializer "${materializerName}" save() returned ${saved === null ? 'null' : typeof saved}; expected a Uint8Array or string`);
}
