import pg from 'pg';
import { InputError } from '../../model/errorCodes';
import { storeUrlProblem } from '../../model/storeUrl';

/** Anything that runs one statement: the pool (any free connection) or one connection. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** How long a store that has reached its server waits for it to come back (a restart, a failover) before a call fails. */
const SERVER_AWAY_MS = 30_000;
const RETRY_MS = 100;
/** Pools of openPostgresPool that have connected to their server once. */
const reachedPools = new WeakSet<pg.Pool>();

/**
 * SQLSTATEs and socket errors of a server that is away (restarting, shutting down, unreachable)
 * met before a statement ran: trying again cannot apply anything twice.
 */
const NOT_STARTED = new Set(['57P03', '08001', '08004', 'ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * The server ended the session (a fast shutdown, a terminated backend): what it was doing was
 * rolled back. A reset connection is mostly one the server had already closed (a pooled
 * connection ended by a restart, reused before its end was read); only a reset that cuts a lone
 * statement's answer after it committed would apply it twice, which a restart does not do (the
 * server answers before it ends the session). A transaction's COMMIT is never tried again.
 */
const SESSION_ENDED = new Set(['57P01', '57P02', 'ECONNRESET', 'EPIPE']);

/** Whether `error` says the statement never took effect because the server was away. */
export function serverAway(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  if (code !== undefined && (NOT_STARTED.has(code) || SESSION_ENDED.has(code))) return true;
  const message = (error as Error | undefined)?.message ?? '';
  // A connection pg-pool handed out as the server ended it (before its 'error' event removed it), or none in time.
  return /not queryable|Connection terminated|timeout exceeded when trying to connect/i.test(message);
}

/**
 * A connection pool to the PostgreSQL store at `url` (`postgres://` or `postgresql://`). A
 * connection the server drops while idle (a restart, a failover) is discarded and replaced on
 * the next query instead of crashing the process. Once the pool has reached its server, a query
 * that finds the server away (see {@link serverAway}) is tried again for up to 30 s, so a restart
 * of the server does not fail the runs in flight; before that, an unreachable server fails at once.
 */
export function openPostgresPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool(postgresConfig(url, options));
  pool.on('error', () => {
    // An idle connection died; pg-pool has already removed it.
  });
  pool.on('connect', () => reachedPools.add(pool));
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as { query: unknown }).query = async (...args: unknown[]) => {
    const deadline = Date.now() + SERVER_AWAY_MS;
    let statement = typeof args[0] === 'string' && Array.isArray(args[1]) ? preparedStatements.statement(args[0], args[1] as unknown[]) : undefined;
    for (;;) {
      try {
        return await (statement ? query(statement) : query(...args));
      } catch (error) {
        if (statement?.name !== undefined && planOutdated(error)) {
          // The schema changed under a prepared statement (another daemon migrated it): it is sent unprepared from now on.
          preparedStatements.forget(statement.text);
          statement = { text: statement.text, values: statement.values };
          continue;
        }
        if (!reachedPools.has(pool) || !serverAway(error) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  };
  return pool;
}

/**
 * The statements with parameters that a process sends again and again (a step's commit, a
 * lease's claim) are prepared: each connection has the server parse and plan one once, not at
 * every call (the commit's planning alone took about 0.4 ms of the server's time per step). A
 * text is named on its second use, and at most {@link MOST_PREPARED} texts are, so statements
 * made once (or of ever new shapes) are never kept on the server.
 */
class PreparedStatements {
  private readonly names = new Map<string, string>();
  private readonly seenOnce = new Set<string>();
  private readonly never = new Set<string>();
  private named = 0;

  statement(text: string, values: unknown[]): { name?: string; text: string; values: unknown[] } {
    let name = this.names.get(text);
    if (name === undefined && !this.never.has(text) && this.named < MOST_PREPARED) {
      if (this.seenOnce.has(text)) {
        this.seenOnce.delete(text);
        name = `pipewright_${++this.named}`;
        this.names.set(text, name);
      } else {
        if (this.seenOnce.size >= 4 * MOST_PREPARED) this.seenOnce.clear();
        this.seenOnce.add(text);
      }
    }
    return name === undefined ? { text, values } : { name, text, values };
  }

  /** `text` is never prepared again (no name is ever reused: a connection may still hold it). */
  forget(text: string): void {
    this.names.delete(text);
    this.never.add(text);
  }
}

const MOST_PREPARED = 256;
const preparedStatements = new PreparedStatements();

/** "cached plan must not change result type": a prepared statement's tables changed since it was prepared. */
function planOutdated(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === '0A000' && /cached plan/.test((error as Error).message);
}

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** Every transaction of its connections is read-only (the server refuses writes). */
  readOnly?: boolean;
  /** Idle connections do not keep the process alive (for a short-lived process). */
  allowExitOnIdle?: boolean;
  /**
   * Its commits return before the server flushes them to disk (`synchronous_commit = off`): for
   * records whose loss in a crash of the database server is harmless. The server writes its log
   * in order, so the next commit that waits for its flush (a step's commit) makes them durable too.
   */
  asyncCommit?: boolean;
}

/** How to connect to the store at `url` (checked: a URL that is not PostgreSQL's is an InputError naming it without its password). */
export function postgresConfig(url: string, options: PoolOptions = {}): pg.PoolConfig {
  const settings = [...(options.readOnly ? ['-c default_transaction_read_only=on'] : []), ...(options.asyncCommit ? ['-c synchronous_commit=off'] : [])];
  const problem = storeUrlProblem(url);
  if (problem) throw new InputError(`the PostgreSQL store URL ${problem}`);
  return {
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'pipewright',
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
    allowExitOnIdle: options.allowExitOnIdle ?? false,
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  };
}

/**
 * Runs `work` in one transaction on one connection of `pool`: committed when it returns,
 * rolled back when it throws. With `idleTimeoutMs`, the server aborts the transaction (and ends
 * the connection) once it has waited that long for the client's next statement, so a client
 * that freezes mid-transaction does not hold its row locks for ever.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>, options: { idleTimeoutMs?: number } = {}): Promise<T> {
  // The server away before COMMIT was sent: nothing of the transaction took effect, so it is run
  // again (for up to 30 s, once the pool has reached its server). A COMMIT whose answer was lost
  // is never tried again: it may have committed.
  const deadline = Date.now() + SERVER_AWAY_MS;
  for (;;) {
    const attempt = await transactionOnce(pool, work, options).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    if (!('error' in attempt)) return attempt.result;
    const { error } = attempt;
    if (error instanceof CommitUnanswered) throw error.cause;
    if (!reachedPools.has(pool) || !serverAway(error) || Date.now() > deadline) throw error;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/** A COMMIT sent whose answer never came (the connection ended): it may have committed. */
class CommitUnanswered extends Error {
  constructor(readonly cause: unknown) {
    super('COMMIT unanswered');
  }
}

async function transactionOnce<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>, options: { idleTimeoutMs?: number }): Promise<T> {
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
    try {
      await client.query('COMMIT');
    } catch (error) {
      if (serverAway(error)) throw new CommitUnanswered(error);
      throw error;
    }
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
