import * as fs from 'node:fs';
import { ApiServer } from './apiServer';
import { ensureToken, serverFiles, writeOwnerOnly, type Endpoint } from './serverFiles';

/**
 * Body of the daemon process (`pipewright __server`): serves the API until asked to stop.
 * Writes its pid and endpoint only once it listens, so a starter never sees a half-started one.
 */
export async function runDaemon(storeDir: string, host: string, port: number, fallbackToAnyPort = false): Promise<void> {
  const files = serverFiles(storeDir);
  const token = ensureToken(files, process.env.PIPEWRIGHT_SERVER_TOKEN);
  let stopping = false;
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    try {
      fs.writeFileSync(files.state, 'pendingShutdown');
    } catch (error) {
      // The runtime folder may be gone (a deleted store): stopping must still work.
      log(`cannot write ${files.state}: ${(error as Error).message}`);
    }
    void api
      .close()
      .catch((error: Error) => log(`error while stopping: ${error.message}`))
      .finally(() => {
        for (const file of [files.pid, files.endpoint, files.state]) fs.rmSync(file, { force: true });
        log('stopped');
        process.exit(0);
      });
  };
  let api = new ApiServer({ storeDir, host, port, token, onShutdown: () => stop('shutdown request') });
  let address;
  try {
    address = await api.listen();
  } catch (error) {
    if (!fallbackToAnyPort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    // The previous daemon's port (kept so orphaned runners find us) is taken: any port will do.
    await api.close();
    api = new ApiServer({ storeDir, host, port: 0, token, onShutdown: () => stop('shutdown request') });
    address = await api.listen();
  }
  const endpoint: Endpoint = { host, port: address.port, pid: process.pid, instanceId: api.instanceId, startedAt: api.startedAt };
  writeOwnerOnly(files.endpoint, JSON.stringify(endpoint));
  fs.rmSync(files.state, { force: true });
  writeOwnerOnly(files.pid, String(process.pid));
  log(`listening on http://${host}:${address.port} (pid ${process.pid}, store ${storeDir})`);
  api.orchestrator.resumeOrphans(log);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (error) => log(`uncaught exception: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (error) => log(`unhandled rejection: ${(error as Error).stack ?? String(error)}`));
}
