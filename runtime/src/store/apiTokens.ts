/**
 * API tokens' secrets and how a store keeps them: a secret is 32 random bytes, shown once when
 * the token is created; the store keeps only its SHA-256 (the secret is random, so a fast hash
 * is as strong as a slow one), which the daemon's token check looks up.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TokenScope } from '../model/tokenScopes';

/** A new secret, prefixed with its scope so a leaked one says what it opens (`pw_worker_...`). */
export function newTokenSecret(scope: TokenScope): string {
  return `pw_${scope}_${randomBytes(32).toString('base64url')}`;
}

/** What the store keeps of a secret (hex SHA-256). */
export function tokenHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A token's name: letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 64. */
export const TOKEN_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;
