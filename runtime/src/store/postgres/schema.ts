/**
 * The PostgreSQL store's schema, as migrations: entry `i` brings a database of version `i` to
 * version `i + 1`, so the schema version is the number of entries. Append, never edit.
 *
 * Version 1 holds what the coordination of workers needs (attemptLeases.ts, leaseReaper.ts):
 * attempts with their lease (`epoch`, `owner`, `lease_expires_at`, always from the database's
 * clock), their outputs, what happened to each, and leader rows for elected roles.
 *
 * Version 2 holds what a RunStore records (postgresRunStore.ts), the tables of the embedded
 * SQLite store (`../sqlite/schema.ts`) in PostgreSQL's types: times are the engine's milliseconds
 * (BIGINT), JSON is kept as the text it was written as (so keys keep their order), log text as
 * bytes (PostgreSQL's text holds no NUL). A run's attempts are `step_attempts` (an execution: its
 * status, runner, error, logs); the lease rows of `attempts` are what remote workers hold them by.
 *
 * Version 4 holds the API tokens (`pipewright tokens`): a secret's SHA-256, never the secret.
 *
 * Version 5 lets several daemons share the database (`storeCluster.ts`): the claim's holder, the
 * leader, records its instance and the URL replicas forward to; a run records the instance of
 * the daemon driving it, so a new leader knows it abandoned once that daemon lost the claim; the
 * pipeline bundles are kept too, so any daemon that comes to lead can run them.
 *
 * Version 6: a daemon's remote workers hold each step attempt they run by a row of `attempts`
 * (one per recorded attempt, keyed by run, step and attempt number), claimed, renewed, expired
 * and fenced at commit on the database's clock (`workerLeaseBook.ts`); an attempt that ends
 * without a commit (failed, stopped, lost, handed back) is `ended`.
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
  `
CREATE TABLE pipelines (
  name TEXT PRIMARY KEY,
  source_file TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  -- Insertion order: breaks ties of created_at.
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  name TEXT NOT NULL,
  pipeline TEXT NOT NULL REFERENCES pipelines(name),
  status TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  options_json TEXT NOT NULL,
  dag_json TEXT NOT NULL,
  bundle_path TEXT NOT NULL,
  manifest_json TEXT,
  parent_run_id TEXT,
  parent_invocation TEXT,
  engine_pid INTEGER,
  -- Who engine_pid is (processIdentity): a reused pid is not the engine.
  engine_identity TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT,
  working_dir TEXT,
  project_dir TEXT,
  -- Named: a clash is told by this name (RunNameTakenError), not by the message's text.
  CONSTRAINT runs_name_unique UNIQUE (pipeline, name)
);
CREATE INDEX runs_by_created ON runs (created_at, seq);
CREATE INDEX runs_running ON runs (created_at, seq) WHERE status = 'running';
CREATE TABLE steps (
  run_id TEXT NOT NULL REFERENCES runs(id),
  id TEXT NOT NULL,
  step_name TEXT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL,
  cached BOOLEAN NOT NULL DEFAULT false,
  cache_key TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  error_name TEXT,
  error_stack TEXT,
  error_value TEXT,
  started_at BIGINT,
  ended_at BIGINT,
  PRIMARY KEY (run_id, id)
);
CREATE TABLE step_attempts (
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  runner_pid INTEGER,
  error TEXT,
  error_name TEXT,
  error_stack TEXT,
  error_value TEXT,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  heartbeat_at BIGINT,
  -- The newest beat's number in the daemon's event stream (replayed as a heartbeat event).
  heartbeat_seq BIGINT,
  PRIMARY KEY (run_id, step_id, attempt)
);
CREATE INDEX step_attempts_by_heartbeat_seq ON step_attempts (heartbeat_seq) WHERE heartbeat_seq IS NOT NULL;
CREATE TABLE transitions (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL,
  step_id TEXT,
  attempt INTEGER,
  status TEXT NOT NULL,
  detail TEXT,
  at BIGINT NOT NULL
);
CREATE INDEX transitions_by_run ON transitions (run_id, seq);
CREATE TABLE artifacts (
  hash TEXT PRIMARY KEY,
  materializer TEXT NOT NULL,
  size BIGINT NOT NULL,
  type_name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE step_outputs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  output TEXT NOT NULL,
  hash TEXT NOT NULL REFERENCES artifacts(hash),
  PRIMARY KEY (run_id, step_id, output)
);
CREATE TABLE cache (
  key TEXT PRIMARY KEY,
  step_name TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  outputs_json TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE logs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL,
  step_id TEXT,
  attempt INTEGER,
  stream TEXT NOT NULL,
  text BYTEA NOT NULL,
  at BIGINT NOT NULL,
  -- Its number in the daemon's event stream, when it was streamed (replayed as a log event).
  event_seq BIGINT
);
CREATE INDEX logs_by_step ON logs (run_id, step_id, attempt, seq);
CREATE INDEX logs_by_event ON logs (event_seq) WHERE event_seq IS NOT NULL;
CREATE TABLE events (
  seq BIGINT PRIMARY KEY,
  run_id TEXT,
  type TEXT NOT NULL,
  json TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE TABLE hook_calls (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  hook TEXT NOT NULL,
  source TEXT NOT NULL,
  ok BOOLEAN NOT NULL,
  error TEXT,
  at BIGINT NOT NULL
);
-- Event numbers handed out up to seq (heartbeats are streamed without a row each).
CREATE TABLE event_numbers (
  single BOOLEAN PRIMARY KEY DEFAULT true CHECK (single),
  seq BIGINT NOT NULL
);
-- The database's one daemon (RunStore.claimDaemon): the holder of an advisory lock, which the
-- server releases when its connection ends; this row says who it is.
CREATE TABLE daemon_owner (
  single BOOLEAN PRIMARY KEY DEFAULT true CHECK (single),
  pid INTEGER NOT NULL,
  identity TEXT,
  host TEXT NOT NULL
);
`,
  // 3: artifacts in the database (postgresArtifactStore.ts): an entry is its row in
  // artifact_contents, written in the transaction of its chunks, so a reader sees all or nothing.
  `
CREATE TABLE artifact_contents (
  hash TEXT PRIMARY KEY,
  materializer TEXT NOT NULL,
  size BIGINT NOT NULL,
  chunks INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE artifact_chunks (
  hash TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  bytes BYTEA NOT NULL,
  PRIMARY KEY (hash, chunk)
);
-- Outputs are mostly compressed or binary already: store the chunks as they are.
ALTER TABLE artifact_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
`,
  // 4: API tokens (`pipewright tokens`): a secret's SHA-256, never the secret.
  `
CREATE TABLE api_tokens (
  name TEXT PRIMARY KEY,
  scope TEXT NOT NULL CHECK (scope IN ('user', 'worker', 'metrics')),
  hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
`,
  // 5: several daemons on one database (postgresCluster.ts): who leads, where, and which daemon drives each run.
  `
ALTER TABLE daemon_owner ADD COLUMN instance TEXT, ADD COLUMN url TEXT;
ALTER TABLE runs ADD COLUMN engine_instance TEXT;
-- Pipeline bundles by their hash, so whichever daemon leads can resume or retry any run (each keeps a copy in its folder).
CREATE TABLE bundles (
  hash TEXT PRIMARY KEY,
  text BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
`,
  // 6: the daemon's workers hold their attempts by these leases (workerLeaseBook.ts): an attempt that ends uncommitted is `ended`.
  `
ALTER TABLE attempts DROP CONSTRAINT attempts_state_check;
ALTER TABLE attempts ADD CONSTRAINT attempts_state_check CHECK (state IN ('queued', 'running', 'committed', 'ended'));
`,
  // 7: the job a worker holds a lease for, so that a daemon that leads after another adopts the worker's attempt (workerLeaseBook.ts).
  `
ALTER TABLE attempts ADD COLUMN job_id TEXT;
CREATE INDEX attempts_job ON attempts (job_id) WHERE job_id IS NOT NULL;
`,
];

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;
