/** The worker's HTTP calls to its orchestrator (JSON, bearer token); a refusal as fenced is its own error. */
import { API_PREFIX } from '../api/paths';
import { fetchFor, type Fetch, type TrustOptions } from '../api/trustedFetch';

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
