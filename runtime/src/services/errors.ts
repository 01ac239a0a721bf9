import { CodedError } from '../model/errorCodes';

/**
 * What kind of request failed (codes of the one table in `errorCodes.ts`): `invalid-spec` and
 * `invalid-argument` (400), `unknown-service` (404), `conflict` (409), `io` (500: the manager's
 * own folder cannot be used).
 */
export type ServiceErrorCode = 'invalid-spec' | 'invalid-argument' | 'unknown-service' | 'conflict' | 'io';

/** Raised for a service request the manager cannot carry out; the message names the service. */
export class ServiceError extends CodedError {
  declare readonly code: ServiceErrorCode;
  /** The service the request was about, when there is one. */
  readonly service?: string;

  constructor(message: string, code: ServiceErrorCode, service?: string) {
    super(code, message);
    this.name = 'ServiceError';
    if (service !== undefined) this.service = service;
  }
}

/** One problem found in a service spec: the dotted field path (`health.http.url`) and what is wrong. */
export interface SpecIssue {
  path: string;
  message: string;
}

/**
 * Raised for a spec that cannot be used. The message starts with the field path of the first
 * problem (`health.http.url: only loopback addresses can be monitored`); `issues` lists them all.
 */
export class ServiceSpecError extends ServiceError {
  readonly issues: SpecIssue[];

  constructor(message: string, issues: SpecIssue[] = [], service?: string) {
    super(message, 'invalid-spec', service);
    this.name = 'ServiceSpecError';
    this.issues = issues;
  }
}
