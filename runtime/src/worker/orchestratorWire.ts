/**
 * The worker's HTTP calls to its orchestrator (JSON, or an artifact's raw bytes; bearer token); a
 * refusal as fenced is its own error. Given several daemons of one store (a leader and its
 * replicas, which forward to it), a call that cannot reach one (no connection, a timeout, a
 * 503: a replica with no leader yet, or a 502: its leader went away mid-request) moves on to the
 * next, and the worker stays with the first that answers.
 */
import type { IncomingMessage } from 'node:http';
import { answerText, keepAliveSender, RequestTimeout, type KeepAliveRequest, type KeepAliveSend } from '../api/keepAliveHttp';
import { API_PREFIX } from '../api/paths';
import { readCaFile, type TrustOptions } from '../api/trustedFetch';
import { ARTIFACT_BYTES_TYPE } from '../model/workerProtocol';

export class FencedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FencedAnswer';
  }
}

/** No daemon was reached (each one's failure is in the message). */
class UnreachableAnswer extends Error {}

/** A daemon answered with a failure status (other than a fence's 409). */
class FailedAnswer extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Whether a call may succeed if made again: no daemon was reached, or one failed on its side
 * (5xx: its store, say). A refusal of the request itself (4xx) or a fence would be answered the same.
 */
export function mayHealOnRetry(error: unknown): boolean {
  return error instanceof UnreachableAnswer || (error instanceof FailedAnswer && error.status >= 500);
}

export class OrchestratorWire {
  private readonly send: KeepAliveSend;
  /** The daemon tried first (the last one that answered). */
  private current = 0;

  constructor(
    private readonly baseUrls: readonly string[],
    private readonly token: string,
    trust: TrustOptions = {},
  ) {
    if (baseUrls.length === 0) throw new Error('a worker needs at least one orchestrator URL');
    this.send = keepAliveSender(trust.caFile === undefined ? undefined : readCaFile({ ...trust, caFile: trust.caFile }));
  }

  /** The daemon the next call goes to first. */
  get baseUrl(): string {
    return this.baseUrls[this.current]!;
  }

  /** The raw bytes at `path` as they arrive (an artifact: the caller checks them). */
  async download(path: string, timeoutMs = 3600_000): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.reach(path, { method: 'GET', headers: {} }, timeoutMs);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const text = await answerText(response);
      if (status === 409) throw new FencedAnswer(errorOf(text));
      throw new FailedAnswer(`GET ${path}: HTTP ${status}: ${errorOf(text)}`, status);
    }
    return response;
  }

  /** Sends raw bytes (an artifact, {@link ARTIFACT_BYTES_TYPE}) to `path`. */
  async upload(path: string, bytes: Uint8Array, timeoutMs = 3600_000): Promise<void> {
    const response = await this.reach(path, { method: 'POST', headers: { 'content-type': ARTIFACT_BYTES_TYPE }, body: bytes }, timeoutMs);
    const text = await answerText(response);
    const status = response.statusCode ?? 0;
    if (status === 409) throw new FencedAnswer(errorOf(text));
    if (status < 200 || status > 299) throw new FailedAnswer(`POST ${path}: HTTP ${status}: ${errorOf(text)}`, status);
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const response = await this.reach(path, { method, ...(body === undefined ? { headers: {} } : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) }, timeoutMs);
    const text = await answerText(response);
    const status = response.statusCode ?? 0;
    if (status === 409) throw new FencedAnswer(errorOf(text));
    if (status < 200 || status > 299) throw new FailedAnswer(`${method} ${path}: HTTP ${status}: ${errorOf(text)}`, status);
    const type = response.headers['content-type'] ?? '';
    return (type.includes('json') ? JSON.parse(text) : text) as T;
  }

  /** The answer of the first daemon, from the current one on, that is reached and is not a replica without a leader; it is current from then on. */
  private async reach(path: string, request: KeepAliveRequest, timeoutMs: number): Promise<IncomingMessage> {
    const failures: string[] = [];
    for (let tried = 0; tried < this.baseUrls.length; tried++) {
      const index = (this.current + tried) % this.baseUrls.length;
      const baseUrl = this.baseUrls[index]!;
      let response: IncomingMessage;
      try {
        response = await this.send(`${baseUrl}${API_PREFIX}${path}`, { ...request, headers: { authorization: `Bearer ${this.token}`, ...request.headers } }, timeoutMs);
      } catch (error) {
        failures.push(`${baseUrl}: ${causeOf(error)}`);
        continue;
      }
      // A replica with no leader (503), or whose leader went away mid-request (502; the worker's
      // calls are all safe to repeat: beats, content-addressed uploads, a result the leader takes once).
      if ((response.statusCode === 503 || response.statusCode === 502) && this.baseUrls.length > 1) {
        failures.push(`${baseUrl}: HTTP ${response.statusCode}: ${errorOf(await answerText(response))}`);
        continue;
      }
      this.current = index;
      return response;
    }
    // The next call starts with the next daemon.
    this.current = (this.current + 1) % this.baseUrls.length;
    throw new UnreachableAnswer(failures.length === 1 ? failures[0]!.replace(/^[^ ]+: /, '') : failures.join('; '));
  }
}

/** Why a daemon was not reached: the system's code (ECONNREFUSED, say), or the timeout that passed. */
function causeOf(error: unknown): string {
  if (error instanceof RequestTimeout) return error.message;
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function errorOf(text: string): string {
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    return text;
  }
}
