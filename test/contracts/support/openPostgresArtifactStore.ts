// Opens the PostgreSQL artifact store of a database in another process (for the contract's two-process test).
import * as path from 'node:path';
import { LocalArtifactStore } from '../../../runtime/src/artifacts';
import { openPostgresPool } from '../../../runtime/src/store/postgres/connection';
import { PostgresArtifactStore } from '../../../runtime/src/store/postgres/postgresArtifactStore';

export function openArtifactStore(spec: { url: string; cacheDir?: string }): PostgresArtifactStore {
  // The process ends once it has printed its refs: idle connections must not hold it.
  const pool = openPostgresPool(spec.url, { allowExitOnIdle: true });
  return new PostgresArtifactStore(pool, 'test database', spec.cacheDir === undefined ? undefined : new LocalArtifactStore(path.resolve(spec.cacheDir)));
}
