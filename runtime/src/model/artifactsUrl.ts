/**
 * Where a store keeps artifacts besides its folder: an S3-compatible bucket, `s3://bucket/prefix`
 * (`server start --artifacts`, `PIPEWRIGHT_ARTIFACTS_URL`), with an optional endpoint for a
 * service other than AWS's (`--s3-endpoint`, `PIPEWRIGHT_S3_ENDPOINT`). Parsed and checked here
 * once; messages name where a bad value came from.
 */
import { InputError } from './errorCodes';

export interface S3Location {
  bucket: string;
  /** The keys' prefix: empty, or ending with `/`. */
  prefix: string;
  /** An S3-compatible service's URL (`http://127.0.0.1:9000`); none: AWS's, from the region. */
  endpoint?: string;
}

/** Bucket names as S3 allows them (3 to 63 lowercase letters, digits, dots and hyphens). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix` (and an endpoint URL) as a location; throws an Error saying what is wrong, after `what` (where it came from). */
export function parseS3Location(url: string, what: string, endpoint?: string, endpointWhat = 'the S3 endpoint'): S3Location {
  const match = /^s3:\/\/([^/?#]*)\/?([^?#]*)$/.exec(url.trim());
  if (!match) throw new InputError(`${what}: "${url}" is not an s3://bucket/prefix URL (the only artifact store besides the store folder)`);
  const bucket = match[1]!;
  if (!BUCKET.test(bucket)) throw new InputError(`${what}: "${bucket}" in ${url} is no S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)`);
  const parts = match[2]!.split('/').filter((part) => part !== '');
  if (parts.some((part) => part === '.' || part === '..')) throw new InputError(`${what}: the prefix of ${url} may not have "." or ".." parts`);
  const location: S3Location = { bucket, prefix: parts.length === 0 ? '' : `${parts.join('/')}/` };
  if (endpoint === undefined) return location;
  let parsed: URL;
  try {
    parsed = new URL(endpoint.trim());
  } catch {
    throw new InputError(`${endpointWhat}: "${endpoint}" is not a URL (expected http://host:port or https://host)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InputError(`${endpointWhat}: "${endpoint}" must start with http:// or https://`);
  return { ...location, endpoint: parsed.href.replace(/\/+$/, '') };
}

/** The location as messages show it: `s3://bucket/prefix` and, when not AWS's, the endpoint. */
export function describeS3Location(location: S3Location): string {
  return `s3://${location.bucket}/${location.prefix}${location.endpoint === undefined ? '' : ` at ${location.endpoint}`}`;
}
