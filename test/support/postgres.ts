import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './freePort';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 (`.ci/run` installs it); PIPEWRIGHT_TEST_PG_BIN names another folder of its binaries. */
export const POSTGRES_BIN = process.env.PIPEWRIGHT_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * initdb and pg_ctl refuse to run as root, so as root the cluster belongs to `nobody` (present on
 * every Debian system) and its commands run through `runuser`; as anyone else they run as is.
 */
const RUN_AS = process.getuid?.() === 0 ? 'nobody' : undefined;

function command(binary: string, args: string[]): [string, string[]] {
  const file = path.join(POSTGRES_BIN, binary);
  return RUN_AS ? ['runuser', ['-u', RUN_AS, '--', file, ...args]] : [file, args];
}

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`: the superuser's URL (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  /** A fresh, empty database of its own; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Restarts the server (fast shutdown: every connection is ended) on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server (fast shutdown) and removes its folder; idempotent. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Keep PostgreSQL's durable defaults (fsync on): for benchmarks. Tests turn fsync off. */
  durable?: boolean;
}

let databases = 0;

/**
 * The test file's own PostgreSQL cluster: started before its first test, stopped and removed
 * after its last. Call at the top level of the file; the function returned gives the cluster.
 */
export function postgresForFile(options: PostgresOptions = {}): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  before(async () => {
    cluster = await startPostgres(options);
  });
  after(() => cluster?.stop());
  return () => {
    if (!cluster) throw new Error('the PostgreSQL cluster of this file has not started (call postgresForFile at the top level)');
    return cluster;
  };
}

/**
 * A private PostgreSQL cluster, never the system service: `initdb` into a temporary folder, a
 * server on a free loopback port with its socket in that folder, waited on until it accepts
 * connections. `stop()` stops and removes it; it is killed if the process exits first.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresCluster> {
  if (!fs.existsSync(path.join(POSTGRES_BIN, 'initdb'))) {
    throw new Error(`PostgreSQL's initdb is not at ${POSTGRES_BIN}: install Debian's postgresql package (.ci/run does), or set PIPEWRIGHT_TEST_PG_BIN`);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-pg-'));
  if (RUN_AS) spawnSync('chown', [RUN_AS, root]);
  const data = path.join(root, 'data');
  const log = path.join(root, 'server.log');
  const exec = (binary: string, args: string[]) => {
    const [file, argv] = command(binary, args);
    return run(file, argv, { cwd: root, encoding: 'utf8' });
  };
  let port = 0;
  let stopped = false;
  const killOnExit = () => {
    // The test process is going away without `after` having run: leave no server behind.
    const [file, argv] = command('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    spawnSync(file, argv, { cwd: root });
    fs.rmSync(root, { recursive: true, force: true });
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (fs.existsSync(path.join(data, 'postmaster.pid'))) await exec('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']);
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const settings = ['-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'shared_buffers=16MB', '-c', 'max_connections=60'];
    if (!options.durable) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    process.on('exit', killOnExit);
    // A free port can be taken before the server binds it: try another, a few times.
    for (let tries = 1; ; tries++) {
      port = await freePort();
      try {
        // -w: pg_ctl waits until the server reports it accepts connections (postmaster.pid's state), up to -t seconds.
        await exec('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', [`-p ${port}`, ...settings].join(' ')]);
        break;
      } catch (error) {
        const serverLog = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
        if (tries < 3 && /could not (bind|create listen socket)|Address already in use/.test(serverLog)) continue;
        throw new Error(`PostgreSQL did not start on port ${port}: ${(error as Error).message}\n${serverLog}`);
      }
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await untilAccepting(url, 30_000);
  return {
    url,
    port,
    async createDatabase(name = `test_${process.pid}_${++databases}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      // pg_ctl restart starts the server with the options it was last started with (postmaster.opts).
      await exec('pg_ctl', ['restart', '-D', data, '-l', log, '-m', 'fast', '-w', '-t', '60']);
      await untilAccepting(url, 30_000);
    },
    stop,
  };
}

/** Connects until the server answers a query, or fails after `timeoutMs`. */
async function untilAccepting(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL at ${url} did not accept connections within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Runs one statement on the database at `url` on a connection of its own, and closes it: the rows. */
export async function queryDatabase<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
