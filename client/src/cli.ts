/**
 * Runs the located runtime's command line (`pipewright run ... --detach --json`,
 * `pipewright server start|stop`): bundling, type analysis and daemon control all happen in the
 * workspace's own runtime version, exactly as in a terminal. No vscode.
 */
import { spawn } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(cli: string, args: string[], cwd: string, signal?: AbortSignal): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // process.execPath is the extension host's Node (Electron runs as Node with this variable).
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The last JSON object line of `--json` output. */
export function lastJsonLine<T>(stdout: string): T | undefined {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // Not the summary line.
    }
  }
  return undefined;
}

/** `pipewright run` arguments for a pipeline (or one step) with `k=v` parameters. */
export function runArguments(file: string, target: { pipeline?: string; step?: string }, parameters: Record<string, string>): string[] {
  const args = ['run', file, '--detach', '--json'];
  if (target.step !== undefined) args.push('--step', target.step);
  else if (target.pipeline !== undefined) args.push('--pipeline', target.pipeline);
  for (const [key, value] of Object.entries(parameters)) args.push('--param', `${key}=${value}`);
  return args;
}
