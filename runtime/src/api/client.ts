import type { RunSummary } from '../model/runSummary';
import type { RunStatus } from '../model/status';
import type { ServiceStatus } from '../services/serviceManager';
import type { ServiceSpecInput } from '../services/serviceSpec';
import { CodedError, ConflictError, ERROR_CODES, errorCodeForStatus, FencedError, InputError, NotFoundError, NothingToRetryError, UnprocessableError, type ErrorCode } from '../model/errorCodes';
import { ServiceError } from '../services/errors';
import { API_PREFIX } from './paths';
import type { ApiErrorBody, HealthAnswer, RunDetail, StreamEvent, SubmitRunRequest } from './protocol';

/** The HTTP status of each error the client rebuilt from an answer (so a caller can tell an answer from a failed connection). */
const answered = new WeakMap<CodedError, number>();

/** The status the orchestrator answered with, when `error` is its answer; undefined for anything else (a connection that failed, say). */
export function answerStatus(error: unknown): number | undefined {
  return error instanceof CodedError ? answered.get(error) : undefined;
}

/**
 * The error an answer stands for, rebuilt as the class its code names (a `nothing-to-retry`
 * answer is a {@link NothingToRetryError} here as it was in the daemon), with its message.
 * An answer without a known code gets the code its status stands for.
 */
export function errorFromAnswer(status: number, message: string, code: ErrorCode = errorCodeForStatus(status)): CodedError {
  const error = rebuild(code, message);
  answered.set(error, status);
  return error;
}

function rebuild(code: ErrorCode, message: string): CodedError {
  switch (code) {
    case 'invalid-input':
      return new InputError(message);
    case 'unprocessable':
      return new UnprocessableError(message);
    case 'not-found':
      return new NotFoundError(message);
    case 'conflict':
      return new ConflictError(message);
    case 'nothing-to-retry':
      return new NothingToRetryError(message);
    case 'fenced':
      return new FencedError(message);
    case 'invalid-spec':
    case 'invalid-argument':
    case 'unknown-service':
    case 'io':
      return new ServiceError(message, code);
    default:
      return new CodedError(code, message);
  }
}

/** The one typed client of the orchestrator's API, used by the CLI and the editor. */
export class OrchestratorClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** `signal` bounds the wait (a first contact with a remote orchestrator uses a timeout). */
  async health(signal?: AbortSignal): Promise<HealthAnswer> {
    return (await (await this.fetch('GET', '/health', undefined, signal)).json()) as HealthAnswer;
  }

  submitRun(request: SubmitRunRequest): Promise<RunDetail> {
    return this.json('POST', '/runs', request);
  }

  /** Newest first; `statuses` keeps runs in any of them. */
  listRuns(query: { limit?: number; pipeline?: string; statuses?: readonly RunStatus[] } = {}): Promise<RunDetail[]> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.pipeline !== undefined) params.set('pipeline', query.pipeline);
    if (query.statuses !== undefined && query.statuses.length > 0) params.set('status', query.statuses.join(','));
    return this.json('GET', `/runs${params.size > 0 ? `?${params}` : ''}`);
  }

  /** `signal` bounds the wait. */
  getRun(run: string, signal?: AbortSignal): Promise<RunDetail> {
    return this.json('GET', `/runs/${encodeURIComponent(run)}`, undefined, signal);
  }

  cancelRun(run: string, signal?: AbortSignal): Promise<{ cancelling: string }> {
    return this.json('POST', `/runs/${encodeURIComponent(run)}/cancel`, undefined, signal);
  }

  /** Re-runs what did not succeed (or `step` and its downstream), reusing committed outputs. */
  retryRun(run: string, step?: string): Promise<RunDetail> {
    return this.json('POST', `/runs/${encodeURIComponent(run)}/retry`, step === undefined ? {} : { step });
  }

  logs(run: string, step?: string, attempt?: number): Promise<{ step: string | null; attempt: number | null; stream: string; text: string; at: number }[]> {
    const params = new URLSearchParams();
    if (step !== undefined) params.set('step', step);
    if (attempt !== undefined) params.set('attempt', String(attempt));
    return this.json('GET', `/runs/${encodeURIComponent(run)}/logs${params.size > 0 ? `?${params}` : ''}`);
  }

  async artifact(run: string, step: string, output = 'output'): Promise<{ bytes: Buffer; materializer: string }> {
    const response = await this.fetch('GET', `/runs/${encodeURIComponent(run)}/artifacts/${encodeURIComponent(step)}/${encodeURIComponent(output)}`);
    return { bytes: Buffer.from(await response.arrayBuffer()), materializer: response.headers.get('x-pipewright-materializer') ?? '' };
  }

  listServices(): Promise<ServiceStatus[]> {
    return this.json('GET', '/services');
  }

  startService(spec: ServiceSpecInput): Promise<ServiceStatus> {
    return this.json('POST', '/services', spec);
  }

  serviceStatus(name: string): Promise<ServiceStatus> {
    return this.json('GET', `/services/${encodeURIComponent(name)}`);
  }

  stopService(name: string): Promise<ServiceStatus> {
    return this.json('POST', `/services/${encodeURIComponent(name)}/stop`);
  }

  serviceLogs(name: string, tail?: number): Promise<{ name: string; text: string }> {
    return this.json('GET', `/services/${encodeURIComponent(name)}/logs${tail === undefined ? '' : `?tail=${tail}`}`);
  }

  shutdown(): Promise<{ stopping: boolean }> {
    return this.json('POST', '/shutdown');
  }

  /** Asks the daemon to resume, now, every run whose engine is gone; answers the ids it resumed. */
  resumeAbandoned(): Promise<{ resumed: string[] }> {
    return this.json('POST', '/resume');
  }

  /**
   * Follows the event stream, reconnecting after a drop and resuming after the last event seen,
   * until `onEvent` returns true or `signal` aborts.
   */
  async follow(onEvent: (event: StreamEvent) => boolean | void, options: { runId?: string; since?: number; signal?: AbortSignal } = {}): Promise<void> {
    let last = options.since ?? 0;
    for (let failures = 0; !options.signal?.aborted; ) {
      try {
        const params = new URLSearchParams({ since: String(last) });
        if (options.runId) params.set('run', options.runId);
        const response = await this.fetch('GET', `/events?${params}`, undefined, options.signal);
        failures = 0;
        const reader = response.body?.getReader();
        if (!reader) return;
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = parseSse(block);
            if (!event) continue;
            last = event.seq;
            if (onEvent(event) === true) {
              await reader.cancel();
              return;
            }
          }
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        const status = answerStatus(error);
        if (status !== undefined && status < 500) throw error;
        if (++failures > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * failures)));
      }
    }
  }

  private async json<T>(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(method, route, body, signal);
    return (await response.json()) as T;
  }

  private async fetch(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${API_PREFIX}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      let code: ErrorCode | undefined;
      try {
        const body = JSON.parse(text) as Partial<ApiErrorBody>;
        message = body.error ?? text;
        if (typeof body.code === 'string' && Object.hasOwn(ERROR_CODES, body.code)) code = body.code as ErrorCode;
      } catch {
        // Not JSON: keep the text.
      }
      throw errorFromAnswer(response.status, message, code);
    }
    return response;
  }
}

function parseSse(block: string): StreamEvent | undefined {
  let id: number | undefined;
  let type = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (id === undefined || data === '') return undefined;
  const parsed = JSON.parse(data) as { runId?: string };
  return { seq: id, type, runId: parsed.runId ?? null, data: parsed };
}

export type { RunSummary };
