import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './tempDir';
import type { CliResult } from './cli';

export interface WorkerProcess {
  pid: number;
  stderr(): string;
  done: Promise<CliResult>;
  /** Signals the worker's whole process group (the worker and its runners), as a host's freeze or crash would. */
  signalGroup(signal: NodeJS.Signals): void;
}

/**
 * Starts `pipewright worker` (the built CLI) in a process group of its own; `via` is a command
 * that execs it where it should run (`ip netns exec NAME`: a host of a test network, netns.ts).
 */
export function startWorker(orchestrator: string, tokenFile: string, workDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}, via: readonly string[] = []): WorkerProcess {
  const command = [...via, process.execPath, path.join(repoRoot, 'runtime', 'bin', 'pipewright.js'), 'worker', '--orchestrator', orchestrator, '--token-file', tokenFile, '--work-dir', workDir, ...extra];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    pid: child.pid ?? 0,
    stderr: () => stderr,
    done,
    signalGroup: (signal) => {
      try {
        process.kill(-(child.pid ?? 0), signal);
      } catch {
        // Already gone.
      }
    },
  };
}
