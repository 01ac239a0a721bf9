/** Shared by the specs: the extension, the fixture workspace, and waiting on state (never on a fixed sleep). */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'pipewright.pipewright-vscode';

/** The extension under development, activated. */
export async function activeExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded (is extensionDevelopmentPath the repository root?)`);
  await extension.activate();
  return extension;
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder open: runTest.ts opens a copy of test/fixtures/e2e-workspace');
  return folder.uri.fsPath;
}

export function workspaceUri(...parts: string[]): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceFolder(), ...parts));
}

export async function openFile(...parts: string[]): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(...parts));
  await vscode.window.showTextDocument(document);
  return document;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Events after which the state is checked again. */
  events?: vscode.Event<unknown>[];
  /** For state that announces no event (a CLI's answer, a provider's result): check every pollMs too. */
  pollMs?: number;
}

/**
 * Resolves with the first defined value of `probe`, checked now, after each of `events` and every
 * `pollMs`; rejects after `timeoutMs` with `what` and the last value seen by `describe`.
 */
export function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, options: WaitOptions = {}, describe: () => string | Promise<string> = () => ''): Promise<T> {
  const { timeoutMs = 60_000, events = [], pollMs } = options;
  return new Promise<T>((resolve, reject) => {
    const disposables: vscode.Disposable[] = [];
    let settled = false;
    let checking = false;
    let again = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      for (const disposable of disposables) disposable.dispose();
      settle();
    };
    const check = async (): Promise<void> => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const value = await probe();
          if (value !== undefined) return finish(() => resolve(value));
        } while (again && !settled);
      } catch (error) {
        finish(() => reject(error instanceof Error ? error : new Error(String(error))));
      } finally {
        checking = false;
      }
    };
    for (const event of events) disposables.push(event(() => void check()));
    if (pollMs) {
      const interval = setInterval(() => void check(), pollMs);
      disposables.push(new vscode.Disposable(() => clearInterval(interval)));
    }
    const timer = setTimeout(() => {
      void Promise.resolve(describe()).then(
        (last) => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last seen: ${last}` : ''}`))),
        () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
      );
    }, timeoutMs);
    disposables.push(new vscode.Disposable(() => clearTimeout(timer)));
    void check();
  });
}

export interface RunSummary {
  runId: string;
  runName: string;
  pipeline: string;
  status: string;
  steps: { id: string; status: string }[];
}

/**
 * The workspace's runtime CLI, run by the Node runTest.ts runs on (the extension host's
 * process.execPath is Electron, and the runtime's SQLite module is native to that Node).
 */
export async function pipewrightCli(args: string[]): Promise<string> {
  const node = process.env.PIPEWRIGHT_TEST_NODE ?? 'node';
  const cli = process.env.PIPEWRIGHT_TEST_CLI ?? path.join(workspaceFolder(), 'node_modules', 'pipewright', 'bin', 'pipewright.js');
  const cwd = workspaceFolder();
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the extension under test shares this process's event loop.
    execFile(node, [cli, ...args], { cwd, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pipewright ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Runs of the workspace's store, newest first; none before the first run has created the store. */
export async function listRuns(): Promise<RunSummary[]> {
  // `runs list` refuses (exit 2) when there is no store yet, which is not an error here.
  if (!fs.existsSync(path.join(workspaceFolder(), '.pipewright', 'pipewright.db'))) return [];
  const stdout = await pipewrightCli(['runs', 'list', '--json']);
  const line = stdout.trim().split('\n').at(-1) ?? '[]';
  return JSON.parse(line) as RunSummary[];
}

/** The diagnostic's code as a string (LSP codes arrive as a string or as `{ value, target }`). */
export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}
