import type * as http from 'node:http';
import { CodedError, errorCodeOf, httpStatusOf, InputError } from '../model/errorCodes';

/** Sends `error` as `{ error, code }` with the status its code stands for (`errorCodes.ts`). */
export function sendError(response: http.ServerResponse, error: unknown): void {
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  sendJson(response, httpStatusOf(error), { error: code === 'internal' ? `internal error: ${message}` : message, code });
}

/** One path segment, percent-decoded; a malformed escape is the request's fault. */
export function decodeSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InputError(`${what} "${segment.length > 80 ? `${segment.slice(0, 77)}...` : segment}" is not valid percent-encoded UTF-8`);
  }
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

/** Reads a JSON body of at most `limit` bytes; 413 beyond, 400 when it is not JSON. */
export function readJson(request: http.IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new CodedError('too-large', `request body of ${declared} bytes exceeds the limit of ${limit}`));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !failed) {
        failed = true;
        reject(new CodedError('too-large', `request body exceeds the limit of ${limit} bytes`));
      }
      if (!failed) chunks.push(chunk);
    });
    request.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new InputError(`request body is not valid JSON: ${(error as Error).message}`));
      }
    });
    request.on('error', reject);
  });
}
