/**
 * The artifact store in the PostgreSQL database of a cluster-mode store: the system of record for
 * step outputs that every daemon replica, worker and CLI on any machine reads. Content-addressed
 * like every artifact store (../../artifacts/contentAddress.ts); the bytes are kept in chunks of
 * {@link CHUNK_BYTES} (`artifact_chunks`), written and read a few at a time, so no statement or
 * answer carries a whole large artifact, and no size limit comes from one field or one message.
 * An entry becomes visible only with its `artifact_contents` row, written in the same transaction
 * as its chunks: a reader sees a whole entry or none.
 *
 * With a local `cache` folder (the store folder's `artifacts/`), reads are served from it when
 * it holds a verified copy and fill it otherwise; writes go to both. Runners on the daemon's
 * machine write outputs into that folder only; {@link publish} copies an attempt's outputs into
 * the database when they are committed, so an attempt fenced before its commit leaves nothing
 * in the database.
 */
import type pg from 'pg';
import { ArtifactIntegrityError, type ArtifactKey } from '../../artifacts/artifactStore';
import { verifyArtifact } from '../../artifacts/contentAddress';
import type { LocalArtifactStore } from '../../artifacts/localArtifactStore';
import { SharedArtifactStore } from '../../artifacts/sharedArtifactStore';
import type { CarriedBytes } from '../../model/artifactRef';
import { inTransaction } from './connection';
import { Params } from './stepWrites';

/** Bytes per stored chunk: well under PostgreSQL's 1 GB field limit, and small enough to stream. */
export const CHUNK_BYTES = 1024 * 1024;
/** Chunks fetched per query when reading. */
const CHUNKS_PER_READ = 8;

/** How many hashes of entries it wrote a store remembers (then it forgets them all and starts again). */
const WRITTEN_REMEMBERED = 10_000;

export class PostgresArtifactStore extends SharedArtifactStore {
  /** Hashes of entries this store wrote to the database. */
  private readonly written = new Set<string>();
  /**
   * @param pool The store's connections (a read-only pool can read but not write).
   * @param where How errors name the database (its URL without the password).
   * @param cache The local folder that holds copies (and where local runners write), if any.
   * @param options.fillCache Whether reads served by the database leave a copy in `cache` (not for a read-only store).
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    cache?: LocalArtifactStore,
    options: { fillCache: boolean } = { fillCache: true },
  ) {
    super(cache, options.fillCache);
  }

  /**
   * Copies into the database the artifacts of `refs` that are only in the local folder (outputs a
   * local runner wrote), and answers the hashes it could not: in neither place, or whose copy no
   * longer matches its hash. Those are left as they are, so a read of one says it is missing or
   * corrupted, as with any store (a commit records what the step answered, like the embedded store).
   */
  async publish(refs: readonly ArtifactKey[]): Promise<string[]> {
    // Entries this store wrote (a worker's upload, a moment ago) are in the database: nothing to ask.
    const unknown = refs.filter((ref) => !this.written.has(ref.hash));
    if (unknown.length === 0) return [];
    const inDatabase = await this.stored(unknown.map((ref) => ref.hash));
    const unpublished: string[] = [];
    for (const ref of unknown) {
      if (inDatabase.has(ref.hash)) continue;
      if (!(await this.writeFromCopy(ref))) {
        unpublished.push(ref.hash);
        continue;
      }
      inDatabase.add(ref.hash);
    }
    return unpublished;
  }

  /** The hashes of `hashes` that have an entry in the database. */
  private async stored(hashes: readonly string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const { rows } = await this.pool.query<{ hash: string }>('SELECT hash FROM artifact_contents WHERE hash = ANY($1::text[])', [hashes]);
    return new Set(rows.map((row) => row.hash));
  }

  protected async holdsEntry(hash: string): Promise<boolean> {
    return (await this.stored([hash])).has(hash);
  }

  /**
   * Writes an entry's chunks and then its row, in one transaction; an entry already there is
   * kept. An entry of one chunk (most step outputs) is one statement, its own transaction.
   */
  protected async writeEntry(ref: ArtifactKey, bytes: Buffer): Promise<void> {
    await this.writeChunks(ref, bytes);
    this.remember(ref.hash);
  }

  /**
   * Of the checked bytes a remote worker's result carried, those a commit's statement can write
   * with it (entries of one chunk: {@link oneChunkEntriesWrite}); the others are kept here first.
   */
  async keepCarried(refs: readonly ArtifactKey[], carried: CarriedBytes): Promise<OneChunkEntry[]> {
    const inStatement: OneChunkEntry[] = [];
    for (const ref of refs) {
      const bytes = carried.get(ref.hash);
      if (bytes === undefined || this.written.has(ref.hash) || inStatement.some((entry) => entry.ref.hash === ref.hash)) continue;
      if (bytes.byteLength <= CHUNK_BYTES) inStatement.push({ ref, bytes });
      else await this.putBytes(ref, bytes);
    }
    return inStatement;
  }

  /** Entries a commit's statement wrote: remembered as written, and copied into the local folder after what waits on the commit has gone on. */
  committed(entries: readonly OneChunkEntry[]): void {
    for (const { ref } of entries) this.remember(ref.hash);
    const cache = this.cache;
    // A copy for later reads; failing to keep one (a full disk) costs only speed.
    if (cache && entries.length > 0) setImmediate(() => void Promise.all(entries.map(({ ref, bytes }) => cache.putBytes(ref, bytes))).catch(() => undefined));
  }

  private remember(hash: string): void {
    // Entries are never removed from the database: remembered, a later publish of it asks nothing.
    if (this.written.size >= WRITTEN_REMEMBERED) this.written.clear();
    this.written.add(hash);
  }

  private async writeChunks(ref: ArtifactKey, bytes: Buffer): Promise<void> {
    const chunks = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
    if (chunks === 1) {
      const p = new Params();
      await this.pool.query(`WITH ${oneChunkEntriesWrite(p, [{ ref, bytes }], Date.now(), 'true').join(',\n')} SELECT NULL`, p.values);
      return;
    }
    if ((await this.stored([ref.hash])).has(ref.hash)) return;
    await inTransaction(this.pool, async (tx) => {
      for (let chunk = 0; chunk < chunks; chunk++) {
        // A writer of the same content at the same moment waits here for the first, then adds nothing.
        await tx.query('INSERT INTO artifact_chunks (hash, chunk, bytes) VALUES ($1, $2, $3) ON CONFLICT (hash, chunk) DO NOTHING', [
          ref.hash,
          chunk,
          bytes.subarray(chunk * CHUNK_BYTES, (chunk + 1) * CHUNK_BYTES),
        ]);
      }
      await tx.query('INSERT INTO artifact_contents (hash, materializer, size, chunks, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING', [
        ref.hash,
        ref.materializer,
        bytes.byteLength,
        chunks,
        Date.now(),
      ]);
    });
  }

  /** Reads an entry a few chunks at a time and verifies it whole. */
  protected async readEntry(ref: ArtifactKey): Promise<Buffer> {
    const location = `${this.where} (artifact_chunks of ${ref.hash})`;
    const entry = (await this.pool.query<{ size: string; chunks: number }>('SELECT size, chunks FROM artifact_contents WHERE hash = $1', [ref.hash])).rows[0];
    if (!entry) throw new ArtifactIntegrityError(`artifact ${ref.hash} is missing: not in the ${this.where}`, ref.hash, location, 'missing');
    const parts: Buffer[] = [];
    for (let first = 0; first < entry.chunks; first += CHUNKS_PER_READ) {
      const { rows } = await this.pool.query<{ chunk: number; bytes: Buffer }>(
        'SELECT chunk, bytes FROM artifact_chunks WHERE hash = $1 AND chunk >= $2 AND chunk < $3 ORDER BY chunk',
        [ref.hash, first, first + CHUNKS_PER_READ],
      );
      for (const [offset, row] of rows.entries()) {
        if (row.chunk !== first + offset) throw corrupted(ref, location, `chunk ${first + offset} of ${entry.chunks} is missing`);
        parts.push(row.bytes);
      }
      if (rows.length !== Math.min(CHUNKS_PER_READ, entry.chunks - first)) throw corrupted(ref, location, `chunk ${first + rows.length} of ${entry.chunks} is missing`);
    }
    const bytes = Buffer.concat(parts);
    if (bytes.byteLength !== Number(entry.size)) throw corrupted(ref, location, `${bytes.byteLength} bytes are stored where ${entry.size} were written`);
    verifyArtifact(ref, bytes, location);
    return bytes;
  }
}

/** An entry whose bytes fit in one chunk. */
export interface OneChunkEntry {
  ref: ArtifactKey;
  bytes: Buffer;
}

/**
 * The common table expressions that write entries of one chunk each (their chunk, then their
 * row, which makes each visible), only where `gate` holds; an entry already there is kept. One
 * statement writes them, alone or with a step's commit (stepCommit.ts).
 */
export function oneChunkEntriesWrite(p: Params, entries: readonly OneChunkEntry[], at: number, gate: string): string[] {
  const rows = entries.map(({ ref, bytes }) => `(${p.add(ref.hash, 'text')}, ${p.add(bytes, 'bytea')}, ${p.add(ref.materializer, 'text')}, ${p.add(bytes.byteLength, 'bigint')})`);
  const carried = `(VALUES ${rows.join(', ')}) AS e(hash, bytes, materializer, size)`;
  return [
    `entry_chunks AS (INSERT INTO artifact_chunks (hash, chunk, bytes) SELECT hash, 0, bytes FROM ${carried} WHERE ${gate} ON CONFLICT (hash, chunk) DO NOTHING)`,
    `entry_rows AS (INSERT INTO artifact_contents (hash, materializer, size, chunks, created_at) SELECT hash, materializer, size, 1, ${p.add(at, 'bigint')} FROM ${carried} WHERE ${gate} ON CONFLICT (hash) DO NOTHING)`,
  ];
}

function corrupted(ref: ArtifactKey, location: string, why: string): ArtifactIntegrityError {
  return new ArtifactIntegrityError(`artifact ${ref.hash} is corrupted: in ${location}, ${why}`, ref.hash, location, 'corrupted');
}
