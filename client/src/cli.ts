/**
 * Runs the located runtime's command line (`pipewright run ... --detach --json`,
 * `pipewright server start|stop`): bundling, type analysis and daemon control all happen in the
 * workspace's own runtime version, exactly as in a terminal. No vscode.
 */
import { spawn } from 'node:child_process';
import { ENV } from '../../runtime/src/model/environment';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A remote orchestrator to submit to: the URL goes on the command line, the token never does. */
export interface RemoteTarget {
  url: string;
  token: string;
  /** The CA of an https orchestrator's certificate, when not one Node trusts. */
  caFile?: string;
}

/** The CLI reads these; they must come from the extension's settings, not from the editor's own environment. */
export const ORCHESTRATOR_URL_ENV = ENV.orchestratorUrl;
export const ORCHESTRATOR_TOKEN_ENV = ENV.orchestratorToken;
export const ORCHESTRATOR_CA_FILE_ENV = ENV.orchestratorCaFile;

/**
 * The CLI child's environment: the editor's, run as Node, with the orchestrator chosen by the
 * settings only. A remote token goes in `$PIPEWRIGHT_ORCHESTRATOR_TOKEN` (argv is readable by
 * every user of the machine); without a remote target, an inherited URL or token is dropped so a
 * local run cannot silently go elsewhere.
 */
export function cliEnvironment(base: NodeJS.ProcessEnv, remote?: RemoteTarget): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ELECTRON_RUN_AS_NODE: '1' };
  delete env[ORCHESTRATOR_URL_ENV];
  delete env[ORCHESTRATOR_TOKEN_ENV];
  delete env[ORCHESTRATOR_CA_FILE_ENV];
  if (remote) env[ORCHESTRATOR_TOKEN_ENV] = remote.token;
  if (remote?.caFile) env[ORCHESTRATOR_CA_FILE_ENV] = remote.caFile;
  return env;
}

/** `node` is the Node to run the CLI with (see nodeExecutable.ts); the extension host's by default. */
export function runCli(cli: string, args: string[], cwd: string, options: { remote?: RemoteTarget; signal?: AbortSignal; node?: string } = {}): Promise<CliResult> {
  const { remote, signal, node = process.execPath } = options;
  return new Promise((resolve, reject) => {
    // ELECTRON_RUN_AS_NODE (in cliEnvironment) makes an Electron host's own binary behave as Node.
    const child = spawn(node, [cli, ...args], { cwd, env: cliEnvironment(process.env, remote), signal });
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

/** What a run is of: one step, or a pipeline, possibly from one of its steps reusing a past run's outputs (Run from Here). */
export interface RunTargetArguments {
  pipeline?: string;
  step?: string;
  from?: { invocationId: string; runId: string };
}

/**
 * `pipewright run` arguments for a pipeline (or one step) with `k=v` parameters, submitted to
 * `remote` when given (its URL only: the token travels in the environment, see {@link cliEnvironment}).
 */
export function runArguments(file: string, target: RunTargetArguments, parameters: Record<string, string>, remote?: Pick<RemoteTarget, 'url'>): string[] {
  const args = ['run', file, '--detach', '--json'];
  if (target.step !== undefined) args.push('--step', target.step);
  else if (target.pipeline !== undefined) args.push('--pipeline', target.pipeline);
  if (target.from !== undefined) args.push('--from', target.from.invocationId, '--reuse', target.from.runId);
  for (const [key, value] of Object.entries(parameters)) args.push('--param', `${key}=${value}`);
  if (remote) args.push('--orchestrator', remote.url);
  return args;
}
