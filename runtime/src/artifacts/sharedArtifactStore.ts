/**
 * What every artifact store shared across machines (a PostgreSQL database, an S3 bucket) does
 * alike: it is the system of record, and an optional local folder (`cache`, the store folder's
 * `artifacts/`, where local runners write) holds verified copies. Writes go to both (bytes from
 * elsewhere reach the folder just after the store); a read is
 * served by a verified copy when there is one, else by the shared store (which fills the folder,
 * unless the store is read-only). A subclass says how entries are written, read (verified) and
 * looked up where it keeps them.
 */
import { ArtifactIntegrityError, type ArtifactKey, type ArtifactRef, type ArtifactStore } from './artifactStore';
import { checkArtifactHash, decodeArtifact, encodeArtifact, verifyArtifact } from './contentAddress';
import type { LocalArtifactStore } from './localArtifactStore';
import { getMaterializer, materializerFor, type Materializer } from './materializers';

export abstract class SharedArtifactStore implements ArtifactStore {
  /**
   * @param cache The local folder that holds copies (and where local runners write), if any.
   * @param fillCache Whether reads served by the shared store leave a copy in `cache` (not for a read-only store).
   */
  constructor(
    readonly cache: LocalArtifactStore | undefined,
    private readonly fillCache: boolean,
  ) {}

  /** Writes a verified entry where the store keeps it. */
  protected abstract writeEntry(ref: ArtifactKey, bytes: Buffer): Promise<void>;
  /** Reads an entry, verified against its content address. */
  protected abstract readEntry(ref: ArtifactKey): Promise<Buffer>;
  /** Whether the store holds the entry `hash` (not counting the local copies). */
  protected abstract holdsEntry(hash: string): Promise<boolean>;

  async put(value: unknown, materializer: Materializer = materializerFor(value)): Promise<ArtifactRef> {
    const { bytes, ref } = encodeArtifact(value, materializer);
    await this.cache?.putBytes(ref, bytes);
    await this.writeEntry(ref, bytes);
    return ref;
  }

  /**
   * Stores bytes that arrived from elsewhere (a worker's upload), refused unless they match their
   * content address. The shared store is their record: the local copy is made once the entry is
   * written, after what waits on it has gone on (making a file takes a daemon's event loop
   * 0.3-0.4 ms on this machine kind, once per step that ran on a worker); a read before it is
   * served by the shared store.
   */
  async putBytes(ref: ArtifactKey, bytes: Buffer): Promise<void> {
    checkArtifactHash(ref.hash);
    verifyArtifact(ref, bytes, `bytes sent for ${ref.hash}`);
    await this.writeEntry(ref, bytes);
    const cache = this.cache;
    // A copy for later reads; failing to keep one (a full disk) costs only speed.
    if (cache) setImmediate(() => void cache.putBytes(ref, bytes).catch(() => undefined));
  }

  async get(ref: ArtifactKey, what?: string): Promise<unknown> {
    checkArtifactHash(ref.hash);
    const materializer = getMaterializer(ref.materializer);
    return decodeArtifact(ref, materializer, await this.getBytes(ref), what);
  }

  async getBytes(ref: ArtifactKey): Promise<Buffer> {
    checkArtifactHash(ref.hash);
    if (this.cache) {
      try {
        return await this.cache.getBytes(ref);
      } catch (error) {
        // A missing or damaged copy is no loss: the shared store holds the entry.
        if (!(error instanceof ArtifactIntegrityError)) throw error;
      }
    }
    const bytes = await this.readEntry(ref);
    // A copy for the next read; failing to keep one (a full disk) costs only speed.
    if (this.fillCache) await this.cache?.putBytes(ref, bytes).catch(() => undefined);
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    checkArtifactHash(hash);
    return (await this.holdsEntry(hash)) || ((await this.cache?.has(hash)) ?? false);
  }

  /**
   * Writes the entry `ref` from its local copy (an output a local runner wrote, published at its
   * commit); false when there is no copy that still matches its hash, which is left as it is, so
   * a read of it says it is missing or corrupted, as with any store.
   */
  protected async writeFromCopy(ref: ArtifactKey): Promise<boolean> {
    let bytes: Buffer;
    try {
      if (!this.cache) return false;
      bytes = await this.cache.getBytes(ref);
    } catch (error) {
      if (!(error instanceof ArtifactIntegrityError)) throw error;
      return false;
    }
    await this.writeEntry(ref, bytes);
    return true;
  }
}
