/**
 * What kind of failure an error is, told by its class (never by its message): every error the
 * runtime raises on purpose carries one of these stable codes, and this table is the one place
 * that turns a code into an HTTP status (the API) and an exit code (the CLI: 2 for bad input,
 * 1 for failures and the environment).
 */
export const ERROR_CODES = {
  /** A malformed request, flag, parameter, config or spec. */
  'invalid-input': { http: 400, exit: 2 },
  'invalid-spec': { http: 400, exit: 2 },
  'invalid-argument': { http: 400, exit: 2 },
  /** Well-formed, but the pipeline code or the request cannot be run as asked. */
  unprocessable: { http: 422, exit: 2 },
  unauthorized: { http: 401, exit: 2 },
  /** A valid token whose scope does not cover the route (a worker token submitting a run, say). */
  forbidden: { http: 403, exit: 2 },
  'not-found': { http: 404, exit: 2 },
  'unknown-service': { http: 404, exit: 2 },
  'method-not-allowed': { http: 405, exit: 2 },
  /** The request is fine but the state forbids it now (a run still going, a service already up). */
  conflict: { http: 409, exit: 1 },
  /** A retry of a run where every step succeeded (clients act on this code). */
  'nothing-to-retry': { http: 409, exit: 1 },
  /** A runner's attempt was replaced or is not executing here: the runner must stop and publish nothing. */
  fenced: { http: 409, exit: 1 },
  'too-large': { http: 413, exit: 2 },
  /** A replica of a shared store cannot reach a leader to answer a request only the leader answers (one is being elected): try again shortly. */
  'no-leader': { http: 503, exit: 1 },
  /**
   * A replica handed the request to its leader, which went away before it answered: whether the
   * request was done is not known. A request safe to repeat (a read, a submit that names its run
   * id) may be sent again; anything else must be checked first.
   */
  'leader-lost': { http: 502, exit: 1 },
  /** No space left where the store (or a service's folder) lives: the environment, not the request. */
  'disk-full': { http: 507, exit: 1 },
  io: { http: 500, exit: 1 },
  internal: { http: 500, exit: 1 },
  /** The store was written by a newer pipewright (its schema version is above this one's). */
  'newer-schema': { http: 500, exit: 1 },
} as const satisfies Record<string, { http: number; exit: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error whose class says what kind of failure it is. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Bad input: the message names what was wrong and where. */
export class InputError extends CodedError {
  constructor(message: string, options?: ErrorOptions) {
    super('invalid-input', message, options);
    this.name = 'InputError';
  }
}

/** A well-formed request for something the pipeline (or the store) does not allow. */
export class UnprocessableError extends CodedError {
  constructor(message: string, options?: ErrorOptions) {
    super('unprocessable', message, options);
    this.name = 'UnprocessableError';
  }
}

export class NotFoundError extends CodedError {
  constructor(message: string) {
    super('not-found', message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends CodedError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'ConflictError';
  }
}

/** A retry of every failed step of a run where every step succeeded: there is nothing to re-run. */
export class NothingToRetryError extends CodedError {
  constructor(message: string) {
    super('nothing-to-retry', message);
    this.name = 'NothingToRetryError';
  }
}

/** The engine refused a runner's heartbeat or result: its attempt is no longer current. */
export class FencedError extends CodedError {
  constructor(readonly reason: string) {
    super('fenced', reason);
    this.name = 'FencedError';
  }
}

/**
 * A shared store refused a remote worker's commit because the store no longer holds its lease
 * (expired by the database's clock, or ended): the attempt is still running as far as the store
 * knows, so the engine that drives its run must end it (as lost) itself.
 */
export class LeaseNotHeldError extends FencedError {}

/** A replica of a shared store has no leader to forward a request to right now (see daemon/leaderRoutes.ts). */
export class NoLeaderError extends CodedError {
  constructor(message: string) {
    super('no-leader', message);
    this.name = 'NoLeaderError';
  }
}

/** A replica's leader went away while it handled a forwarded request (see daemon/leaderRoutes.ts): its outcome is not known. */
export class LeaderLostError extends CodedError {
  constructor(message: string) {
    super('leader-lost', message);
    this.name = 'LeaderLostError';
  }
}

/** Errno and SQLite codes that mean the file system has no room (or the quota is used up). */
const DISK_FULL_CAUSES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** Whether `error` (a Node system error or a SQLite error) says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  if (error instanceof CodedError) return error.code === 'disk-full';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DISK_FULL_CAUSES.has(code);
}

/**
 * The disk (or quota) holding the store is full. The message reads
 * `disk full: <what could not be done>: <the system's words> (ENOSPC)`.
 */
export class DiskFullError extends CodedError {
  constructor(what: string, cause: unknown) {
    super('disk-full', `disk full: ${what}: ${diskFullDetail(cause)} (ENOSPC)`, { cause });
    this.name = 'DiskFullError';
  }
}

function diskFullDetail(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  // Node's "ENOSPC: no space left on device, write" already carries the code we add at the end.
  return message.replace(/^ENOSPC: /, '').replace(/ \(ENOSPC\)$/, '');
}

/** The code of any thrown value: its class's, `disk-full` for the system's no-space errors, else `internal`. */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof CodedError) return error.code;
  // A coded error that crossed a process boundary keeps its code but not its class.
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)) return code as ErrorCode;
  return isDiskFull(error) ? 'disk-full' : 'internal';
}

export function httpStatusOf(error: unknown): number {
  return ERROR_CODES[errorCodeOf(error)].http;
}

export function exitCodeOf(error: unknown): number {
  return ERROR_CODES[errorCodeOf(error)].exit;
}

/** The code an HTTP answer of `status` stands for, when the answer did not name one. */
export function errorCodeForStatus(status: number): ErrorCode {
  const found = (Object.entries(ERROR_CODES) as [ErrorCode, { http: number }][]).find(([, entry]) => entry.http === status);
  return found ? found[0] : status >= 400 && status < 500 ? 'invalid-input' : 'internal';
}

/** `error` as is when it says the disk is full in our words already, else a {@link DiskFullError} about `what`. */
export function asDiskFull(what: string, error: unknown): DiskFullError {
  return error instanceof DiskFullError ? error : new DiskFullError(what, error);
}
