/**
 * Every `PIPEWRIGHT_*` environment variable the runtime, the language server and the extension
 * read, each parsed here once, by one rule; a malformed value is a {@link SettingError} naming the
 * variable. Each reader takes the environment as an argument (default: this process's).
 */
import { InputError } from './errorCodes';
import { parseS3Location, type S3Location } from './artifactsUrl';
import { storeUrlProblem } from './storeUrl';

/** A malformed setting (an environment variable or a daemon option); the message names which. Bad input: exit 2. */
export class SettingError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

export const ENV = {
  /** The store folder (default: `.pipewright` at the project root). */
  store: 'PIPEWRIGHT_STORE',
  /** A PostgreSQL database for runs and events instead of the embedded SQLite store (`postgres://user@host:port/db`). */
  storeUrl: 'PIPEWRIGHT_STORE_URL',
  /** An S3-compatible bucket for artifacts (`s3://bucket/prefix`) besides the store folder; credentials and region are the AWS SDK's usual ones (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_PROFILE`, ...). */
  artifactsUrl: 'PIPEWRIGHT_ARTIFACTS_URL',
  /** The URL of an S3-compatible service other than AWS's (MinIO, Ceph, ...) for `PIPEWRIGHT_ARTIFACTS_URL`. */
  s3Endpoint: 'PIPEWRIGHT_S3_ENDPOINT',
  /** Refuse to run steps lacking type annotations: `1`, `true`, `yes`, `on` (or `0`, `false`, `no`, `off`). */
  enforceTypeAnnotations: 'PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS',
  /** Default seconds between heartbeats. */
  heartbeatInterval: 'PIPEWRIGHT_HEARTBEAT_INTERVAL',
  /** Default seconds without a heartbeat before an attempt is lost. */
  heartbeatTimeout: 'PIPEWRIGHT_HEARTBEAT_TIMEOUT',
  /** Concurrency limits: `global=8,gpu=1`. */
  limits: 'PIPEWRIGHT_LIMITS',
  /** Where a daemon runs attempts: `local` (runner processes of its machine, the default) or `remote` (`pipewright worker` processes). */
  workers: 'PIPEWRIGHT_WORKERS',
  /** The token a daemon requires (default: a random one it writes to its folder). */
  serverToken: 'PIPEWRIGHT_SERVER_TOKEN',
  /** The token the daemon's runners and workers use (default: a random one in `<store>/server/runner-token`); a container's from a Secret. */
  runnerToken: 'PIPEWRIGHT_RUNNER_TOKEN',
  /** Seconds a daemon started on demand waits idle before it stops (`0` or `off`: never). */
  daemonIdleTimeout: 'PIPEWRIGHT_DAEMON_IDLE_TIMEOUT',
  /** Idle runner processes kept ready. */
  runnerWarm: 'PIPEWRIGHT_RUNNER_WARM',
  /** Seconds an idle runner beyond the warm ones lives. */
  runnerIdleTimeout: 'PIPEWRIGHT_RUNNER_IDLE_TIMEOUT',
  /** What a runner process is given by its pool (JSON; internal). */
  runnerConfig: 'PIPEWRIGHT_RUNNER_CONFIG',
  /** A remote orchestrator's URL (CLI `--orchestrator`). */
  orchestratorUrl: 'PIPEWRIGHT_ORCHESTRATOR_URL',
  /** A remote orchestrator's token. */
  orchestratorToken: 'PIPEWRIGHT_ORCHESTRATOR_TOKEN',
  /** The CA (PEM file) that signed an HTTPS orchestrator's certificate (CLI `--ca-file`). */
  orchestratorCaFile: 'PIPEWRIGHT_ORCHESTRATOR_CA_FILE',
  /** Where the other daemons of a shared store reach this one's API (default: its listening address; a pod's own IP in Kubernetes). */
  advertiseUrl: 'PIPEWRIGHT_ADVERTISE_URL',
  /** The folder of V8's code cache on Node before 22.1 (`off`: none; system/codeCache.ts). */
  codeCache: 'PIPEWRIGHT_CODE_CACHE',
} as const;

export type Environment = Readonly<Record<string, string | undefined>>;

/** The variable's value, trimmed; undefined when unset or blank. */
function valueOf(env: Environment, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

/** `PIPEWRIGHT_STORE` as given (resolved by `api/storeFolder.ts`), if set. */
export function storeFromEnv(env: Environment = process.env): string | undefined {
  return env[ENV.store] || undefined;
}

/** `PIPEWRIGHT_ORCHESTRATOR_CA_FILE`, if set: the CA an HTTPS orchestrator's certificate is signed by (a replica trusts it to reach its leader). */
export function orchestratorCaFileFromEnv(env: Environment = process.env): string | undefined {
  return env[ENV.orchestratorCaFile] || undefined;
}

/** `PIPEWRIGHT_STORE_URL`, checked to be a PostgreSQL URL (a bad one is named without its password), if set. */
export type WorkersMode = 'local' | 'remote';

/** `local` or `remote` (`what` names where the value came from). */
export function parseWorkersMode(text: string, what: string): WorkersMode {
  if (text === 'local' || text === 'remote') return text;
  throw new SettingError(`${what}: "${text}" is not local or remote`);
}

export function workersModeFromEnv(env: Environment = process.env): WorkersMode {
  const text = valueOf(env, ENV.workers);
  return text === undefined ? 'local' : parseWorkersMode(text, ENV.workers);
}

export function storeUrlFromEnv(env: Environment = process.env): string | undefined {
  const url = valueOf(env, ENV.storeUrl);
  if (url === undefined) return undefined;
  const problem = storeUrlProblem(url);
  if (problem) throw new SettingError(`${ENV.storeUrl}: ${problem}`);
  return url;
}

/** `PIPEWRIGHT_ARTIFACTS_URL` (with `PIPEWRIGHT_S3_ENDPOINT`) as a location, if set. */
export function artifactsLocationFromEnv(env: Environment = process.env): S3Location | undefined {
  const url = valueOf(env, ENV.artifactsUrl);
  const endpoint = valueOf(env, ENV.s3Endpoint);
  if (url === undefined) {
    if (endpoint !== undefined) throw new SettingError(`${ENV.s3Endpoint} is set but ${ENV.artifactsUrl} is not: name the bucket (s3://bucket/prefix)`);
    return undefined;
  }
  try {
    return parseS3Location(url, ENV.artifactsUrl, endpoint, ENV.s3Endpoint);
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** Whether `PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS` turns enforcement on (unset or blank: off). */
export function enforceTypeAnnotationsFromEnv(env: Environment = process.env): boolean {
  const text = valueOf(env, ENV.enforceTypeAnnotations);
  if (text === undefined || FALSE.test(text)) return false;
  if (TRUE.test(text)) return true;
  throw new SettingError(`${ENV.enforceTypeAnnotations}: "${env[ENV.enforceTypeAnnotations]}" is not on or off (1, true, yes, on / 0, false, no, off)`);
}

/** A number the variable must hold, by `valid`; undefined when unset or blank. */
function numberFromEnv(env: Environment, name: string, valid: (value: number) => boolean, expected: string): number | undefined {
  const text = valueOf(env, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!valid(value)) throw new SettingError(`${name}: "${env[name]}" is not ${expected}`);
  return value;
}

const positiveSeconds = (value: number) => Number.isFinite(value) && value > 0;

/** Heartbeat defaults from `PIPEWRIGHT_HEARTBEAT_INTERVAL` and `PIPEWRIGHT_HEARTBEAT_TIMEOUT` (seconds > 0). */
export function heartbeatFromEnv(env: Environment = process.env): { interval?: number; timeout?: number } {
  const interval = numberFromEnv(env, ENV.heartbeatInterval, positiveSeconds, 'a number of seconds (> 0)');
  const timeout = numberFromEnv(env, ENV.heartbeatTimeout, positiveSeconds, 'a number of seconds (> 0)');
  return { ...(interval === undefined ? {} : { interval }), ...(timeout === undefined ? {} : { timeout }) };
}

/** Concurrency limits: how many attempts may run at once, overall and per named limit. */
export interface ConcurrencyLimits {
  /** Attempts running at once across every run (default: unlimited). */
  global?: number;
  /** Named limits that steps opt into with `limits: ['gpu']`. */
  named?: Record<string, number>;
}

/** Limits written `global=8,gpu=1` (`PIPEWRIGHT_LIMITS`, `--limit`); a malformed entry is an error naming `what`. */
export function parseLimits(text: string, what: string): ConcurrencyLimits {
  if (!text.trim()) return {};
  const limits: ConcurrencyLimits = { named: {} };
  for (const entry of text.trim().split(',')) {
    const match = /^\s*([A-Za-z_][\w-]*)\s*=\s*(\d+)\s*$/.exec(entry);
    if (!match || Number(match[2]) < 1) throw new SettingError(`${what}: "${entry}" is not name=positive-integer`);
    if (match[1] === 'global') limits.global = Number(match[2]);
    else (limits.named as Record<string, number>)[match[1]] = Number(match[2]);
  }
  return limits;
}

/** Limits from `PIPEWRIGHT_LIMITS` (`global=8,gpu=1`). */
export function limitsFromEnv(env: Environment = process.env): ConcurrencyLimits {
  return parseLimits(env[ENV.limits] ?? '', ENV.limits);
}

/** `PIPEWRIGHT_ADVERTISE_URL`, checked to be an http(s) URL, if set. */
export function advertiseUrlFromEnv(env: Environment = process.env): string | undefined {
  const text = valueOf(env, ENV.advertiseUrl);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${ENV.advertiseUrl}=${text}: not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`${ENV.advertiseUrl}=${text}: expected an http:// or https:// URL`);
  return url.href.replace(/\/+$/, '');
}

/** `PIPEWRIGHT_SERVER_TOKEN`, if set. */
export function serverTokenFromEnv(env: Environment = process.env): string | undefined {
  return env[ENV.serverToken] || undefined;
}

export function runnerTokenFromEnv(env: Environment = process.env): string | undefined {
  return env[ENV.runnerToken]?.trim() || undefined;
}

/** How long a daemon started on demand (by `pipewright run` and the like) waits, with nothing to do, before it stops. */
export const DEFAULT_ON_DEMAND_IDLE_TIMEOUT_S = 300;

/** Seconds (a non-negative number; 0 or `off` turns idle shutdown off); a bad value is an error naming `what`. */
export function parseIdleTimeout(text: string, what: string): number {
  const trimmed = text.trim();
  if (/^off$/i.test(trimmed)) return 0;
  const seconds = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(seconds) || seconds < 0) throw new SettingError(`${what}: "${text}" is not a number of seconds (0 or "off" for never)`);
  return seconds;
}

/** The idle timeout of a daemon started on demand: `PIPEWRIGHT_DAEMON_IDLE_TIMEOUT`, else the default. */
export function onDemandIdleTimeout(env: Environment = process.env): number {
  const text = env[ENV.daemonIdleTimeout];
  return text === undefined || text.trim() === '' ? DEFAULT_ON_DEMAND_IDLE_TIMEOUT_S : parseIdleTimeout(text, ENV.daemonIdleTimeout);
}

/** `PIPEWRIGHT_RUNNER_WARM` (a whole number ≥ 0) and `PIPEWRIGHT_RUNNER_IDLE_TIMEOUT` (seconds ≥ 0), when set. */
export function runnerPoolFromEnv(env: Environment = process.env): { warm?: number; idleTimeoutS?: number } {
  const warm = numberFromEnv(env, ENV.runnerWarm, (v) => Number.isInteger(v) && v >= 0, 'a whole number of runners (0 or more)');
  const idleTimeoutS = numberFromEnv(env, ENV.runnerIdleTimeout, (v) => Number.isFinite(v) && v >= 0, 'a number of seconds (0 or more)');
  return { ...(warm === undefined ? {} : { warm }), ...(idleTimeoutS === undefined ? {} : { idleTimeoutS }) };
}

/** The remote orchestrator's token from `PIPEWRIGHT_ORCHESTRATOR_TOKEN` (untrimmed: its caller checks it), if set. */
export function orchestratorTokenFromEnv(env: Environment = process.env): string | undefined {
  return env[ENV.orchestratorToken];
}
