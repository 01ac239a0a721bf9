/**
 * What a bearer token may do on the orchestrator's API. Every route declares the scope it needs
 * (`api/routes.ts`, the worker wire's and runners' routes); the one token check
 * (`engine/credentials.ts`, `engine/httpApp.ts`) answers 401 without a valid token and 403 when
 * its scope does not cover the route.
 *
 * - `user`: submit, cancel, retry and read runs, follow events, services;
 * - `worker`: claim attempts, renew their leases, deliver logs, artifacts and results;
 * - `metrics`: read `/metrics` only (what a Prometheus scrape needs, nothing more);
 * - `admin`: stop the daemon; held only by the store's own token (`server/token`), which holds
 *   every scope.
 */
export const TOKEN_SCOPES = ['user', 'worker', 'metrics'] as const;

/** A scope a created token may have (`pipewright tokens create --scope`). */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** A scope a credential may hold: a created token's, or `admin` (the store's own token). */
export type Scope = TokenScope | 'admin';

/** What a route needs: one scope, or `any` valid token (the health check). */
export type RouteScope = Scope | 'any';

/** The store's own token (`server/token`, `$PIPEWRIGHT_SERVER_TOKEN`): every scope. */
export const OWNER_SCOPES: readonly Scope[] = ['admin', 'user', 'worker', 'metrics'];

/** What each scope is for, in the words of `tokens list` and a refusal. */
export const SCOPE_USES: Record<Scope, string> = {
  user: 'submit, cancel and read runs',
  worker: 'claim attempts, renew leases and commit results',
  metrics: 'read /metrics',
  admin: 'stop the daemon',
};

export function isTokenScope(text: string): text is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(text);
}
