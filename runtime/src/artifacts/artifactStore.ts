/**
 * The seam between everything that reads or writes step outputs and where their bytes live.
 * Artifacts are immutable and content-addressed: an artifact's hash is the sha256 of its
 * materializer's name, a NUL and its bytes (`contentAddress.ts`), so equal outputs share one
 * entry and an entry that no longer matches its hash is detected on read instead of being loaded.
 * Implementations: the store folder (`localArtifactStore.ts`), an S3-compatible bucket
 * (`s3ArtifactStore.ts`) and the PostgreSQL database (`store/postgres/postgresArtifactStore.ts`);
 * each passes the same contract tests (`test/contracts/artifactStore.contract.ts`).
 */
import type { ArtifactRef } from '../model/artifactRef';
import type { Materializer } from './materializers';

export type { ArtifactRef };

/** What identifies an artifact's content: its hash and the materializer that wrote it. */
export type ArtifactKey = Pick<ArtifactRef, 'hash' | 'materializer'>;

/** The attempt an output belongs to before its commit. */
export interface AttemptKey {
  runId: string;
  invocationId: string;
  attempt: number;
}

export interface ArtifactStore {
  /**
   * Stores `value` with `materializer` (default: the one `materializerFor(value)` picks) and
   * resolves with its ref. Storing content that is already there changes nothing, so equal values
   * share one entry, also when several processes store it at once. Rejects, storing nothing, for a
   * value the materializer cannot save.
   */
  put(value: unknown, materializer?: Materializer): Promise<ArtifactRef>;
  /**
   * Loads the value behind `ref`, verified against its hash first: rejects with
   * {@link ArtifactIntegrityError} when the entry is missing or corrupted. `what` names the
   * artifact when its materializer cannot load it (`output "rows" of step "load" in run ...`).
   */
  get(ref: ArtifactKey, what?: string): Promise<unknown>;
  /** The stored bytes behind `ref`, verified like {@link get}'s; needs no materializer but the name. */
  getBytes(ref: ArtifactKey): Promise<Buffer>;
  /**
   * Stores bytes that arrived from elsewhere (a remote worker's upload, an input fetched by a
   * worker), refused with a `corrupted` {@link ArtifactIntegrityError} unless they match `ref`'s
   * content address. Bytes already stored are kept.
   */
  putBytes(ref: ArtifactKey, bytes: Buffer): Promise<void>;
  /** Whether an entry with this hash is stored. */
  has(hash: string): Promise<boolean>;
  /**
   * Stores an output of `attempt` before its commit (a remote worker's upload), checked like
   * {@link putBytes}: kept apart under the attempt where the store can, so a fenced attempt leaves
   * only garbage, and made an entry by {@link publish} at the commit. Left out: {@link putBytes}.
   */
  stageOutput?(attempt: AttemptKey, ref: ArtifactKey, bytes: Buffer): Promise<void>;
  /**
   * Makes committed outputs entries of the store where outputs are written elsewhere first (by
   * local runners into the store folder, or staged under their attempt); answers the hashes it
   * could not. Left out: every write already is an entry.
   */
  publish?(refs: readonly ArtifactKey[], attempt?: AttemptKey): Promise<string[]>;
  /** Lets go of connections and timers (a store of the network). */
  close?(): void;
}

/** An artifact whose entry is missing or whose content does not match its hash. */
export class ArtifactIntegrityError extends Error {
  constructor(
    message: string,
    readonly hash: string,
    /** Where the store looked for it (a file of the local store). */
    readonly location: string,
    readonly reason: 'missing' | 'corrupted',
  ) {
    super(message);
    this.name = 'ArtifactIntegrityError';
  }
}
