import type * as http from 'node:http';

/** An error that becomes an HTTP answer with this status and message (and a machine-readable code, when given). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
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
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`));
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
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
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
        reject(new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`));
      }
    });
    request.on('error', reject);
  });
}
