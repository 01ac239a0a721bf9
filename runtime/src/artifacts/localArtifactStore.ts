/**
 * The artifact store in a local folder (the store folder's `artifacts/`): one immutable file per
 * artifact, `<root>/<first two hex chars>/<hash>`, owner-only, written atomically.
 *
 * Files are not fsynced one by one: a process killed at any point leaves either no file or a
 * whole one (the bytes are in the page cache before the rename), and every read checks the hash,
 * so what a power loss leaves half-written is found missing or corrupted, never read as good. A
 * file whose length differs from the content being stored (an entry a power loss truncated) is
 * written again by the next `put` of that content.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArtifactIntegrityError, type ArtifactKey, type ArtifactRef, type ArtifactStore } from './artifactStore';
import { checkArtifactHash, decodeArtifact, encodeArtifact, verifyArtifact } from './contentAddress';
import { getMaterializer, materializerFor, type Materializer } from './materializers';

/**
 * Files up to this size are read in one synchronous call: an asynchronous read is four trips
 * through libuv's thread pool (open, stat, read, close), which a chain of steps waits on once a
 * step (a quarter to a third of a no-op step's cost in a 1,000-step chain, measured). Larger files
 * are read asynchronously, so a daemon serving a big artifact keeps answering heartbeats meanwhile.
 */
const SYNC_READ_LIMIT = 1 << 20;

export class LocalArtifactStore implements ArtifactStore {
  /** @param rootDir The folder; created on the first write. */
  constructor(readonly rootDir: string) {}

  async put(value: unknown, materializer: Materializer = materializerFor(value)): Promise<ArtifactRef> {
    const { bytes, ref } = encodeArtifact(value, materializer);
    const file = this.pathOf(ref.hash);
    // Written before anything else runs: a step's leftover timers cannot change the bytes after hashing.
    if (storedSize(file) !== bytes.byteLength) writeAtomically(file, bytes);
    return ref;
  }

  /**
   * Stores bytes that arrived from elsewhere (a remote worker's output, an input fetched by a
   * worker), checked against their content address first: bytes that do not match are refused.
   */
  async putBytes(ref: ArtifactKey, bytes: Buffer): Promise<void> {
    checkArtifactHash(ref.hash);
    const file = this.pathOf(ref.hash);
    verifyArtifact(ref, bytes, `bytes sent for ${ref.hash}`);
    if (!fs.existsSync(file)) writeAtomically(file, bytes);
  }

  async get(ref: ArtifactKey, what?: string): Promise<unknown> {
    checkArtifactHash(ref.hash);
    // An unknown materializer is said before anything is read.
    const materializer = getMaterializer(ref.materializer);
    return decodeArtifact(ref, materializer, await this.getBytes(ref), what);
  }

  async getBytes(ref: ArtifactKey): Promise<Buffer> {
    const file = this.pathOf(ref.hash);
    const data = await readIfPresent(file);
    if (data === undefined) throw new ArtifactIntegrityError(`artifact ${ref.hash} is missing: no file at ${file}`, ref.hash, file, 'missing');
    verifyArtifact(ref, data, file);
    return data;
  }

  async has(hash: string): Promise<boolean> {
    // In line, not through libuv's thread pool: a local stat takes microseconds, the hop to a pool
    // thread and back far longer, and a cached re-run asks once per output of every step.
    return fs.statSync(this.pathOf(hash), { throwIfNoEntry: false }) !== undefined;
  }

  /** The file of an artifact: `<rootDir>/<first two hex chars>/<hash>`. Throws for anything but a sha256 hex hash. */
  pathOf(hash: string): string {
    checkArtifactHash(hash);
    return path.join(this.rootDir, hash.slice(0, 2), hash);
  }
}

/** The file's bytes, or undefined when there is none (see SYNC_READ_LIMIT). */
async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    const size = storedSize(file);
    if (size === undefined) return undefined;
    return size <= SYNC_READ_LIMIT ? fs.readFileSync(file) : await fs.promises.readFile(file);
  } catch (error) {
    // Gone between the look and the read (collected meanwhile): missing, like no file at all.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The length of the file, or undefined when there is none. */
function storedSize(file: string): number | undefined {
  return fs.statSync(file, { throwIfNoEntry: false })?.size;
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
      // No fsync: the rename publishes whole bytes to every process, and a power loss that
      // loses some of them is caught by the hash check of every read (see the top of this file).
      fs.writeFileSync(fd, data);
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
