// A migrator process for the PostgreSQL migration tests: it waits for a line on stdin (so two can
// be released together), migrates the database, and reports the result as a JSON line.
//   node --import tsx postgresMigratorProcess.ts URL [--slow]
// --slow: one more migration after the real ones, which creates a table and holds the
// transaction for 300 ms, so a second migrator started at once must wait for it.
import { errorCodeOf } from '../../runtime/src/model/errorCodes';
import { openPostgresPool } from '../../runtime/src/store/postgres/connection';
import { migratePostgres } from '../../runtime/src/store/postgres/migrate';
import { POSTGRES_MIGRATIONS } from '../../runtime/src/store/postgres/schema';

const [url, flag] = process.argv.slice(2);
const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const SLOW_MIGRATION = 'CREATE TABLE slow_marker (id INTEGER); SELECT pg_sleep(0.3);';

report({ event: 'ready' });
process.stdin.once('data', () => {
  const pool = openPostgresPool(url!, { max: 1 });
  migratePostgres(pool, flag === '--slow' ? [...POSTGRES_MIGRATIONS, SLOW_MIGRATION] : POSTGRES_MIGRATIONS)
    .then(
      (result) => report({ event: 'migrated', ...result }),
      (error: Error) => report({ event: 'error', code: errorCodeOf(error), message: error.message }),
    )
    .finally(() => {
      process.stdin.destroy();
      void pool.end();
    });
});
