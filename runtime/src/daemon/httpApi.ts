import { randomBytes } from 'node:crypto';
import type { FromRunner } from '../model/runnerProtocol';
import { ensureRunnerToken, daemonFiles } from '../api/daemonFiles';
import { once } from 'node:events';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createHttpApp, listenHttpApp, listenLoopback, noBodyAsEmptyObject, requireScope, type HttpApp, type TlsFiles } from '../engine/httpApp';
import { heartbeatRoute } from '../engine/heartbeatRoute';
import { API_PREFIX, routeSchemaKit, runnerResultSchema, type StreamEvent } from '../api/protocol';
import { API_ROUTES, pathParamNames, type HandlerReply, type RouteHandlers, type RouteName, type RouteSpec } from '../api/routes';
import { FencedError, NotFoundError } from '../model/errorCodes';
import { boundedInt, textParam } from '../api/queryParams';
import { apiHandlers, findRun, type PlanFile } from './apiHandlers';
import { EVENT_PAGE, Orchestrator } from './orchestrator';
import type { RunStore } from '../store/runStore';
import { ENV, orchestratorCaFileFromEnv, runnerTokenFromEnv, workersModeFromEnv } from '../model/environment';
import { fetchFor } from '../api/trustedFetch';
import { heartbeatTiming } from '../engine/heartbeatSettings';
import { WorkerHub } from '../remote/workerHub';
import { remoteLauncher } from '../remote/remoteLauncher';
import { workerRoutes } from '../remote/workerRoutes';
import { daemonCredentials } from './daemonCredentials';
import { DaemonMetrics } from './daemonMetrics';
import { EventRelay } from './eventRelay';
import { forwardLeaderRoutes } from './leaderRoutes';
import type { StoreCluster } from '../store/storeCluster';

export interface DaemonHttpApiOptions {
  storeDir: string;
  /** The run store, opened (and claimed) by the daemon, which closes it. */
  store: RunStore;
  host: string;
  port: number;
  token: string;
  /** Serve HTTPS with this certificate; runners and local commands then use a plain loopback listener. */
  tls?: TlsFiles;
  /** The loopback listener's port to try first (the previous daemon's, so its orphaned runners find this one). */
  loopbackPort?: number;
  /** Called once the daemon was asked to stop (after answering). */
  onShutdown(): void;
  /** The daemon's log (one line per call). */
  log(line: string): void;
  /** Called on every request (the daemon's idle shutdown counts them as activity). */
  onRequest?(): void;
  /** Answers `POST /v1/plan` (without it, the route answers 409). */
  planFile?: PlanFile;
  /** A daemon of a shared store (`store.cluster`): it starts as a replica, which forwards leader-only routes, until {@link DaemonHttpApi.lead}. */
  replicaOf?: { cluster: StoreCluster; storeName: string };
}

const runParams = z.object({ run: z.string() });

/**
 * The orchestrator's versioned HTTP API (Fastify): every route of the table (`api/routes.ts`),
 * validated by its zod schemas and answered by its handler (`apiHandlers.ts`), and the routes
 * written here by hand (the event stream, artifacts' bytes, the runners' heartbeats and results,
 * `/metrics`). Every route needs a bearer token of the scope it declares (`daemonCredentials.ts`:
 * runners and workers hold `worker`, users `user`, a Prometheus scrape `metrics`); malformed,
 * oversized, unauthenticated or forbidden requests get a 4xx with a message and change nothing.
 */
export class DaemonHttpApi {
  readonly instanceId = randomBytes(8).toString('hex');
  readonly startedAt = new Date().toISOString();
  readonly orchestrator: Orchestrator;
  private readonly runnerToken: string;
  private readonly workerHub?: WorkerHub;
  /** The store's lease reaper, while this daemon leads a shared store with remote workers. */
  private reaper?: { stop(): Promise<void> };
  private storeTroubleAt = -Infinity;
  private readonly app: HttpApp;
  private readonly metrics: DaemonMetrics;
  private loopback?: { port: number; close(): Promise<void> };
  private port = 0;
  private streams = 0;
  private requests = 0;
  /** A replica's stream of the leader's events (until it leads). */
  private relay: Promise<EventRelay> | undefined;

  constructor(private readonly options: DaemonHttpApiOptions) {
    this.runnerToken = ensureRunnerToken(daemonFiles(options.storeDir), runnerTokenFromEnv());
    // Remote workers claim attempts from a queue in this daemon; one beat of theirs renews all their leases.
    if (workersModeFromEnv() === 'remote') {
      const timing = heartbeatTiming(undefined, undefined);
      // On a shared store, step attempts' leases are kept and judged in the store, on its clock.
      this.workerHub = new WorkerHub({ intervalMs: timing.intervalMs, timeoutMs: timing.timeoutMs }, (owner) => this.orchestrator.heartbeat(owner), options.store.cluster?.workerLeases, (error) =>
        this.storeTrouble(`cannot write a worker's lease to the store: ${(error as Error).message}`),
      );
    }
    const launcher = this.workerHub ? remoteLauncher(this.workerHub) : undefined;
    // Runners beat over plain loopback HTTP: the daemon's own port, or its loopback listener when it serves HTTPS.
    this.orchestrator = new Orchestrator(options.store, () => ({ url: `http://127.0.0.1:${this.localPort}${API_PREFIX}/heartbeats`, token: this.runnerToken }), launcher, { instanceId: this.instanceId, replica: options.replicaOf !== undefined });
    this.metrics = new DaemonMetrics({
      queueDepths: () => this.workerHub?.queuedByPool() ?? {},
      leasesHeld: () => this.orchestrator.leasesHeld,
      workersConnected: () => this.workerHub?.liveWorkers ?? 0,
    });
    this.orchestrator.subscribe((event) => this.metrics.observe(event));
    this.app = createHttpApp({
      prefix: API_PREFIX,
      credentials: daemonCredentials(options.token, this.runnerToken, options.store, options.log),
      ...(options.tls ? { tls: options.tls } : {}),
      onRequest: (_request, response) => {
        options.onRequest?.();
        this.requests += 1;
        response.once('close', () => (this.requests -= 1));
      },
    });
    const replicaOf = options.replicaOf;
    if (replicaOf) {
      const send = fetchFor({ caFile: orchestratorCaFileFromEnv(), caFileSource: `$${ENV.orchestratorCaFile}` });
      forwardLeaderRoutes(this.app, { isLeading: () => this.orchestrator.isLeading, cluster: replicaOf.cluster, self: { instance: this.instanceId, storeName: replicaOf.storeName }, send });
      this.relay = EventRelay.start(this.orchestrator, replicaOf.cluster, options.log);
      // Not streaming the leader's events is a replica's failure to serve: said in its log, and its streams stay empty until it leads.
      this.relay.catch((error: Error) => options.log(`cannot follow the leader's events: ${error.message}`));
    }
    this.routes();
  }

  /** This replica took the store's claim: it streams its own events and answers every route from now on. */
  async lead(): Promise<void> {
    const relay = this.relay;
    this.relay = undefined;
    await relay?.then((started) => started.stop()).catch(() => undefined);
    this.orchestrator.lead();
    // The store's reaper ends the leases no worker renewed; of all the daemons only one sweeps at a time.
    const hub = this.workerHub;
    const leases = this.options.store.cluster?.workerLeases;
    if (hub && leases && !this.reaper) {
      this.reaper = leases.startReaper(this.instanceId, (expired) => hub.leasesExpired(expired), (error) => this.storeTrouble(`the lease reaper cannot reach the store: ${(error as Error).message}`));
    }
  }

  /** Logs a failure to reach the store from a loop that retries by itself: once per 10 s, so that an outage is said, not repeated four times a second. */
  private storeTrouble(line: string): void {
    const now = Date.now();
    if (now - this.storeTroubleAt < 10_000) return;
    this.storeTroubleAt = now;
    this.options.log(line);
  }

  /** Clients following the event stream now. */
  get openStreams(): number {
    return this.streams;
  }

  /** Requests being answered now, event streams not included (a run being submitted, say). */
  get requestsInProgress(): number {
    return this.requests - this.streams;
  }

  async listen(): Promise<AddressInfo> {
    const address = await listenHttpApp(this.app, this.options.port, this.options.host);
    this.port = address.port;
    if (this.options.tls) this.loopback = await listenLoopback(this.app, this.options.loopbackPort ?? 0);
    return address;
  }

  /** Where this machine's runners and commands reach the daemon over plain HTTP (its port, or the loopback listener of an HTTPS daemon). */
  get localPort(): number {
    return this.loopback?.port ?? this.port;
  }

  async close(): Promise<void> {
    await this.relay?.then((started) => started.stop()).catch(() => undefined);
    await this.reaper?.stop();
    this.workerHub?.close();
    await this.orchestrator.close();
    await this.loopback?.close();
    await this.app.close();
  }

  private routes(): void {
    const app = this.app;
    const orchestrator = this.orchestrator;
    // Runners' and workers' routes need the worker scope; every other route the scope its table entry declares.
    const runner = requireScope(app, 'worker');
    const client = requireScope(app, 'user');
    registerRoutes(app, apiHandlers({ orchestrator, inCluster: this.options.replicaOf !== undefined, instanceId: this.instanceId, startedAt: this.startedAt, onShutdown: () => this.options.onShutdown(), log: this.options.log, workerHub: this.workerHub, planFile: this.options.planFile }));

    heartbeatRoute(app, (request) => orchestrator.heartbeatOnceResumed(request));
    if (this.workerHub) workerRoutes(app, API_PREFIX, this.workerHub, orchestrator.store.artifacts);
    app.post(`${API_PREFIX}/runner-results`, { schema: { body: runnerResultSchema }, bodyLimit: 1024 * 1024, onRequest: runner }, async (request) => {
      const body = request.body;
      const answer = await orchestrator.runnerResult(body.runId, body.invocationId, body.attempt, body.reply as FromRunner);
      if (answer.fenced) throw new FencedError(answer.reason);
      return { ok: true };
    });

    // The routes that are not plain JSON calls of the table: the event stream and an artifact's bytes.
    app.get(`${API_PREFIX}/events`, { schema: { querystring: z.object({ since: textParam, run: textParam }) }, onRequest: client }, (request, reply) => {
      const since = boundedInt((request.headers['last-event-id'] as string | undefined) ?? request.query.since, 0, 0, Number.MAX_SAFE_INTEGER, 'since');
      reply.hijack();
      this.stream(request.raw, reply.raw, since, request.query.run);
    });

    app.get(`${API_PREFIX}/runs/:run/artifacts/:step/:output`, { schema: { params: z.object({ run: z.string(), step: z.string(), output: z.string() }) }, onRequest: client }, async (request, reply) => {
      const run = await findRun(orchestrator.store, request.params.run);
      const { step, output } = request.params;
      const ref = await orchestrator.store.outputOf(run.id, step, output);
      if (!ref) throw new NotFoundError(`run ${run.name} has no committed output "${output}" of step "${step}"`);
      const bytes = await orchestrator.store.artifacts.getBytes(ref);
      return reply.headers({ 'content-type': 'application/octet-stream', 'x-pipewright-materializer': ref.materializer, 'x-pipewright-type': ref.typeName }).send(bytes);
    });
    // Prometheus's default path, outside the versioned API; a scrape bears a `metrics` (or the store's) token.
    app.get('/metrics', { onRequest: requireScope(app, 'metrics') }, async (_request, reply) => {
      const { text, contentType } = await this.metrics.scrape();
      return reply.header('content-type', contentType).send(text);
    });
    for (const partial of ['artifacts', 'artifacts/:step']) {
      app.get(`${API_PREFIX}/runs/:run/${partial}`, { schema: { params: runParams.passthrough() }, onRequest: client }, async (request) => {
        await findRun(orchestrator.store, request.params.run);
        throw new NotFoundError(`use ${API_PREFIX}/runs/:run/artifacts/:step/:output`);
      });
    }
  }

  /**
   * Server-sent events; resumes after `Last-Event-ID` (or `?since=`) without missing any. Stored
   * events are replayed page by page, at the pace the client reads them; events published
   * meanwhile are held and follow once the replay has caught up (de-duplicated by seq).
   */
  private stream(request: http.IncomingMessage, response: http.ServerResponse, since: number, runId: string | undefined): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let last = since;
    /** False when the client's buffer is full (wait for `drain`). */
    const write = (event: StreamEvent): boolean => {
      if (event.seq <= last || (runId !== undefined && event.runId !== runId)) return true;
      last = event.seq;
      return response.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    };
    let held: StreamEvent[] | undefined = [];
    const unsubscribe = this.orchestrator.subscribe(
      (event) => {
        if (!held) write(event);
        else if (runId === undefined || event.runId === runId) held.push(event);
      },
      { relayed: true },
    );
    this.streams += 1;
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    let closed = false;
    const whenClosed = new Promise<void>((resolve) =>
      request.on('close', () => {
        closed = true;
        clearInterval(keepAlive);
        unsubscribe();
        this.streams -= 1;
        resolve();
      }),
    );
    const replay = async () => {
      for (;;) {
        const page = await this.orchestrator.eventsSince(last, runId);
        for (const event of page) {
          if (!write(event)) await Promise.race([once(response, 'drain'), whenClosed]);
          if (closed) return;
        }
        if (page.length < EVENT_PAGE) break;
      }
      const live = held ?? [];
      held = undefined;
      for (const event of live) write(event);
    };
    replay().catch(() => response.destroy());
  }
}

/** Registers every route of the table, validated by its schemas and answered by its handler with its success status. */
function registerRoutes(app: HttpApp, handlers: RouteHandlers): void {
  for (const [name, route] of Object.entries(API_ROUTES) as [RouteName, RouteSpec][]) {
    const handle = handlers[name] as (input: Record<string, unknown>, reply: HandlerReply) => unknown;
    const params = pathParamNames(route.path);
    const { query, body } = route;
    app.route({
      method: route.method,
      url: `${API_PREFIX}${route.path}`,
      schema: {
        ...(params.length > 0 ? { params: z.object(Object.fromEntries(params.map((param) => [param, z.string()]))) } : {}),
        ...(query ? { querystring: z.object(query(routeSchemaKit)) } : {}),
        ...(body ? { body: body(routeSchemaKit) } : {}),
      },
      ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
      onRequest: requireScope(app, route.scope),
      ...(body ? { preValidation: noBodyAsEmptyObject } : {}),
      handler: async (request, reply) => {
        const input = { ...(request.params as object), ...(query ? (request.query as object) : {}), ...(body ? { body: request.body } : {}) };
        const answer = await handle(input, { afterAnswer: (action) => reply.raw.once('close', action) });
        return reply.code(route.status ?? 200).send(answer);
      },
    });
  }
}
