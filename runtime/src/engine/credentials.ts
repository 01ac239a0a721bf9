/**
 * Who a bearer token is and what it may do: the one check behind every route's scope
 * (`httpApp.ts` asks it; the daemon's is `daemon/daemonCredentials.ts`, the in-process lease
 * server's a single token).
 */
import { timingSafeEqual } from 'node:crypto';
import { CodedError } from '../model/errorCodes';
import { SCOPE_USES, type RouteScope, type Scope } from '../model/tokenScopes';

export interface Credential {
  /** How refusals and `tokens list` name it (`the store token`, `ci-runner`). */
  name: string;
  scopes: readonly Scope[];
}

/** The credential a token stands for, or undefined for an unknown (or revoked) one. */
export type CredentialCheck = (token: string) => Credential | undefined | Promise<Credential | undefined>;

/** A check of fixed tokens (constant-time comparisons), then of `fallback` for any other. */
export function fixedCredentials(entries: readonly { token: string; credential: Credential }[], fallback?: CredentialCheck): CredentialCheck {
  const known = entries.map((entry) => ({ secret: Buffer.from(entry.token), credential: entry.credential }));
  return (token) => {
    const given = Buffer.from(token);
    // Every entry is compared, so the time taken does not tell which one matched.
    let found: Credential | undefined;
    for (const entry of known) if (entry.secret.length === given.length && timingSafeEqual(entry.secret, given)) found = entry.credential;
    return found ?? fallback?.(token);
  };
}

/** The token of an `Authorization: Bearer <token>` header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header?.startsWith('Bearer ')) return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

export function allows(credential: Credential, needed: RouteScope): boolean {
  return needed === 'any' || credential.scopes.includes(needed);
}

/** 401: no token, or one nobody issued (or that was revoked). */
export function unauthorized(): CodedError {
  return new CodedError('unauthorized', 'missing or wrong bearer token');
}

/** 403: a valid token whose scopes do not cover `what`. */
export function forbidden(credential: Credential, needed: Scope, what: string): CodedError {
  return new CodedError('forbidden', `${what} needs a token of scope ${needed} (${SCOPE_USES[needed]}); the token "${credential.name}" has scope ${credential.scopes.join(', ')}`);
}
