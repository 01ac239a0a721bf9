/** The worker's HTTP calls to its orchestrator (JSON, or an artifact's raw bytes; bearer token); a refusal as fenced is its own error. */
import { API_PREFIX } from '../api/paths';
import { fetchFor, type Fetch, type TrustOptions } from '../api/trustedFetch';
import { ARTIFACT_BYTES_TYPE } from '../model/workerProtocol';

export class FencedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FencedAnswer';
  }
}

export class OrchestratorWire {
  private readonly send: Fetch;

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    trust: TrustOptions = {},
  ) {
    this.send = fetchFor(trust);
  }

  /** The raw bytes at `path` as they arrive (an artifact: the caller checks them). */
  async download(path: string, timeoutMs = 3600_000): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.send(`${this.baseUrl}${API_PREFIX}${path}`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      const text = await response.text();
      if (response.status === 409) throw new FencedAnswer(errorOf(text));
      throw new Error(`GET ${path}: HTTP ${response.status}: ${errorOf(text)}`);
    }
    if (!response.body) return (async function* () {})();
    return response.body as unknown as AsyncIterable<Uint8Array>;
  }

  /** Sends raw bytes (an artifact, {@link ARTIFACT_BYTES_TYPE}) to `path`. */
  async upload(path: string, bytes: Uint8Array, timeoutMs = 3600_000): Promise<void> {
    const response = await this.send(`${this.baseUrl}${API_PREFIX}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': ARTIFACT_BYTES_TYPE },
      body: bytes,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status === 409) throw new FencedAnswer(errorOf(text));
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status}: ${errorOf(text)}`);
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const response = await this.send(`${this.baseUrl}${API_PREFIX}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status === 409) throw new FencedAnswer(errorOf(text));
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${errorOf(text)}`);
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? JSON.parse(text) : text) as T;
  }
}

function errorOf(text: string): string {
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    return text;
  }
}
