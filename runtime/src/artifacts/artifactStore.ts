/**
 * The content-addressed artifact store: a local folder of immutable files named by the sha256 of
 * their materializer name and bytes. Equal outputs share one file, and a file that no longer
 * matches its name is detected on read instead of being loaded.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureMaterializerKnown, getMaterializer, materializerFor, type Materializer } from './materializers';
import { typeNameOf } from './valueKinds';

import type { ArtifactRef } from '../model/artifactRef';
export type { ArtifactRef };

/** An artifact file that is missing or whose content does not match its hash. */
export class ArtifactIntegrityError extends Error {
  constructor(
    message: string,
    readonly hash: string,
    readonly file: string,
    readonly reason: 'missing' | 'corrupted',
  ) {
    super(message);
    this.name = 'ArtifactIntegrityError';
  }
}

const hashPattern = /^[0-9a-f]{64}$/;

/** A folder of artifacts addressed by content hash. */
export class ArtifactStore {
  /** @param rootDir The store folder; created on the first write. */
  constructor(readonly rootDir: string) {}

  /**
   * Store `value` with `materializer` (default: {@link materializerFor}) and return its ref.
   * Storing bytes that are already there is a no-op, so equal values share one file.
   */
  put(value: unknown, materializer: Materializer = materializerFor(value)): ArtifactRef {
    // The ref names the materializer, so it must be loadable by that name later in this process.
    ensureMaterializerKnown(materializer);
    const saved = materializer.save(value);
    const data = toBuffer(saved, materializer.name);
    const hash = contentHash(materializer.name, data);
    const file = this.pathOf(hash);
    if (!fs.existsSync(file)) writeAtomically(file, data);
    return { hash, materializer: materializer.name, size: data.byteLength, typeName: typeNameOf(value) };
  }

  /**
   * Load the value behind `ref`. Verifies the file against its hash first and throws
   * {@link ArtifactIntegrityError} naming the hash and file when it is missing or corrupted.
   * `what` names the artifact in errors (`output "rows" of step "load" in run ...`).
   */
  get(ref: Pick<ArtifactRef, 'hash' | 'materializer'>, what?: string): unknown {
    const file = this.pathOf(ref.hash);
    const materializer = getMaterializer(ref.materializer);
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new ArtifactIntegrityError(`artifact ${ref.hash} is missing: no file at ${file}`, ref.hash, file, 'missing');
    }
    if (contentHash(ref.materializer, data) !== ref.hash) {
      throw new ArtifactIntegrityError(
        `artifact ${ref.hash} is corrupted: the content of ${file} does not match its hash (or it was not written with materializer "${ref.materializer}")`,
        ref.hash,
        file,
        'corrupted',
      );
    }
    try {
      return materializer.load(data);
    } catch (error) {
      const name = what === undefined ? `artifact ${ref.hash}` : `${what} (artifact ${ref.hash})`;
      throw new Error(`${name} could not be loaded with materializer "${ref.materializer}": ${(error as Error).message}`, { cause: error });
    }
  }

  /** True when an artifact file with this hash exists. */
  has(hash: string): boolean {
    return fs.existsSync(this.pathOf(hash));
  }

  /** The file of an artifact: `<rootDir>/<first two hex chars>/<hash>`. Throws for anything but a sha256 hex hash. */
  pathOf(hash: string): string {
    // The hash becomes a path, so only exact lowercase hex is allowed (no "..", separators or NUL).
    if (typeof hash !== 'string' || !hashPattern.test(hash)) {
      const shown = JSON.stringify(String(hash));
      throw new Error(`invalid artifact hash ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}: expected 64 lowercase hex characters`);
    }
    return path.join(this.rootDir, hash.slice(0, 2), hash);
  }
}

function contentHash(materializerName: string, data: Uint8Array): string {
  return createHash('sha256').update(materializerName, 'utf8').update('\0').update(data).digest('hex');
}

function toBuffer(saved: unknown, materializerName: string): Buffer {
  if (typeof saved === 'string') return Buffer.from(saved, 'utf8');
  // A view over the same memory: the bytes are only hashed and written, never kept.
  if (saved instanceof Uint8Array) return Buffer.from(saved.buffer, saved.byteOffset, saved.byteLength);
  throw new Error(`materializer "${materializerName}" save() returned ${saved === null ? 'null' : typeof saved}; expected a Uint8Array or string`);
}

/**
 * Write through a temp file in the same folder and rename it into place, so readers never see a
 * half-written artifact and concurrent writers of the same hash both end with the same content.
 */
function writeAtomically(file: string, data: Buffer): void {
  const dir = path.dirname(file);
  // Owner-only, like the rest of the store: outputs may be anything the pipeline computed.
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, data);
      // Flush before the rename so a crash cannot leave a complete-looking name over partial bytes.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    // Another writer may have won the race (Windows refuses to rename over an open file).
    if (fs.existsSync(file)) return;
    throw error;
  }
}
