import type { Command } from 'commander';
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { resolveStore } from '../../api/storeFolder';
import { connectDaemon } from '../../api/daemonControl';
import type { ServiceStatus } from '../../services/serviceManager';
import { UsageError } from '../errors';

async function clientOf(command: Command) {
  const { dir, url } = resolveStore(command.optsWithGlobals<{ store?: string }>().store, process.cwd());
  return connectDaemon(dir, { storeUrl: url });
}

function line(status: ServiceStatus): string {
  const health = status.lastHealth ? `  ${status.lastHealth.ok ? 'healthy' : 'unhealthy'}: ${status.lastHealth.detail}` : '';
  return `${status.name.padEnd(20)} ${status.state.padEnd(10)} ${status.pid === null ? '' : `pid ${status.pid}`}  since ${status.since}${health}${status.detail ? `\n  ${status.detail}` : ''}`;
}

export function registerServicesCommands(program: Command): void {
  const services = program.command('services').description('long-lived services the daemon runs beside pipelines (model servers...)');
  services
    .command('list', { isDefault: true })
    .description('list services and their state')
    .option('--json', 'print them as one JSON array')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const list = await (await clientOf(command)).listServices();
      process.stdout.write(flags.json ? `${JSON.stringify(list)}\n` : list.length === 0 ? 'no services\n' : `${list.map(line).join('\n')}\n`);
    });
  services
    .command('start')
    .description('start a service from a spec file (YAML or JSON: name, type, command, args, env, health)')
    .argument('<spec>', 'spec file')
    .option('--json', 'print the status as JSON')
    .action(async (file: string, flags: { json?: boolean }, command: Command) => {
      let spec: unknown;
      try {
        spec = parseYaml(fs.readFileSync(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}`);
      }
      const status = await (await clientOf(command)).startService(spec as never);
      process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : `${line(status)}\n`);
      if (status.state === 'failed') process.exitCode = 1;
    });
  for (const [verb, describe] of [
    ['status', 'show one service'],
    ['stop', 'stop a service (SIGTERM, then SIGKILL)'],
  ] as const) {
    services
      .command(verb)
      .description(describe)
      .argument('<name>')
      .option('--json', 'print the status as JSON')
      .action(async (name: string, flags: { json?: boolean }, command: Command) => {
        const client = await clientOf(command);
        const status = verb === 'stop' ? await client.stopService({ name }) : await client.serviceStatus({ name });
        process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : `${line(status)}\n`);
      });
  }
  services
    .command('logs')
    .description("print a service's output")
    .argument('<name>')
    .option('-n, --lines <n>', 'only the last lines')
    .action(async (name: string, flags: { lines?: string }, command: Command) => {
      const { text } = await (await clientOf(command)).serviceLogs({ name, tail: flags.lines === undefined ? undefined : Math.max(1, Number(flags.lines) || 50) });
      process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    });
}
