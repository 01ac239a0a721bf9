/**
 * What every suite that opens a real VS Code shares (the end-to-end suite, the activation bench,
 * the @vscode/test-electron runner): the tools of scripts/e2e-tools.mjs, and a fresh copy of the
 * fixture workspace with this repository's runtime installed as `pipewright`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixtureWorkspace = path.join(repoRoot, 'test', 'fixtures', 'e2e-workspace');

export interface E2eTools {
  node: string;
  codeServer: string;
  chromium: string;
}

/** Node 24, code-server and Chromium, installed (once, cached) by scripts/e2e-tools.mjs. */
export function e2eTools(): E2eTools {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'e2e-tools.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`scripts/e2e-tools.mjs failed (exit ${result.status}):\n${result.stdout}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as E2eTools;
}

/**
 * Copies the fixture workspace to `<root>/workspace`, links the runtime as node_modules/pipewright
 * and Node's types as node_modules/@types/node, and makes the empty `gates/` folder its pipeline
 * waits on. Returns the workspace folder.
 */
export function copyFixtureWorkspace(root: string): string {
  const workspace = path.join(root, 'workspace');
  fs.cpSync(fixtureWorkspace, workspace, { recursive: true });
  fs.mkdirSync(path.join(workspace, 'node_modules', '@types'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'runtime'), path.join(workspace, 'node_modules', 'pipewright'), 'dir');
  fs.symlinkSync(path.join(repoRoot, 'node_modules', '@types', 'node'), path.join(workspace, 'node_modules', '@types', 'node'), 'dir');
  fs.mkdirSync(path.join(workspace, 'gates'));
  return workspace;
}
