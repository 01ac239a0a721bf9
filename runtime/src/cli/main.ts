/** The `pipewright` command line: a thin layer over the engine, the store and the artifact API. */
import { Command, CommanderError, Option } from 'commander';
import { runtimeVersion } from '../system/packagePaths';
import { exitCodeOf } from '../model/errorCodes';
import { LEADER_PATIENCE_MS, onLeaderWait } from '../api/leaderRetry';
import { refuseUnknownSubcommands } from './commandGroups';

type Registration = (program: Command, exit: { code: number }) => void;

/**
 * Each top-level command and the module that registers it, loaded only when the command line
 * names it: `runs list` loads neither esbuild, zod nor Fastify (start-up within 2x of a bare
 * `node`). Help and unknown commands load every module, so they list every command.
 */
const COMMAND_MODULES: Record<string, () => Promise<Registration>> = {
  run: async () => (await import('./commands/run.js')).registerRunCommand,
  plan: async () => (await import('./commands/plan.js')).registerPlanCommand,
  runs: async () => (await import('./commands/runs.js')).registerRunsCommand,
  debug: async () => (await import('./commands/debug.js')).registerDebugCommand,
  logs: async () => (await import('./commands/logs.js')).registerLogsCommand,
  artifacts: async () => (await import('./commands/artifacts.js')).registerArtifactCommands,
  server: async () => (await import('./commands/daemon.js')).registerDaemonCommands,
  __server: async () => (await import('./commands/daemon.js')).registerDaemonCommands,
  services: async () => (await import('./commands/services.js')).registerServicesCommands,
  check: async () => (await import('./commands/check.js')).registerCheckCommand,
  dag: async () => (await import('./commands/dag.js')).registerDagCommand,
  worker: async () => (await import('./commands/worker.js')).registerWorkerCommand,
  workers: async () => (await import('./commands/workers.js')).registerWorkersCommands,
  tokens: async () => (await import('./commands/tokens.js')).registerTokensCommands,
  deploy: async () => (await import('./commands/deploy.js')).registerDeployCommands,
};

/** Program options that take a value (so the word after them is not a command). */
const VALUE_OPTIONS = new Set(['--store']);

/** The registrations `argv` needs: its command's, none for `--version` alone, else all of them (help, unknown commands). */
export async function registrationsFor(argv: readonly string[]): Promise<Registration[]> {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') break;
    if (word.startsWith('-')) {
      if (VALUE_OPTIONS.has(word)) i += 1;
      continue;
    }
    const load = Object.hasOwn(COMMAND_MODULES, word) ? COMMAND_MODULES[word] : undefined;
    if (load) return [await load()];
    break;
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return [];
  return [...new Set(await Promise.all(Object.values(COMMAND_MODULES).map((load) => load())))];
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('pipewright')
    .description('Run and inspect TypeScript pipelines')
    .version(runtimeVersion)
    .addOption(new Option('--store <dir|url>', 'store folder (default: .pipewright at the project root, or $PIPEWRIGHT_STORE), or a PostgreSQL database for runs and events (postgres://..., or $PIPEWRIGHT_STORE_URL)'))
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  const exit = { code: 0 };
  // A request to a shared store's replica while the daemons change leader waits (api/leaderRetry.ts): never in silence.
  onLeaderWait((why) => process.stderr.write(`pipewright: waiting for a leader (up to ${LEADER_PATIENCE_MS / 1000} s): ${why}\n`));
  for (const register of await registrationsFor(argv)) register(program, exit);
  for (const group of [program, ...program.commands]) if (group.commands.length > 0) refuseUnknownSubcommands(group);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`pipewright: ${message}\n`);
    return exitCodeOf(error);
  }
}

/**
 * A reader that goes away early (`pipewright runs list | head -1`) ends the command quietly, as
 * `ls | head -1` does, instead of crashing with `write EPIPE`: nobody is left to read the rest.
 */
function exitQuietlyWhenReaderCloses(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

exitQuietlyWhenReaderCloses(process.stdout);
exitQuietlyWhenReaderCloses(process.stderr);

void main(process.argv.slice(2)).then((code) => {
  // A command may have set its own exit code (a failed retry, say); an error code wins.
  process.exitCode = code !== 0 ? code : (process.exitCode ?? 0);
});
