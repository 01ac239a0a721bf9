import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './tempDir';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the CLI had not returned within `timeoutMs` and was killed. */
  timedOut?: boolean;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the CLI (and say so in the result) if it has not returned by then. */
  timeoutMs?: number;
  /** Another `pipewright` bin to run (an installed copy). */
  bin?: string;
}

/** Runs the built `pipewright` CLI (or the one at `bin`, e.g. an installed copy) as a real child process. */
export function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** The JSON object on the last line of stdout. */
export function lastJson<T = Record<string, unknown>>(result: CliResult): T {
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}


export interface RunningCli {
  /** Output so far (read it inside `waitFor`). */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the process exits. */
  readonly done: Promise<CliResult>;
  readonly pid: number;
}

/** Starts the built CLI (or the one at `bin`) without waiting for it: for commands that follow something live. */
export function spawnCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [options.bin ?? path.join(repoRoot, 'runtime', 'bin', 'pipewright.js'), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(timedOut ? { timedOut } : {}) });
    });
  });
  return { stdout: () => stdout, stderr: () => stderr, done, pid: child.pid ?? 0 };
}
