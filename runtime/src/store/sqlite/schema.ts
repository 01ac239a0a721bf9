import { ERROR_COLUMN_DEFINITIONS } from '../errorColumns';

/** The embedded store's schema. Bump SCHEMA_VERSION and add a migration when it changes. */
export const SCHEMA_VERSION = 6;

/** API tokens: a secret's SHA-256 only, never the secret; its name, scope and when it was made and last used. */
const API_TOKENS_TABLE = `CREATE TABLE IF NOT EXISTS api_tokens (
  name TEXT PRIMARY KEY,
  scope TEXT NOT NULL CHECK (scope IN ('user', 'worker', 'metrics')),
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);`;

/** Statements that bring a store of the key's version to the next one. */
export const MIGRATIONS: Record<number, string> = {
  1: 'ALTER TABLE attempts ADD COLUMN heartbeat_at INTEGER;',
  2: 'ALTER TABLE runs ADD COLUMN working_dir TEXT; ALTER TABLE runs ADD COLUMN project_dir TEXT;',
  3: 'ALTER TABLE runs ADD COLUMN engine_identity TEXT;',
  // Heartbeats and logs as events of the stream without a row each (see SqliteRunStore.eventsSince).
  4: 'ALTER TABLE attempts ADD COLUMN heartbeat_seq INTEGER; ALTER TABLE logs ADD COLUMN event_seq INTEGER;',
  // API tokens (`pipewright tokens`): the same table as in SCHEMA_SQL.
  5: API_TOKENS_TABLE,
};

/**
 * Columns added after a table was first released, as `table: [definition]`: a store that lacks
 * one gets it (ALTER TABLE ADD COLUMN) whatever its schema version, so adding columns needs no
 * version bump and older rows read as NULL.
 */
export const ADDED_COLUMNS: Record<string, readonly string[]> = {
  steps: ERROR_COLUMN_DEFINITIONS,
  attempts: ERROR_COLUMN_DEFINITIONS,
};

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS pipelines (
  name TEXT PRIMARY KEY,
  source_file TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
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
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  working_dir TEXT,
  project_dir TEXT,
  -- Who engine_pid is (processIdentity): a reused pid is not the engine.
  engine_identity TEXT,
  UNIQUE (pipeline, name)
);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs(created_at);
CREATE TABLE IF NOT EXISTS steps (
  run_id TEXT NOT NULL REFERENCES runs(id),
  id TEXT NOT NULL,
  step_name TEXT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL,
  cached INTEGER NOT NULL DEFAULT 0,
  cache_key TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  started_at INTEGER,
  ended_at INTEGER,
  PRIMARY KEY (run_id, id)
);
CREATE TABLE IF NOT EXISTS attempts (
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  runner_pid INTEGER,
  error TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  heartbeat_at INTEGER,
  -- The newest beat's number in the daemon's event stream (replayed as a heartbeat event).
  heartbeat_seq INTEGER,
  PRIMARY KEY (run_id, step_id, attempt)
);
CREATE TABLE IF NOT EXISTS transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  step_id TEXT,
  attempt INTEGER,
  status TEXT NOT NULL,
  detail TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transitions_by_run ON transitions(run_id, seq);
CREATE TABLE IF NOT EXISTS artifacts (
  hash TEXT PRIMARY KEY,
  materializer TEXT NOT NULL,
  size INTEGER NOT NULL,
  type_name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS step_outputs (
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  output TEXT NOT NULL,
  hash TEXT NOT NULL REFERENCES artifacts(hash),
  PRIMARY KEY (run_id, step_id, output)
);
CREATE TABLE IF NOT EXISTS cache (
  key TEXT PRIMARY KEY,
  step_name TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  outputs_json TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  step_id TEXT,
  attempt INTEGER,
  stream TEXT NOT NULL,
  text TEXT NOT NULL,
  at INTEGER NOT NULL,
  -- Its number in the daemon's event stream, when it was streamed (replayed as a log event).
  event_seq INTEGER
);
CREATE INDEX IF NOT EXISTS logs_by_step ON logs(run_id, step_id, attempt, seq);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT,
  type TEXT NOT NULL,
  json TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS hook_calls (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  hook TEXT NOT NULL,
  source TEXT NOT NULL,
  ok INTEGER NOT NULL,
  error TEXT,
  at INTEGER NOT NULL
);
-- Event numbers handed out up to seq (heartbeats are streamed without a row each).
CREATE TABLE IF NOT EXISTS event_numbers (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  seq INTEGER NOT NULL
);
${API_TOKENS_TABLE}
-- The one daemon of this store (see RunStore.claimDaemon): a row, so claiming is one transaction.
CREATE TABLE IF NOT EXISTS daemon_owner (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  pid INTEGER NOT NULL,
  identity TEXT
);
`;

/** Indexes on columns a migration adds: created once the columns exist. */
export const INDEX_SQL = `
CREATE INDEX IF NOT EXISTS logs_by_event ON logs(event_seq) WHERE event_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS attempts_by_heartbeat_seq ON attempts(heartbeat_seq) WHERE heartbeat_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS steps_by_cache_key ON steps(cache_key) WHERE cache_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS cache_by_step ON cache(step_name, created_at);
`;
