import * as fs from 'node:fs';
import * as os from 'node:os';
import { DaemonHttpApi } from './httpApi';
import { IdleShutdown } from './idleShutdown';
import { advertiseUrlFromEnv, serverTokenFromEnv, storeUrlFromEnv } from '../model/environment';
import { redactUrl } from '../model/storeUrl';
import { ANOTHER_DAEMON_EXIT_CODE, ensureToken, daemonFiles, readEndpoint, writeOwnerOnly, type Endpoint } from '../api/daemonFiles';
import { readTlsFiles, type TlsPaths } from '../api/tlsFiles';
import { processIdentity } from '../system/processAlive';
import { openRunStore } from '../store/openRunStore';
import type { PlanFile } from './apiHandlers';

/** How often a daemon looks for runs whose engine died (a CLI run killed mid-way, a previous daemon). */
const ABANDONED_SCAN_MS = 1000;

export interface DaemonOptions {
  /** Stop after this many seconds with nothing to do (0: never; see IdleShutdown). */
  idleTimeoutS?: number;
  /** Serve HTTPS with this certificate and key. */
  tls?: TlsPaths;
  /** Answers `POST /v1/plan` (see ApiHandlerContext.planFile). */
  planFile?: PlanFile;
}

/**
 * Body of the daemon process (`pipewright __server`): serves the API until asked to stop.
 * Writes its pid and endpoint only once it listens, so a starter never sees a half-started one.
 */
export async function runDaemon(storeDir: string, host: string, port: number, fallbackToAnyPort = false, options: DaemonOptions = {}): Promise<void> {
  const files = daemonFiles(storeDir);
  // Runs and events in a PostgreSQL database when its starter names one; artifacts stay in the folder.
  const storeUrl = storeUrlFromEnv();
  const storeName = storeUrl === undefined ? storeDir : `the PostgreSQL store ${redactUrl(storeUrl)}`;
  const store = await openRunStore(storeDir, 'readWrite', storeUrl);
  const advertiseUrl = advertiseUrlFromEnv();
  // A database's claim dropped with its connection is taken again; taken by another daemon meanwhile, this one stops.
  let lostBeforeServing: string | undefined;
  let claimLost = (why: string): void => {
    lostBeforeServing = why;
  };
  // A shared store's daemons join it after they listen (they advertise where): one leads, the others are replicas.
  const cluster = store.cluster;
  const owner = cluster ? undefined : await store.claimDaemon(process.pid, (why) => claimLost(why));
  if (owner !== undefined) {
    // Another command started a daemon for this store at the same moment: that one serves it.
    process.stdout.write(`${new Date().toISOString()} not starting: the daemon with pid ${owner} already serves ${storeName}\n`);
    process.exit(ANOTHER_DAEMON_EXIT_CODE);
  }
  const token = ensureToken(files, serverTokenFromEnv());
  const tls = options.tls ? readTlsFiles(options.tls) : undefined;
  // The previous daemon's loopback port, so runners it left behind find this one there.
  const loopbackPort = readEndpoint(files)?.localPort;
  let stopping = false;
  let idle: IdleShutdown | undefined;
  let abandonedScan: NodeJS.Timeout | undefined = undefined;
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const stop = (why: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    idle?.stop();
    clearInterval(abandonedScan);
    log(`stopping (${why})`);
    try {
      fs.writeFileSync(files.state, 'pendingShutdown');
    } catch (error) {
      // The runtime folder may be gone (a deleted store): stopping must still work.
      log(`cannot write ${files.state}: ${(error as Error).message}`);
    }
    void api
      .close()
      .then(() => store.close())
      .catch((error: Error) => log(`error while stopping: ${error.message}`))
      .finally(() => {
        for (const file of [files.pid, files.endpoint, files.state]) fs.rmSync(file, { force: true });
        log('stopped');
        process.exit(exitCode);
      });
  };
  const replicaOf = cluster ? { cluster, storeName } : undefined;
  const daemonOptions = (listenPort: number) => ({ storeDir, store, host, port: listenPort, token, tls, loopbackPort, log, onShutdown: () => stop('shutdown request'), onRequest: () => idle?.touch(), planFile: options.planFile, replicaOf });
  let api = new DaemonHttpApi(daemonOptions(port));
  let address;
  try {
    address = await api.listen();
  } catch (error) {
    if (!fallbackToAnyPort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    // The previous daemon's port (kept so orphaned runners find us) is taken: any port will do.
    await api.close();
    api = new DaemonHttpApi(daemonOptions(0));
    address = await api.listen();
  }
  const resume = () => {
    if (!stopping) void api.orchestrator.resumeAbandoned(log);
  };
  /** Schedules, drives runs, reaps and resumes: the one daemon of a store, or the leader of a shared one. */
  const lead = async () => {
    await api.lead();
    resume();
    abandonedScan = setInterval(resume, ABANDONED_SCAN_MS);
    abandonedScan.unref();
  };
  let role = '';
  if (cluster) {
    const url = advertiseUrl ?? `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '::' ? os.hostname() : host}:${address.port}`;
    const joined = await cluster.join({ instance: api.instanceId, pid: process.pid, host: os.hostname(), url }, storeDir, {
      onLeading: () => {
        log(`leading ${storeName} from now on (the previous leader is gone): resuming the runs it drove`);
        void lead();
      },
      onLost: (why) => claimLost(why),
    });
    if (joined.sameFolder) {
      // Another command started a daemon for this folder at the same moment: that one serves it.
      log(`not starting: another daemon of ${storeDir} on this machine already serves ${storeName}`);
      await api.close();
      await store.close();
      process.exit(ANOTHER_DAEMON_EXIT_CODE);
    }
    if (joined.leading) await lead();
    role = joined.leading ? `, leading ${storeName}, advertised at ${url}` : `, a replica of ${storeName} (forwards to its leader; takes over when it is gone), advertised at ${url}`;
  }
  // What a dead daemon left behind; this one writes its own now that it serves.
  for (const file of [files.pid, files.state]) fs.rmSync(file, { force: true });
  const endpoint: Endpoint = { host, port: address.port, pid: process.pid, identity: processIdentity(process.pid), instanceId: api.instanceId, startedAt: api.startedAt, ...(storeUrl === undefined ? {} : { store: redactUrl(storeUrl) }), ...(tls ? { tls: true, localPort: api.localPort } : {}) };
  writeOwnerOnly(files.endpoint, JSON.stringify(endpoint));
  fs.rmSync(files.state, { force: true });
  writeOwnerOnly(files.pid, String(process.pid));
  const idleTimeoutS = options.idleTimeoutS ?? 0;
  log(`listening on ${tls ? 'https' : 'http'}://${host}:${address.port}${tls ? ` and http://127.0.0.1:${api.localPort} for this machine` : ''} (pid ${process.pid}, store ${storeDir}${storeUrl === undefined ? '' : `, runs in ${redactUrl(storeUrl)}`}${role}, ${idleTimeoutS > 0 ? `stops after ${idleTimeoutS} s idle` : 'no idle shutdown'})`);
  if (!cluster) await lead();
  if (idleTimeoutS > 0) {
    const orchestrator = api.orchestrator;
    idle = new IdleShutdown(
      idleTimeoutS * 1000,
      () => [
        ...(orchestrator.runsInFlight > 0 ? [`${orchestrator.runsInFlight} run(s)`] : []),
        ...(orchestrator.services.live > 0 ? [`${orchestrator.services.live} service(s)`] : []),
        ...(api.openStreams > 0 ? [`${api.openStreams} event stream(s)`] : []),
        ...(api.requestsInProgress > 0 ? [`${api.requestsInProgress} request(s) in progress`] : []),
      ],
      (why) => stop(why),
    );
  }
  claimLost = (why) => stop(`lost the claim of ${storeName}: ${why}`, 1);
  if (lostBeforeServing !== undefined) claimLost(lostBeforeServing);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (error) => log(`uncaught exception: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (error) => log(`unhandled rejection: ${(error as Error).stack ?? String(error)}`));
}
