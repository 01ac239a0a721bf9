import pg from 'pg';
import { InputError } from '../../model/errorCodes';
import { storeUrlProblem } from '../../model/storeUrl';

/** Anything that runs one statement: the pool (any free connection) or one connection. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * A connection pool to the PostgreSQL store at `url` (`postgres://` or `postgresql://`). A
 * connection the server drops while idle (a restart, a failover) is discarded and replaced on
 * the next query instead of crashing the process.
 */
export function openPostgresPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool(postgresConfig(url, options));
  pool.on('error', () => {
    // An idle connection died; pg-pool has already removed it.
  });
  return pool;
}

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** Every transaction of its connections is read-only (the server refuses writes). */
  readOnly?: boolean;
  /** Idle connections do not keep the process alive (for a short-lived process). */
  allowExitOnIdle?: boolean;
}

/** How to connect to the store at `url` (checked: a URL that is not PostgreSQL's is an InputError naming it without its password). */
export function postgresConfig(url: string, options: PoolOptions = {}): pg.PoolConfig {
  const problem = storeUrlProblem(url);
  if (problem) throw new InputError(`the PostgreSQL store URL ${problem}`);
  return {
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'pipewright',
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
    allowExitOnIdle: options.allowExitOnIdle ?? false,
    ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  };
}

/**
 * Runs `work` in one transaction on one connection of `pool`: committed when it returns,
 * rolled back when it throws. With `idleTimeoutMs`, the server aborts the transaction (and ends
 * the connection) once it has waited that long for the client's next statement, so a client
 * that freezes mid-transaction does not hold its row locks for ever.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>, options: { idleTimeoutMs?: number } = {}): Promise<T> {
  const client = await pool.connect();
  // A checked-out connection has no error listener of pg-pool's; one the server ends would throw.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    const idle = options.idleTimeoutMs === undefined ? '' : ` SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.ceil(options.idleTimeoutMs))};`;
    await client.query(`BEGIN;${idle}`);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken ??= rollbackError;
    });
    throw error;
  } finally {
    client.off('error', onError);
    // A connection in an unknown state is closed rather than handed out again.
    client.release(broken);
  }
}
