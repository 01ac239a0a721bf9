import type { Command } from 'commander';
import { resolveStoreDir, resolveStoreUrl } from '../../api/storeFolder';
import { daemonLogs, daemonStatus, runDaemonInForeground, startDaemon, stopDaemon, type DaemonStatus } from '../../api/daemonControl';
import { artifactsLocationFromEnv, parseIdleTimeout, parseLimits, parseWorkersMode, serverTokenFromEnv, type WorkersMode } from '../../model/environment';
import { parseS3Location } from '../../model/artifactsUrl';
import { checkArtifactsLocation } from '../../store/openRunStore';
import { UsageError } from '../errors';
import { tlsPathsOf } from '../../api/tlsFiles';

function storeOf(command: Command): string {
  return resolveStoreDir(command.optsWithGlobals<{ store?: string }>().store, process.cwd());
}

/** `--artifacts` and `--s3-endpoint` as given (an endpoint alone is an error). */
function artifactsFlags(flags: { artifacts?: string; s3Endpoint?: string }): { url: string; endpoint?: string } | undefined {
  if (flags.artifacts === undefined) {
    if (flags.s3Endpoint !== undefined) throw new UsageError('--s3-endpoint needs --artifacts s3://bucket/prefix');
    return undefined;
  }
  return { url: flags.artifacts, ...(flags.s3Endpoint === undefined ? {} : { endpoint: flags.s3Endpoint }) };
}

function print(status: DaemonStatus, json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(status)}\n`);
  else process.stdout.write(`${status.state}${status.pid ? `  pid ${status.pid}` : ''}${status.url ? `  ${status.url}` : ''}  ${status.detail}\n`);
}

export function registerDaemonCommands(program: Command): void {
  const server = program.command('server').description('the orchestrator daemon for this store');
  server
    .command('start')
    .description('start the daemon (it outlives this command)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1; anything else serves remote clients)')
    .option('--port <port>', 'port (default: any free one)')
    .option('--limit <name=n>', 'concurrency limit: global=N for all attempts, or a named limit steps opt into (repeatable)', (value: string, previous: string[]) => [...previous, value], [])
    .option('--idle-timeout <seconds>', 'stop after this many seconds with no run, service or event stream (default: never)')
    .option('--workers <mode>', 'where attempts run: local (runner processes of this machine, the default) or remote (pipewright worker processes)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain); needs --tls-key')
    .option('--tls-key <file>', "the PEM private key of --tls-cert")
    .option('--artifacts <url>', 'keep step outputs in an S3-compatible bucket, s3://bucket/prefix (default: the store folder; credentials: the AWS SDK\'s usual ones)')
    .option('--s3-endpoint <url>', 'the URL of an S3-compatible service other than AWS (MinIO, Ceph, ...) for --artifacts')
    .option('--foreground', "keep the daemon attached until SIGTERM, logging to stdout (a container's main process)")
    .option('--json', 'print the status as JSON')
    .action(async (flags: { host?: string; port?: string; json?: boolean; limit: string[]; idleTimeout?: string; workers?: string; tlsCert?: string; tlsKey?: string; artifacts?: string; s3Endpoint?: string; foreground?: boolean }, command: Command) => {
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port ${flags.port}: expected a port number`);
      const limits = flags.limit.join(',');
      try {
        parseLimits(limits, '--limit');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      let workers: WorkersMode | undefined;
      try {
        workers = flags.workers === undefined ? undefined : parseWorkersMode(flags.workers, '--workers');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const idleTimeoutS = flags.idleTimeout === undefined ? undefined : parseIdleTimeout(flags.idleTimeout, '--idle-timeout');
      const storeUrl = resolveStoreUrl(command.optsWithGlobals<{ store?: string }>().store);
      const tls = tlsPathsOf(flags.tlsCert, flags.tlsKey);
      const artifacts = artifactsFlags(flags);
      // A bucket that is missing, refused or out of reach is said here, naming it, not in the daemon's log.
      const location = artifacts?.url === undefined ? artifactsLocationFromEnv() : parseS3Location(artifacts.url, '--artifacts', artifacts.endpoint, '--s3-endpoint');
      if (location) await checkArtifactsLocation(location);
      const options = { host: flags.host, port, token: serverTokenFromEnv(), limits: limits || undefined, idleTimeoutS, storeUrl, workers, tls, artifacts };
      if (flags.foreground) {
        const code = await runDaemonInForeground(storeOf(command), options);
        process.exit(code);
      }
      print(await startDaemon(storeOf(command), options), flags.json);
    });
  server
    .command('stop')
    .description('stop the daemon (runs in flight are cancelled)')
    .option('--json', 'print the status as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => print(await stopDaemon(storeOf(command)), flags.json));
  server
    .command('status')
    .description('inactive, pendingStartup, active, pendingShutdown or error')
    .option('--json', 'print the status as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => print(await daemonStatus(storeOf(command)), flags.json));
  server
    .command('logs')
    .description("print the end of the daemon's log")
    .option('-n, --lines <n>', 'how many lines', '50')
    .action((flags: { lines: string }, command: Command) => {
      const text = daemonLogs(storeOf(command), Math.max(1, Number(flags.lines) || 50));
      process.stdout.write(text ? `${text}\n` : '');
    });
  program
    .command('__server', { hidden: true })
    .argument('<storeDir>')
    .argument('<host>')
    .argument('<port>')
    .argument('[portPolicy]')
    .option('--idle-timeout <seconds>', 'stop after this long with nothing to do (0: never)', '0')
    .option('--tls-cert <file>')
    .option('--tls-key <file>')
    .action(async (storeDir: string, host: string, port: string, portPolicy: string | undefined, flags: { idleTimeout: string; tlsCert?: string; tlsKey?: string }) => {
      // The daemon (and the HTTP framework it serves with) loads only in the daemon process.
      const { runDaemon } = await import('../../daemon/main.js');
      await runDaemon(storeDir, host, Number(port), portPolicy === 'fallback', {
        idleTimeoutS: parseIdleTimeout(flags.idleTimeout, '--idle-timeout'),
        tls: tlsPathsOf(flags.tlsCert, flags.tlsKey),
        // Planning bundles and compiles as `pipewright plan` does (launch/, above the daemon), loaded on the first plan.
        planFile: async (body, store) => (await import('../../launch/planPipelineFile.js')).planForDaemon(body, store),
      });
      // Keep serving: the daemon ends through its own stop path.
      await new Promise<never>(() => undefined);
    });
}
