// What the CLI workflow tests share: the fixtures, a clean environment, and readers of the
// CLI's tables, `next:` lines and one-line errors.
import assert from 'node:assert/strict';
import type { RunStore } from '../../runtime/src/store/runStore';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli, type CliResult } from './cli';
import { fixture } from './tempDir';

export interface Output {
  name: string;
  type: string;
  materializer: string;
  size: number;
  hash: string;
}

export interface Summary {
  runId: string;
  runName: string;
  status: string;
  createdAt: string;
  durationMs: number | null;
  parameters?: Record<string, unknown>;
  steps: { id: string; status: string; outputs?: Output[] }[];
}

export const basics = fixture('pipelines', 'basics.ts');
export const fixable = fixture('pipelines', 'fixable.ts');
export const slow = fixture('pipelines', 'slow.ts');
/** The outer environment must not choose for the test; times print in UTC. */
export const env = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_ORCHESTRATOR_URL: undefined, PIPEWRIGHT_ORCHESTRATOR_TOKEN: undefined, TZ: 'UTC' };
export const pw = (store: string, args: string[]) => cli(['--store', store, ...args], { env });

/** The commands of the `next:` line in `text`, each as its arguments after `pipewright`. */
export function nextCommands(text: string): string[][] {
  const line = text
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('next: '));
  assert.ok(line, `a "next:" line in:\n${text}`);
  return line
    .slice('next: '.length)
    .split(' · ')
    .map((command) => {
      const [program, ...args] = command.split(' ');
      assert.equal(program, 'pipewright');
      return args;
    });
}

/** Exit 2 with exactly one line on stderr. */
export function oneLineError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  assert.match(result.stderr, pattern);
}

export async function withStore<T>(dir: string, read: (store: RunStore) => T | Promise<T>): Promise<T> {
  const store = await openRunStore(dir, 'readWrite');
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** How many runs a store holds. */
export function runCount(dir: string): Promise<number> {
  return withStore(dir, async (store) => (await store.listRuns({ limit: 1000 })).length);
}

/** Table rows as cells (columns are two or more spaces apart). */
export function rowsOf(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}
