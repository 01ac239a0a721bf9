/**
 * The extension's one connection to an orchestrator (the local daemon of the workspace's store,
 * or a remote one): health, seeding the runs from the API, then following the event stream,
 * which is what keeps the views live (pushed, never polled). No vscode.
 */
import type { EngineEvent } from '../../runtime/src/model/events';
import { OrchestratorClient, type StreamLink } from '../../runtime/src/api/client';
import { healthDetail, type ConnectionHealth } from './orchestratorHealth';
import { emptyRunsState, pruneRuns, reduceRunEvent, withRuns, type RunsState } from './runState';
import type { OrchestratorState } from './statusText';

export interface ConnectionInfo {
  mode: 'local' | 'remote';
  state: OrchestratorState;
  url?: string;
  detail: string;
  /** While connected: what the orchestrator's health said, and how the event stream fares (`orchestratorHealth.ts` words it). */
  health?: ConnectionHealth;
}

type Listener<T> = (value: T) => void;

export class OrchestratorConnection {
  private client: OrchestratorClient | undefined;
  private abort: AbortController | undefined;
  private runsState: RunsState = emptyRunsState;
  private infoValue: ConnectionInfo = { mode: 'local', state: 'inactive', detail: 'not connected' };
  private readonly runsListeners = new Set<Listener<RunsState>>();
  private readonly infoListeners = new Set<Listener<ConnectionInfo>>();
  private readonly eventListeners = new Set<Listener<EngineEvent>>();

  constructor(
    private readonly log: (message: string) => void,
    private readonly keepRuns = 30,
  ) {}

  get info(): ConnectionInfo {
    return this.infoValue;
  }

  get runs(): RunsState {
    return this.runsState;
  }

  /** The typed API client of the connected orchestrator. */
  get api(): OrchestratorClient | undefined {
    return this.client;
  }

  onRuns(listener: Listener<RunsState>): () => void {
    this.runsListeners.add(listener);
    return () => this.runsListeners.delete(listener);
  }

  onInfo(listener: Listener<ConnectionInfo>): () => void {
    this.infoListeners.add(listener);
    return () => this.infoListeners.delete(listener);
  }

  onEvent(listener: Listener<EngineEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Shows a state without a connection (e.g. the local daemon is inactive). */
  setInfo(info: ConnectionInfo): void {
    this.infoValue = info;
    for (const listener of this.infoListeners) listener(info);
  }

  /** When the event stream last carried something (an event or a keep-alive), epoch ms. */
  get heardAt(): number | undefined {
    return this.lastHeard;
  }

  private lastHeard: number | undefined;

  /** Connects, checks health, loads recent runs and starts following events. */
  /** `caFile`: the CA of an https orchestrator's certificate, when not one Node trusts. */
  async connect(mode: 'local' | 'remote', url: string, token: string, caFile?: string): Promise<void> {
    this.disconnect();
    const client = new OrchestratorClient(url.replace(/\/+$/, ''), token, { caFile });
    const health = await client.health();
    const seededAt = Date.now();
    const runs = await client.listRuns({ limit: this.keepRuns });
    this.client = client;
    this.lastHeard = Date.now();
    this.runsState = pruneRuns(withRuns(emptyRunsState, runs), this.keepRuns);
    this.emitRuns();
    this.connected(mode, url, { pid: health.pid, version: health.version, runsInFlight: health.runsInFlight });
    this.follow(client, seededAt);
  }

  private connected(mode: 'local' | 'remote', url: string, daemon: ConnectionHealth['daemon']): void {
    const health: ConnectionHealth = { daemon };
    this.setInfo({ mode, state: mode === 'local' ? 'active' : 'connected', url, detail: healthDetail(health), health });
  }

  /**
   * The event stream's connection changed: dropped, the view says the orchestrator is unreachable
   * (at once, not after the stream's retries give up); open again, its health is asked again (a
   * restarted daemon is another process) and it is shown connected.
   */
  private linkChanged(client: OrchestratorClient, link: StreamLink): void {
    if (this.client !== client) return;
    const info = this.infoValue;
    if (link.state === 'heard') {
      this.lastHeard = Date.now();
      return;
    }
    if (link.state === 'dropped') {
      const since = info.health?.droppedAt ?? Date.now();
      const health: ConnectionHealth = { ...info.health, droppedAt: since, dropReason: link.reason };
      if (info.health?.droppedAt !== undefined && info.health.dropReason === link.reason) return;
      this.log(`event stream dropped: ${link.reason}`);
      this.setInfo({ ...info, state: 'disconnected', detail: healthDetail(health), health });
      return;
    }
    this.lastHeard = Date.now();
    if (info.health?.droppedAt === undefined) return;
    void client.health().then(
      (health) => {
        if (this.client !== client) return;
        this.log(`event stream open again (pid ${health.pid})`);
        this.connected(info.mode, info.url ?? '', { pid: health.pid, version: health.version, runsInFlight: health.runsInFlight });
      },
      (error: unknown) => this.log(`health after the event stream reopened: ${(error as Error).message}`),
    );
  }

  disconnect(detail = 'not connected'): void {
    this.abort?.abort();
    this.abort = undefined;
    this.client = undefined;
    this.lastHeard = undefined;
    this.runsState = emptyRunsState;
    this.emitRuns();
    this.setInfo({ mode: this.infoValue.mode, state: this.infoValue.mode === 'local' ? 'inactive' : 'disconnected', detail });
  }

  /** Reloads one run from the API (after submitting or retrying it). */
  async refreshRun(runId: string): Promise<void> {
    if (!this.client) return;
    this.runsState = withRuns(this.runsState, [await this.client.getRun({ run: runId })]);
    this.emitRuns();
  }

  /**
   * FIXME: the API has no "current sequence number", so the stream is read from the start and
   * events older than the seed (already reflected in `GET /runs`) are skipped. A `?since=now`
   * on the daemon would save that replay.
   */
  private follow(client: OrchestratorClient, seededAt: number): void {
    const abort = new AbortController();
    this.abort = abort;
    client
      .follow(
        (streamed) => {
          const event = streamed.data as EngineEvent;
          if (event.at < seededAt) return;
          this.runsState = pruneRuns(reduceRunEvent(this.runsState, event), this.keepRuns);
          for (const listener of this.eventListeners) listener(event);
          this.emitRuns();
        },
        { signal: abort.signal, since: 0, onLink: (link) => this.linkChanged(client, link) },
      )
      .then(
        () => undefined,
        (error: unknown) => {
          if (abort.signal.aborted) return;
          this.log(`event stream ended: ${(error as Error).message}`);
          this.client = undefined;
          this.setInfo({ ...this.infoValue, state: 'error', detail: `event stream ended: ${(error as Error).message}` });
        },
      );
  }

  private emitRuns(): void {
    for (const listener of this.runsListeners) listener(this.runsState);
  }
}
