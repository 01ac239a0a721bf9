/**
 * The extension's one connection to an orchestrator (the local daemon of the workspace's store,
 * or a remote one): health, seeding the runs from the API, then following the event stream,
 * which is what keeps the views live (pushed, never polled). No vscode.
 */
import type { EngineEvent } from '../../runtime/src/model/events';
import { OrchestratorClient } from '../../runtime/src/api/client';
import { emptyRunsState, pruneRuns, reduceRunEvent, withRuns, type RunsState } from './runState';
import type { OrchestratorState } from './statusText';

export interface ConnectionInfo {
  mode: 'local' | 'remote';
  state: OrchestratorState;
  url?: string;
  detail: string;
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

  /** Connects, checks health, loads recent runs and starts following events. */
  /** `caFile`: the CA of an https orchestrator's certificate, when not one Node trusts. */
  async connect(mode: 'local' | 'remote', url: string, token: string, caFile?: string): Promise<void> {
    this.disconnect();
    const client = new OrchestratorClient(url.replace(/\/+$/, ''), token, { caFile });
    const health = await client.health();
    const seededAt = Date.now();
    const runs = await client.listRuns({ limit: this.keepRuns });
    this.client = client;
    this.runsState = pruneRuns(withRuns(emptyRunsState, runs), this.keepRuns);
    this.emitRuns();
    this.setInfo({ mode, state: mode === 'local' ? 'active' : 'connected', url, detail: `pid ${health.pid}, ${health.runsInFlight} run(s) in flight, version ${health.version}` });
    this.follow(client, seededAt);
  }

  disconnect(detail = 'not connected'): void {
    this.abort?.abort();
    this.abort = undefined;
    this.client = undefined;
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
        { signal: abort.signal, since: 0 },
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
