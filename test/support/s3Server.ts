// A local S3-compatible server for tests: s3rver (the `@20minutes/s3rver` fork, a devDependency),
// in this process on loopback, its buckets in a temporary folder. It stands in for the real
// service: the store speaks to it through the AWS SDK exactly as to AWS (signed requests,
// multipart uploads, copies, listings), with static test credentials.
import { createRequire } from 'node:module';
import { after } from 'node:test';
import { tempDir } from './tempDir';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  /** Its Koa middleware, in order. */
  middleware: ((ctx: { method: string; url: string; status: number; body: unknown; type: string }, next: () => Promise<void>) => Promise<void>)[];
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
  allowMismatchedSignatures: boolean;
}) => S3rverInstance;

/** The credentials s3rver accepts; put in this process's environment, which child processes inherit. */
export const S3_TEST_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

export interface S3TestServer {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Buckets it has (created at start). */
  buckets: string[];
  /** Every request it was sent (`PUT /bucket/key?partNumber=1&uploadId=...`), in order. */
  requests: string[];
  /** Stops it now (idempotent): an unreachable endpoint from here on. */
  stop(): Promise<void>;
  /** Answers the next `times` requests that match (`PUT /bucket/key...`) with a 500 InternalError, as a failing service would. */
  failNext(match: RegExp, times: number): void;
}

/** Starts a server with `buckets`, stopped when the test file ends. */
export async function startS3Server(buckets: string[] = ['pipewright-test']): Promise<S3TestServer> {
  Object.assign(process.env, S3_TEST_CREDENTIALS);
  const S3rver = createRequire(__filename)('@20minutes/s3rver') as S3rverClass;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: tempDir('pipewright-s3-'),
    configureBuckets: buckets.map((name) => ({ name })),
    // Requests must still be signed, with its access key; but s3rver signs a bucket's own URL as
    // `/bucket` where the SDK (like AWS) signs `/bucket/`, so it would refuse every listing.
    allowMismatchedSignatures: true,
  });
  const requests: string[] = [];
  const faults: { match: RegExp; left: number }[] = [];
  // s3rver keeps objects as files in folders, and a DELETE removes the folders it emptied with a
  // recursive rm: a PUT that creates its folder in between loses its object with a 200 answer
  // (test/unit/testSupport/s3Server.test.ts). Real S3 has no folders, so writes here take turns.
  let writes: Promise<void> = Promise.resolve();
  const inTurn = (handle: () => Promise<void>) => {
    const turn = writes.then(handle);
    writes = turn.catch(() => undefined);
    return turn;
  };
  server.middleware.unshift(async (ctx, next) => {
    const request = `${ctx.method} ${ctx.url}`;
    requests.push(request);
    const fault = faults.find((f) => f.left > 0 && f.match.test(request));
    if (!fault) return ctx.method === 'GET' || ctx.method === 'HEAD' ? next() : inTurn(next);
    fault.left -= 1;
    ctx.status = 500;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected by the test</Message></Error>';
  });
  const { port } = await server.run();
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= server.close());
  after(stop);
  return { endpoint: `http://127.0.0.1:${port}`, buckets, requests, stop, failNext: (match, times) => faults.push({ match, left: times }) };
}
