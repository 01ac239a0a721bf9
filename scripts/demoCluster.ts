// `npm run demo:cluster`: cluster mode on one machine. Starts a private PostgreSQL (initdb in a
// temporary folder, as the tests do: test/support/postgres.ts), two daemons of one store on
// loopback (the first leads, the second is its replica) and three workers given both, runs the
// Iris example (examples/iris) through the replica, and prints where each step ran. Everything it
// started is stopped when it ends, on Ctrl-C or SIGTERM too.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { startPostgres, type PostgresCluster } from '../test/support/postgres';

const repo = path.resolve(__dirname, '..');
const bin = path.join(repo, 'runtime', 'bin', 'pipewright.js');
const WORKERS = 3;

interface Daemon {
  name: string;
  store: string;
  pid: number;
  url: string;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-demo-cluster-'));
const workers: { name: string; child: ChildProcess; log: string }[] = [];
const daemons: Daemon[] = [];
let postgres: PostgresCluster | undefined;
let env: NodeJS.ProcessEnv = process.env;
let cleaning: Promise<void> | undefined;
/** CLI commands in flight: waited for before stopping (a daemon being started is stopped once it is up). */
const inFlight = new Map<ChildProcess, { done: Promise<unknown>; starting: boolean }>();

const say = (line: string) => process.stdout.write(`demo: ${line}\n`);

/** The CLI, waited for (never blocking: Ctrl-C must reach this process); its output kept unless `inherit`. */
function pw(args: string[], inherit = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repo, env, stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  }).finally(() => inFlight.delete(child));
  inFlight.set(child, { done, starting: args.includes('start') });
  return done;
}

async function startDaemon(name: string): Promise<Daemon> {
  const store = path.join(root, name);
  const started = await pw(['--store', store, 'server', 'start', '--workers', 'remote', '--json']);
  if (started.code !== 0) throw new Error(`daemon ${name} did not start: ${started.stderr}`);
  const status = JSON.parse(started.stdout) as { pid: number; url: string };
  const daemon = { name, store, pid: status.pid, url: status.url };
  daemons.push(daemon);
  return daemon;
}

function startWorker(name: string, orchestrators: string, tokenFile: string): void {
  const log = path.join(root, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, [bin, 'worker', '--orchestrator', orchestrators, '--token-file', tokenFile, '--work-dir', path.join(root, name), '--label', `name=${name}`], { cwd: repo, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  workers.push({ name, child, log });
}

/** Which worker ran each attempt of run `runId`, from the line each worker logs as it starts one. */
function whereStepsRan(runId: string): { step: string; attempt: number; worker: string }[] {
  const rows: { step: string; attempt: number; worker: string }[] = [];
  for (const worker of workers) {
    const text = fs.existsSync(worker.log) ? fs.readFileSync(worker.log, 'utf8') : '';
    for (const match of text.matchAll(/worker (\S+) runs attempt (\d+) of "([^"]+)" \(run ([^)]+)\)/g)) {
      if (match[4] === runId) rows.push({ step: match[3]!, attempt: Number(match[2]), worker: `${worker.name} (${match[1]})` });
    }
  }
  return rows;
}

async function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    // A command being waited on is ended (a watch), or let finish (a daemon starting: it is stopped below).
    for (const [child, { starting }] of inFlight) if (!starting) child.kill('SIGINT');
    await Promise.all([...inFlight.values()].map(({ done }) => done.catch(() => undefined)));
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => (worker.child.exitCode === null && worker.child.signalCode === null ? new Promise((resolve) => worker.child.once('exit', resolve)) : undefined)));
    for (const daemon of daemons) await pw(['--store', daemon.store, 'server', 'stop']);
    await postgres?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    say(`${signal}: stopping the workers, the daemons and PostgreSQL`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  say(`starting a private PostgreSQL (initdb in ${os.tmpdir()})`);
  postgres = await startPostgres();
  const url = await postgres.createDatabase('pipewright_demo');
  // Every daemon of one store shares its tokens (in Kubernetes, from one Secret).
  env = { ...process.env, PIPEWRIGHT_STORE_URL: url, PIPEWRIGHT_SERVER_TOKEN: randomBytes(16).toString('hex'), PIPEWRIGHT_RUNNER_TOKEN: randomBytes(16).toString('hex') };
  const tokenFile = path.join(root, 'worker-token');
  fs.writeFileSync(tokenFile, env.PIPEWRIGHT_RUNNER_TOKEN!, { mode: 0o600 });

  const leader = await startDaemon('daemon-a');
  say(`daemon-a (pid ${leader.pid}) at ${leader.url}: leads the store (schedules, drives runs, holds the workers' queue)`);
  const replica = await startDaemon('daemon-b');
  say(`daemon-b (pid ${replica.pid}) at ${replica.url}: its replica (serves reads and events, forwards the rest, takes over if daemon-a dies)`);
  for (let i = 1; i <= WORKERS; i++) startWorker(`worker-${i}`, `${leader.url},${replica.url}`, tokenFile);
  say(`${WORKERS} workers, each given both daemons; logs in ${root}`);

  say('running examples/iris/pipeline.ts, submitted through the replica (daemon-b), which forwards it to the leader');
  // Workers run steps in folders of their own, without the author's files: the data is named by its absolute path (on this machine, every worker reads it).
  const data = path.join(repo, 'examples', 'iris', 'data', 'iris.csv');
  const submitted = await pw(['--store', replica.store, 'run', 'examples/iris/pipeline.ts', '--param', `path=${data}`, '--detach']);
  if (submitted.code !== 0) throw new Error(`the run was not submitted: ${submitted.stderr}`);
  const runId = submitted.stdout.trim();
  // Followed live on the replica: the leader's events reach it by LISTEN/NOTIFY.
  const watched = await pw(['--store', replica.store, 'runs', 'watch', runId], true);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const [enginePid, order] = await Promise.all([
    db.query<{ engine_pid: number }>('SELECT engine_pid FROM runs WHERE id = $1', [runId]).then((result) => result.rows[0]?.engine_pid),
    db.query<{ id: string }>('SELECT id FROM steps WHERE run_id = $1 ORDER BY position', [runId]).then((result) => result.rows.map((row) => row.id)),
  ]).finally(() => db.end());
  say('where each step ran:');
  const rows = whereStepsRan(runId).sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step) || a.attempt - b.attempt);
  const width = Math.max(4, ...rows.map((row) => row.step.length));
  for (const row of rows) process.stdout.write(`  ${row.step.padEnd(width)}  attempt ${row.attempt}  on ${row.worker}\n`);
  const engine = daemons.find((daemon) => daemon.pid === enginePid);
  say(`run ${runId} was driven by ${engine ? `${engine.name} (pid ${engine.pid})` : `pid ${enginePid}`} and ${watched.code === 0 ? 'completed' : 'did not complete'}`);
  return watched.code === 0 ? 0 : 1;
}

void main()
  .catch((error: Error) => {
    // Stopping (Ctrl-C) ends what the demo was waiting on: that is no failure to report.
    if (cleaning) return 130;
    process.stderr.write(`demo: ${error.message}\n`);
    return 1;
  })
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  });
