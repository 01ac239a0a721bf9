/** The `pipewright` command line: a thin layer over the engine, the store and the artifact API. */
import { Command, CommanderError, Option } from 'commander';
import { runtimeVersion } from '../system/packagePaths';
import { exitCodeOf } from '../model/errorCodes';
import { refuseUnknownSubcommands } from './commandGroups';
import { registerArtifactCommands } from './commands/artifacts';
import { registerCheckCommand } from './commands/check';
import { registerDagCommand } from './commands/dag';
import { registerLogsCommand } from './commands/logs';
import { registerRunCommand } from './commands/run';
import { registerRunsCommand } from './commands/runs';
import { registerDaemonCommands } from './commands/daemon';
import { registerServicesCommands } from './commands/services';
import { registerWorkerCommand } from './commands/worker';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('pipewright')
    .description('Run and inspect TypeScript pipelines')
    .version(runtimeVersion)
    .addOption(new Option('--store <dir|url>', 'store folder (default: .pipewright at the project root, or $PIPEWRIGHT_STORE), or a PostgreSQL database for runs and events (postgres://..., or $PIPEWRIGHT_STORE_URL)'))
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  const exit = { code: 0 };
  registerRunCommand(program, exit);
  registerRunsCommand(program);
  registerLogsCommand(program);
  registerArtifactCommands(program);
  registerDaemonCommands(program);
  registerServicesCommands(program);
  registerWorkerCommand(program);
  registerCheckCommand(program);
  registerDagCommand(program);
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
