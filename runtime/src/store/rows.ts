import type { PipelineDag } from '../model/dag';
import type { AttemptStatus, RunStatus, StepStatus } from '../model/status';
import type { ErrorColumns } from './errorColumns';

/** A run to insert, with its compiled DAG (every node starts `pending`). */
export interface NewRun {
  id: string;
  name: string;
  pipeline: string;
  sourceFile: string;
  parameters: Record<string, unknown>;
  options: Record<string, unknown>;
  dag: PipelineDag;
  bundlePath: string;
  /** The folder the user ran from: steps run there, so relative paths resolve against it. */
  workingDir: string;
  /** The folder whose node_modules provide the bundle's external packages. */
  projectDir: string;
  manifest?: unknown;
  parentRunId?: string;
  parentInvocation?: string;
  enginePid?: number;
  at: number;
}

export interface RunRow {
  id: string;
  name: string;
  pipeline: string;
  status: RunStatus;
  parameters_json: string;
  options_json: string;
  dag_json: string;
  bundle_path: string;
  manifest_json: string | null;
  parent_run_id: string | null;
  parent_invocation: string | null;
  engine_pid: number | null;
  engine_identity: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  /** Null for runs stored before working folders were recorded. */
  working_dir: string | null;
  project_dir: string | null;
}

/** A step; its error columns hold why it failed (see `decodeError`). */
export interface StepRow extends ErrorColumns {
  run_id: string;
  id: string;
  step_name: string;
  position: number;
  status: StepStatus;
  cached: number;
  cache_key: string | null;
  attempts: number;
  started_at: number | null;
  ended_at: number | null;
}

/** An attempt; its error columns hold why it failed (see `decodeError`). */
export interface AttemptRow extends ErrorColumns {
  run_id: string;
  step_id: string;
  attempt: number;
  status: AttemptStatus;
  runner_pid: number | null;
  started_at: number;
  ended_at: number | null;
  heartbeat_at: number | null;
}

export interface TransitionRow {
  seq: number;
  run_id: string;
  step_id: string | null;
  attempt: number | null;
  status: string;
  detail: string | null;
  at: number;
}

export interface LogRow {
  seq: number;
  run_id: string;
  step_id: string | null;
  attempt: number | null;
  stream: 'stdout' | 'stderr';
  text: string;
  at: number;
}

export interface HookCallRow {
  seq: number;
  run_id: string;
  step_id: string;
  hook: 'onSuccess' | 'onFailure';
  source: string;
  ok: number;
  error: string | null;
  at: number;
}
