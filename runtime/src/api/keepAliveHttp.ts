/**
 * Requests over `node:http` / `node:https` on connections kept open between calls: the wire of a
 * process that calls one server many times a second (a worker and its orchestrator). The
 * built-in `fetch` costs about three times as much per call (measured on loopback: 0.34–0.45 ms
 * against 0.10–0.15 ms), which a worker pays several times per step.
 *
 * A kept connection the server closed while it was idle fails the next request sent on it
 * (ECONNRESET before any answer): that request is sent again once, on a new connection; callers
 * send only requests that are safe to repeat. Idle connections are closed by this side first,
 * well before the daemon's keep-alive timeout (60 s).
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** What is sent: a method, headers and a body of text or bytes. */
export interface KeepAliveRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Sends a request to `url` and resolves with the answer as it starts to arrive (its body is the message's stream). */
export type KeepAliveSend = (url: string, request: KeepAliveRequest, timeoutMs: number) => Promise<http.IncomingMessage>;

/** An idle connection is closed after this long (the daemon keeps one for 60 s). */
const IDLE_CLOSE_MS = 20_000;

/** No answer, or no end of it, within the timeout. */
export class RequestTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(url: string, timeoutMs: number) {
    super(`no answer from ${url} within ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

/**
 * A sender with its own pool of kept connections; `ca`: the only CA an `https:` server's
 * certificate may be signed by (none: Node's CA list). The timeout covers the whole exchange:
 * once it passes, the request and its answer's stream are destroyed with a {@link RequestTimeout}.
 */
export function keepAliveSender(ca?: Buffer): KeepAliveSend {
  const plain = new http.Agent({ keepAlive: true, timeout: IDLE_CLOSE_MS });
  const secure = new https.Agent({ keepAlive: true, timeout: IDLE_CLOSE_MS, ...(ca ? { ca } : {}) });
  const sendOnce = (url: URL, request: KeepAliveRequest, timeoutMs: number) =>
    new Promise<{ answer?: http.IncomingMessage; resetOnReuse?: Error }>((resolve, reject) => {
      const body = request.body;
      const headers = body === undefined ? request.headers : { ...request.headers, 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) };
      const client = url.protocol === 'https:' ? https : http;
      const sent = client.request(url, { method: request.method, headers, agent: url.protocol === 'https:' ? secure : plain });
      const timer = setTimeout(() => sent.destroy(new RequestTimeout(url.href, timeoutMs)), timeoutMs);
      sent.on('response', (answer) => {
        answer.on('close', () => clearTimeout(timer));
        resolve({ answer });
      });
      sent.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // The server had closed this kept connection: nothing of the request was taken.
        if (sent.reusedSocket && error.code === 'ECONNRESET') resolve({ resetOnReuse: error });
        else reject(error);
      });
      sent.end(body);
    });
  return async (url, request, timeoutMs) => {
    const target = new URL(url);
    // Each kept connection may have been closed: after a few, a new one is certain.
    for (let tries = 1; ; tries++) {
      const { answer, resetOnReuse } = await sendOnce(target, request, timeoutMs);
      if (answer) return answer;
      if (tries === 3) throw resetOnReuse;
    }
  };
}

/** The whole body of an answer, as text. */
export async function answerText(answer: http.IncomingMessage): Promise<string> {
  answer.setEncoding('utf8');
  let text = '';
  for await (const chunk of answer) text += chunk as string;
  return text;
}
