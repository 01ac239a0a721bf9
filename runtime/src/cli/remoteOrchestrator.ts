/**
 * `--orchestrator URL` and `--token-file FILE` (with `$PIPEWRIGHT_ORCHESTRATOR_URL` and
 * `$PIPEWRIGHT_ORCHESTRATOR_TOKEN`): commands that talk to an orchestrator use a remote one
 * instead of this store's local daemon. The token is never taken from the command line, where
 * other users of the machine can read it (`ps`, `/proc/<pid>/cmdline`, shell history).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import * as fs from 'node:fs';
import { resolveStore } from '../api/storeFolder';
import { answerStatus, OrchestratorClient } from '../api/client';
import { UsageError } from './errors';
import { ENV, orchestratorTokenFromEnv, type Environment } from '../model/environment';

export const ORCHESTRATOR_URL_ENV = ENV.orchestratorUrl;
export const ORCHESTRATOR_TOKEN_ENV = ENV.orchestratorToken;

/** How long the first request (the health check) may take before the orchestrator counts as unreachable. */
const CONNECT_TIMEOUT_MS = 15_000;

interface OrchestratorFlags {
  orchestrator?: string;
  tokenFile?: string;
  caFile?: string;
}

/** A connected remote orchestrator, with where its URL and token came from (for error messages). */
export interface RemoteOrchestrator {
  client: OrchestratorClient;
  url: string;
  /** `--orchestrator` or `$PIPEWRIGHT_ORCHESTRATOR_URL`. */
  urlSource: string;
  /** `token file FILE` or `$PIPEWRIGHT_ORCHESTRATOR_TOKEN`. */
  tokenSource: string;
}

/** Adds `--orchestrator <url>` (env form `$PIPEWRIGHT_ORCHESTRATOR_URL`) and `--token-file <file>` to a command. */
export function addOrchestratorOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--orchestrator <url>', `use the orchestrator at this http(s) URL instead of the local daemon; its token comes from $${ORCHESTRATOR_TOKEN_ENV} or --token-file`)
        .env(ORCHESTRATOR_URL_ENV)
        .argParser(parseOrchestratorUrl),
    )
    .addOption(new Option('--token-file <file>', `file holding the --orchestrator token, readable by its owner only (overrides $${ORCHESTRATOR_TOKEN_ENV})`))
    .addOption(new Option('--ca-file <file>', 'PEM file of the CA that signed an https orchestrator\'s certificate (default: the CAs Node trusts)').env(ENV.orchestratorCaFile));
}

/**
 * Checks and normalizes an orchestrator URL: http or https, a host, no credentials, query or
 * fragment; trailing slashes dropped (a path prefix is kept, for a reverse proxy).
 */
export function parseOrchestratorUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL such as http://host:7420');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`expected an http(s) URL, not ${url.protocol.replace(/:$/, '')}:`);
  if (!url.hostname) throw new InvalidArgumentError('the URL has no host');
  if (url.username || url.password) throw new InvalidArgumentError(`a URL must not carry credentials; give the token in $${ORCHESTRATOR_TOKEN_ENV} or --token-file`);
  if (url.search || url.hash) throw new InvalidArgumentError('the URL must not have a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The remote orchestrator named by `--orchestrator` (or its env form), checked to answer with
 * this token before anything is sent; undefined when none is named (use the local daemon).
 */
export async function remoteOrchestrator(command: Command): Promise<RemoteOrchestrator | undefined> {
  const flags = command.opts<OrchestratorFlags>();
  if (!flags.orchestrator) {
    if (flags.tokenFile !== undefined) throw new UsageError(`--token-file ${flags.tokenFile}: only used with --orchestrator URL (or $${ORCHESTRATOR_URL_ENV})`);
    if (flags.caFile !== undefined && command.getOptionValueSource('caFile') !== 'env') throw new UsageError(`--ca-file ${flags.caFile}: only used with --orchestrator URL (or $${ORCHESTRATOR_URL_ENV})`);
    return undefined;
  }
  const url = flags.orchestrator;
  const urlSource = command.getOptionValueSource('orchestrator') === 'env' ? `$${ORCHESTRATOR_URL_ENV}` : '--orchestrator';
  const { token, source: tokenSource } = readOrchestratorToken(flags.tokenFile, `${urlSource} ${url}`);
  if (!isLoopbackOrTls(url)) process.stderr.write(`pipewright: warning: the token for ${url} travels unencrypted over http; prefer https beyond this machine\n`);
  const client = new OrchestratorClient(url, token, { caFile: flags.caFile });
  try {
    await client.health({}, { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) });
  } catch (error) {
    throw describeConnectFailure(error, url, urlSource, tokenSource);
  }
  return { client, url, urlSource, tokenSource };
}

function isLoopbackOrTls(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
}

/** The client of the remote orchestrator if one is named, else of this store's daemon (started on demand). */
export async function orchestratorClient(command: Command): Promise<OrchestratorClient> {
  const remote = await remoteOrchestrator(command);
  if (remote) return remote.client;
  const { dir, url } = resolveStore(command.optsWithGlobals<{ store?: string }>().store, process.cwd());
  const { connectDaemon } = await import('../api/daemonControl.js');
  return connectDaemon(dir, { storeUrl: url });
}

/** The token: from `--token-file` (owner-only) if given, else from `$PIPEWRIGHT_ORCHESTRATOR_TOKEN`. */
export function readOrchestratorToken(tokenFile: string | undefined, forWhat: string, env: Environment = process.env): { token: string; source: string } {
  if (tokenFile !== undefined) {
    const source = `token file ${tokenFile}`;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(tokenFile);
    } catch (error) {
      throw new UsageError(`--token-file ${tokenFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (!stat.isFile()) throw new UsageError(`--token-file ${tokenFile}: not a regular file`);
    // Mode bits mean nothing on Windows; elsewhere a token others can read is a leaked token.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new UsageError(`--token-file ${tokenFile}: readable by group or others (mode ${mode}); refusing to use it. Make it owner-only: chmod 600 ${tokenFile}`);
    }
    return { token: checkedToken(fs.readFileSync(tokenFile, 'utf8'), source), source };
  }
  const fromEnv = orchestratorTokenFromEnv(env);
  if (fromEnv === undefined || fromEnv.trim() === '') {
    throw new UsageError(`${forWhat}: no token; set $${ORCHESTRATOR_TOKEN_ENV} or pass --token-file FILE (a token is never read from the command line)`);
  }
  return { token: checkedToken(fromEnv, `$${ORCHESTRATOR_TOKEN_ENV}`), source: `$${ORCHESTRATOR_TOKEN_ENV}` };
}

function checkedToken(text: string, source: string): string {
  const token = text.trim();
  if (token === '') throw new UsageError(`${source} is empty`);
  // An HTTP header cannot carry these; say so instead of failing inside fetch.
  if (/[^\x21-\x7e]/.test(token)) throw new UsageError(`${source}: the token contains spaces, line breaks or non-ASCII characters`);
  return token;
}

/** One clear error for a failed first contact: unreachable (exit 1), refused token or not an orchestrator (exit 2). */
function describeConnectFailure(error: unknown, url: string, urlSource: string, tokenSource: string): Error {
  const where = `the orchestrator at ${url} (${urlSource})`;
  const status = answerStatus(error);
  if (status !== undefined) {
    const message = (error as Error).message;
    if (status === 401 || status === 403) return new UsageError(`${where} refused the token from ${tokenSource} (HTTP ${status}: ${message}); nothing was sent`);
    if (status === 404) return new UsageError(`${url} (${urlSource}) answered 404 to /v1/health: not a pipewright orchestrator at this URL? nothing was sent`);
    return new Error(`${where} answered HTTP ${status} to its health check: ${message}; nothing was sent`);
  }
  return new Error(`cannot reach ${where}: ${networkReason(error)}; nothing was sent`);
}

function networkReason(error: unknown): string {
  if (error instanceof DOMException && error.code === DOMException.TIMEOUT_ERR) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the daemon running and listening on that address?)',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'the connection closed unexpectedly (an https URL served over http, or the other way round?)',
    ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (an https URL for a server that speaks plain http?)',
    ERR_SSL_PACKET_LENGTH_TOO_LONG: 'TLS handshake failed (an https URL for a server that speaks plain http?)',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed and not trusted (give it, or its CA, with --ca-file)',
    SELF_SIGNED_CERT_IN_CHAIN: 'its certificate is signed by a CA not trusted here (give that CA with --ca-file)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is signed by a CA not trusted here (give that CA with --ca-file)',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is signed by a CA not trusted here (give that CA with --ca-file)',
    CERT_HAS_EXPIRED: 'its certificate has expired',
    ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not name this host',
  };
  if (code && reasons[code]) return `${reasons[code]} [${code}]`;
  const message = (cause?.message ?? (error instanceof Error ? error.message : String(error))).trim().split('\n')[0];
  return message;
}
