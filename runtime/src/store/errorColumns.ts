import type { AttemptError } from '../model/attemptError';

/** The columns that hold a failure, in `steps` and `attempts` (`error` is the message). */
export interface ErrorColumns {
  error: string | null;
  error_name: string | null;
  error_stack: string | null;
  /** JSON of a thrown non-Error value. */
  error_value: string | null;
}

/** Columns added to an existing table when a store written by an older pipewright lacks them. */
export const ERROR_COLUMN_DEFINITIONS = ['error_name TEXT', 'error_stack TEXT', 'error_value TEXT'];

/** A failure (or an engine-recorded reason, as plain text) as column values. */
export function errorColumns(error: string | AttemptError | undefined): ErrorColumns {
  if (error === undefined) return { error: null, error_name: null, error_stack: null, error_value: null };
  if (typeof error === 'string') return { error, error_name: null, error_stack: null, error_value: null };
  return {
    error: error.message,
    error_name: error.name,
    error_stack: error.stack ?? null,
    error_value: error.value === undefined ? null : JSON.stringify(error.value),
  };
}

/** The failure a row holds, if any (a row from before these columns has only its message). */
export function decodeError(row: Partial<ErrorColumns>): AttemptError | undefined {
  if (row.error === null || row.error === undefined) return undefined;
  const decoded: AttemptError = { name: row.error_name ?? 'Error', message: row.error };
  if (row.error_stack) decoded.stack = row.error_stack;
  if (row.error_value !== null && row.error_value !== undefined) decoded.value = JSON.parse(row.error_value) as unknown;
  return decoded;
}
