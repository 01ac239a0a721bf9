/**
 * HTTPS to an orchestrator whose certificate is signed by a CA of one's own (`--ca-file F`,
 * `$PIPEWRIGHT_ORCHESTRATOR_CA_FILE`, the extension's `pipewright.orchestrator.caFile`): a
 * `fetch` that trusts that CA, over `node:https` (Node's built-in `fetch` takes no CA). Without a
 * CA file the built-in `fetch` is used, trusting Node's CA list (and `$NODE_EXTRA_CA_CERTS`).
 * The certificate must still name the host of the URL.
 */
import * as fs from 'node:fs';
import type * as https from 'node:https';
import { InputError } from '../model/errorCodes';

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** What a client trusts beyond Node's CA list. */
export interface TrustOptions {
  /** A PEM file of the CA (or CAs) that signed the orchestrator's certificate. */
  caFile?: string;
  /** Where `caFile` came from, as its errors name it (default `--ca-file`). */
  caFileSource?: string;
}

/** The `fetch` a client uses: the built-in one, or one trusting `caFile` (read now: a bad file is bad input naming it). */
export function fetchFor(trust: TrustOptions = {}): Fetch {
  if (trust.caFile === undefined) return (url, init) => fetch(url, init);
  return fetchTrusting(readCaFile({ ...trust, caFile: trust.caFile }));
}

/** The PEM of `trust.caFile`; a file that cannot be read, or is no certificate, is bad input naming it. */
export function readCaFile(trust: TrustOptions & { caFile: string }): Buffer {
  let ca: Buffer;
  try {
    ca = fs.readFileSync(trust.caFile);
  } catch (error) {
    throw new InputError(`${trust.caFileSource ?? '--ca-file'} ${trust.caFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new InputError(`${trust.caFileSource ?? '--ca-file'} ${trust.caFile}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  return ca;
}

/**
 * A `fetch` for `https:` URLs that trusts `ca` only (plain `http:` goes to the built-in one).
 * `node:https` (and TLS under it) is loaded by the first such request, not with every client:
 * the extension's activation and the CLI's start-up load this module.
 */
export function fetchTrusting(ca: Buffer): Fetch {
  let loaded: Promise<{ https: typeof https; Readable: typeof import('node:stream').Readable; agent: https.Agent }> | undefined;
  const load = () => (loaded ??= Promise.all([import('node:https'), import('node:stream')]).then(([https, { Readable }]) => ({ https, Readable, agent: new https.Agent({ ca, keepAlive: true }) })));
  return async (url, init = {}) => {
    const target = new URL(url);
    if (target.protocol !== 'https:') return fetch(url, init);
    const { https, Readable, agent } = await load();
    return new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' || init.body instanceof Uint8Array ? init.body : undefined;
      // A stream (a replica forwarding an upload as it arrives) goes on as it comes.
      const streamed = body === undefined && init.body !== null && typeof init.body === 'object' && Symbol.asyncIterator in init.body ? (init.body as unknown as AsyncIterable<Uint8Array>) : undefined;
      if (init.body !== undefined && init.body !== null && body === undefined && streamed === undefined) throw new TypeError('only text, bytes and streams are sent over a CA-file connection');
      if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      const request = https.request(target, { method: init.method ?? 'GET', agent, headers, ...(init.signal ? { signal: init.signal } : {}) }, (response) => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) for (const one of [value ?? []].flat()) answerHeaders.append(name, one);
        const status = response.statusCode ?? 502;
        const stream = status === 204 || status === 304 ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status, statusText: response.statusMessage ?? '', headers: answerHeaders }));
      });
      // As the built-in fetch fails: a TypeError whose cause is the system's error (its code says why).
      request.on('error', (error) => reject(init.signal?.aborted ? (init.signal.reason ?? error) : new TypeError('fetch failed', { cause: error })));
      if (streamed) Readable.from(streamed).on('error', (error) => request.destroy(error)).pipe(request);
      else request.end(body);
    });
  };
}
