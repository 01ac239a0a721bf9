import type pg from 'pg';
import { NewerSchemaError } from '../newerSchemaError';
import { inTransaction } from './connection';
import { POSTGRES_MIGRATIONS } from './schema';

/** The transaction-scoped advisory lock every migrator takes first, so two starting together take turns. */
export const MIGRATION_LOCK = 7_236_823_716;

export interface MigrationResult {
  /** The database's schema version before, and now. */
  from: number;
  to: number;
}

/**
 * Brings the database to the newest schema `migrations` describe: all pending migrations and
 * the `schema_version` row in one transaction, under an advisory lock (a second daemon starting
 * at the same moment waits, then finds nothing to do). A database of a newer schema is left
 * untouched: {@link NewerSchemaError} naming both versions.
 */
export async function migratePostgres(pool: pg.Pool, migrations: readonly string[] = POSTGRES_MIGRATIONS): Promise<MigrationResult> {
  return inTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS schema_version (single BOOLEAN PRIMARY KEY DEFAULT true CHECK (single), version INTEGER NOT NULL)');
    const found = (await tx.query<{ version: number }>('SELECT version FROM schema_version')).rows[0]?.version ?? 0;
    const known = migrations.length;
    if (found > known) throw new NewerSchemaError(await describeDatabase(tx), found, known);
    for (let version = found; version < known; version++) await tx.query(migrations[version]!);
    if (found < known) {
      await tx.query('INSERT INTO schema_version (version) VALUES ($1) ON CONFLICT (single) DO UPDATE SET version = EXCLUDED.version', [known]);
    }
    return { from: found, to: known };
  });
}

/** `database "x" on host:port` (or `via a local socket`), as the server names itself. */
async function describeDatabase(db: pg.PoolClient): Promise<string> {
  const { rows } = await db.query<{ name: string; address: string | null; port: number | null }>('SELECT current_database() AS name, host(inet_server_addr()) AS address, inet_server_port() AS port');
  const { name, address, port } = rows[0]!;
  return `PostgreSQL database "${name}" ${address === null ? 'via a local socket' : `on ${address}:${port}`}`;
}
