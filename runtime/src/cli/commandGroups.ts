import type { Command } from 'commander';
import { UsageError } from './errors';

/**
 * Makes a command group (`runs`, `services`, `server`, `artifacts`, the program itself) answer
 * an unknown subcommand with the valid ones, as bad input (exit 2), instead of passing it to its
 * default subcommand as an argument (`too many arguments for 'list'`).
 */
export function refuseUnknownSubcommands(group: Command): Command {
  const refuse = (name: string): never => {
    const names = group
      .createHelp()
      .visibleCommands(group)
      .map((command) => command.name())
      .filter((name) => name !== 'help');
    const words = commandPath(group);
    throw new UsageError(`unknown command "${[...words, name].join(' ')}" (${words.length > 0 ? `${words.join(' ')} commands` : 'commands'}: ${names.join(', ')})`);
  };
  // No default subcommand: commander reports unknown operands here.
  group.on('command:*', (operands: string[]) => refuse(operands[0]));
  // A default subcommand receives the operands instead: an operand that is not its name is an unknown command.
  group.hook('preSubcommand', (thisCommand, subcommand) => {
    const first = thisCommand.args[0];
    if (first !== undefined && !first.startsWith('-') && first !== subcommand.name() && !subcommand.aliases().includes(first)) refuse(first);
  });
  return group;
}

/** The words after `pipewright` that name this group (none for the program itself). */
function commandPath(command: Command): string[] {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names;
}
