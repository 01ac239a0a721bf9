import type { S3Location } from '../model/artifactsUrl';
import { artifactsLocationFromEnv } from '../model/environment';
import type { ArtifactStoreBeside } from './artifactStoreBeside';
import type { RunStore, StoreMode } from './runStore';
import { SqliteRunStore } from './sqlite/sqliteRunStore';

/**
 * Opens the run store of the store folder `dir`: the embedded SQLite store in it, or, given the
 * `url` of a PostgreSQL database, that database (see `postgres/`), with `dir` still holding the
 * artifacts, bundles and the daemon's files. `readWrite` creates the store if needed; `readOnly`
 * needs an existing store and changes nothing. Given an S3 location (by default from
 * `PIPEWRIGHT_ARTIFACTS_URL`), outputs are kept in that bucket, the folder holding copies; the
 * bucket is checked first, so a bad one is said now, naming it.
 */
export async function openRunStore(dir: string, mode: StoreMode, url?: string, artifacts: S3Location | undefined = artifactsLocationFromEnv()): Promise<RunStore> {
  const beside = artifacts === undefined ? undefined : await s3ArtifactsBeside(artifacts, mode);
  if (url !== undefined) {
    // The PostgreSQL driver loads only in processes that use it.
    const { PostgresRunStore } = await import('./postgres/postgresRunStore.js');
    return PostgresRunStore.open(dir, url, mode, beside);
  }
  return SqliteRunStore.open(dir, mode, beside);
}

/** Rejects, naming the bucket and the endpoint, unless the bucket of `location` answers. */
export async function checkArtifactsLocation(location: S3Location): Promise<void> {
  // The AWS SDK loads only in processes that use a bucket.
  const { S3ArtifactStore } = await import('../artifacts/s3ArtifactStore.js');
  const probe = new S3ArtifactStore(location);
  try {
    await probe.check();
  } finally {
    probe.close();
  }
}

/** The S3 store for `location`, its bucket checked; a writable one collects staged garbage now and every hour. */
async function s3ArtifactsBeside(location: S3Location, mode: StoreMode): Promise<ArtifactStoreBeside> {
  await checkArtifactsLocation(location);
  const { S3ArtifactStore } = await import('../artifacts/s3ArtifactStore.js');
  return (folder, readOnly) => new S3ArtifactStore(location, folder, { fillCache: !readOnly, collectGarbage: mode === 'readWrite' && !readOnly });
}
