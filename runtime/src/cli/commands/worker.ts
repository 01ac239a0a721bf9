import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { labelKeySchema, labelsSchema, optionsProblem, poolNameSchema } from '../../model/runOptions';
import { UsageError } from '../errors';

interface WorkerFlags {
  orchestrator: string[];
  tokenFile?: string;
  concurrency: string;
  pool: string;
  label: string[];
  workDir?: string;
  caFile?: string;
  drainTimeout: string;
}

/** Seconds a drained worker (SIGTERM) lets its running attempts finish before handing the rest back. */
export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 30;

/** The worker's settings from its flags; a bad one is a UsageError naming the flag and the value. */
export function workerSettings(flags: WorkerFlags): { orchestrators: string[]; token: string; caFile?: string; concurrency: number; pool: string; labels: Record<string, string>; workDir: string; drainTimeoutMs: number } {
  // Several daemons of one store (comma-separated, or the flag repeated): the worker moves to the next one when one is unreachable.
  const given = flags.orchestrator.flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
  if (given.length === 0) throw new UsageError('--orchestrator <url> is required (the daemon, e.g. http://10.0.0.5:7070; several daemons of one store: a comma-separated list)');
  const urls = given.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`--orchestrator ${text}: not a URL (expected http://host:port)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--orchestrator ${text}: expected an http:// or https:// URL`);
    return url;
  });
  if (flags.tokenFile === undefined) throw new UsageError("--token-file <file> is required (a worker token: the daemon's runner-token, or one made by pipewright tokens create --scope worker)");
  if (flags.caFile !== undefined && !urls.some((url) => url.protocol === 'https:')) throw new UsageError(`--ca-file ${flags.caFile}: only used with an https:// --orchestrator`);
  let token: string;
  try {
    token = fs.readFileSync(flags.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`--token-file ${flags.tokenFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (token === '') throw new UsageError(`--token-file ${flags.tokenFile}: the file is empty`);
  const concurrency = Number(flags.concurrency);
  if (!/^\d+$/.test(flags.concurrency) || concurrency < 1 || concurrency > 1024) throw new UsageError(`--concurrency ${flags.concurrency}: expected an integer from 1 to 1024`);
  const pool = poolNameSchema.safeParse(flags.pool);
  if (!pool.success) throw new UsageError(`--pool ${flags.pool}: ${pool.error.issues[0]?.message}`);
  const drainSeconds = Number(flags.drainTimeout);
  if (!/^\d+(\.\d+)?$/.test(flags.drainTimeout) || drainSeconds > 86_400) throw new UsageError(`--drain-timeout ${flags.drainTimeout}: expected seconds from 0 to 86400`);
  const labels: Record<string, string> = {};
  for (const label of flags.label) {
    const equals = label.indexOf('=');
    if (equals < 0) throw new UsageError(`--label ${label}: expected key=value`);
    const [key, value] = [label.slice(0, equals), label.slice(equals + 1)];
    // The rule of the labels steps require (`labels: { gpu: 'a100' }`), so a step can name any label a worker has.
    const problem = labelKeySchema.safeParse(key).error?.issues[0]?.message ?? optionsProblem(labelsSchema, { [key]: value });
    if (problem !== undefined) throw new UsageError(`--label ${label}: ${problem}`);
    labels[key] = value;
  }
  const workDir = path.resolve(flags.workDir ?? path.join(os.tmpdir(), `pipewright-worker-${process.pid}`));
  return { orchestrators: urls.map((url) => url.href.replace(/\/+$/, '')), token, ...(flags.caFile === undefined ? {} : { caFile: flags.caFile }), concurrency, pool: flags.pool, labels, workDir, drainTimeoutMs: Math.round(drainSeconds * 1000) };
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description("run attempts for an orchestrator started with --workers remote (claims them over its API; needs none of the author's files)")
    .option('--orchestrator <url>', 'the daemon to work for (http://host:port); several daemons of one store: comma-separated or repeated, tried in turn when one is unreachable', (value: string, previous: string[]) => [...previous, value], [])
    .option('--token-file <file>', "a file holding a worker token (the daemon's runner-token, or one made by pipewright tokens create --scope worker)")
    .option('--ca-file <file>', "PEM file of the CA that signed an https orchestrator's certificate (default: the CAs Node trusts)")
    .option('--concurrency <n>', 'attempts run at once', '1')
    .option('--pool <name>', 'the pool this worker serves', 'default')
    .option('--label <key=value>', 'a label of this worker (repeatable)', (value: string, previous: string[]) => [...previous, value], [])
    .option('--work-dir <dir>', 'where fetched bundles, artifacts and working folders are kept (default: a folder in the temp directory)')
    .option('--drain-timeout <seconds>', 'on SIGTERM or SIGINT: how long running attempts may finish before the rest are handed back (a second signal: at once)', String(DEFAULT_DRAIN_TIMEOUT_SECONDS))
    .action(async (flags: WorkerFlags) => {
      // Handled before anything else: as PID 1 in a container, Node has no default action for them.
      let drain: (why: string) => void = (why) => {
        process.stderr.write(`${new Date().toISOString()} worker stopping before it started: ${why}\n`);
        process.exit(0);
      };
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => drain(`${signal} received`));
      const settings = workerSettings(flags);
      // The worker (and its runner pool) loads only in a worker process.
      const { Worker } = await import('../../worker/worker.js');
      fs.mkdirSync(settings.workDir, { recursive: true, mode: 0o700 });
      const worker = new Worker({ ...settings, projectDir: process.cwd(), log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`) });
      drain = (why) => void worker.drain(why);
      const code = await worker.run();
      process.exit(code);
    });
}
