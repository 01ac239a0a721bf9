/**
 * The PostgreSQL store's schema, as migrations: entry `i` brings a database of version `i` to
 * version `i + 1`, so the schema version is the number of entries. Append, never edit.
 *
 * Version 1 holds what the coordination of workers needs (attemptLeases.ts, leaseReaper.ts):
 * attempts with their lease (`epoch`, `owner`, `lease_expires_at`, always from the database's
 * clock), their outputs, what happened to each, and leader rows for elected roles.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
CREATE TABLE attempts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  pool TEXT NOT NULL DEFAULT 'default',
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'committed')),
  -- Incremented by every claim: a holder's writes are accepted only with the current epoch.
  epoch INTEGER NOT NULL DEFAULT 0,
  -- The worker that claimed it last (it holds it while state = 'running' and the lease is unexpired).
  owner TEXT,
  lease_expires_at TIMESTAMPTZ,
  heartbeat_at TIMESTAMPTZ,
  queued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  committed_at TIMESTAMPTZ,
  -- Leases that expired (charged to the step's retries) and attempts handed back (not charged).
  lost INTEGER NOT NULL DEFAULT 0,
  relinquished INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, step_id, attempt)
) WITH (fillfactor = 70);
CREATE INDEX attempts_queued ON attempts (queued_at, id) WHERE state = 'queued';
CREATE INDEX attempts_queued_by_pool ON attempts (pool, queued_at, id) WHERE state = 'queued';
-- Running attempts by owner. No index holds lease_expires_at or heartbeat_at, so a heartbeat's
-- update can stay on its page (a HOT update, with the room fillfactor leaves) and writes no index.
CREATE INDEX attempts_running ON attempts (owner) WHERE state = 'running';
CREATE TABLE attempt_outputs (
  attempt_id BIGINT NOT NULL REFERENCES attempts(id),
  epoch INTEGER NOT NULL,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (attempt_id, name)
);
CREATE TABLE attempt_transitions (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  attempt_id BIGINT NOT NULL REFERENCES attempts(id),
  epoch INTEGER NOT NULL,
  owner TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('claimed', 'committed', 'relinquished', 'lost')),
  at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX attempt_transitions_by_attempt ON attempt_transitions (attempt_id, seq);
-- One row per elected role (the reaper): its holder keeps it while it renews before expires_at.
CREATE TABLE leaders (
  role TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  term INTEGER NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
`,
];

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;
