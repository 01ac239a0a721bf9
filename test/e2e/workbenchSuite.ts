/**
 * The frame every end-to-end suite shares: before its tests, a fresh copy of the fixture
 * workspace (changed by `prepare`), the packaged extension installed and a workbench opened on
 * it; after them, the workbench, the workspace's daemon and the copy gone. `stage` runs a part of
 * a test and, when it fails, keeps a screenshot of what the user saw and prints the extension's
 * log and `pipewright runs list`.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import { copyFixtureWorkspace, e2eTools, fixtureWorkspace, repoRoot } from './fixtureWorkspace';
import { removeFolder } from '../support/tempDir';
import { installExtension, openWorkbench, type Workbench } from './workbench';

const vsix = path.join(repoRoot, 'dist', 'pipewright.vsix');
const cliBin = path.join(repoRoot, 'runtime', 'bin', 'pipewright.js');

export interface SuiteOptions {
  /** Changes the workspace copy before the workbench opens on it. */
  prepare?: (workspace: string) => void;
  viewport?: { width: number; height: number };
}

export interface WorkbenchSuite {
  readonly workbench: Workbench;
  readonly page: Page;
  readonly workspace: string;
  readonly extensionsDir: string;
  /** Where this suite's screenshots go: test-results/e2e/<name>/. */
  readonly screenshots: string;
  /** The workspace's `pipewright` CLI, run in the workspace. */
  cli(args: string[]): SpawnSyncReturns<string>;
  stage(name: string, body: () => Promise<void>): Promise<void>;
}

/** Registers the suite's before and after hooks (call it in a `describe`), named `name` for its folders. */
export function workbenchSuite(name: string, options: SuiteOptions = {}): WorkbenchSuite {
  const screenshots = path.join(repoRoot, 'test-results', 'e2e', name);
  let opened: { workbench: Workbench; workspace: string; extensionsDir: string } | undefined;
  let root: string | undefined;
  const current = () => {
    assert.ok(opened, `the ${name} suite's workbench is not open (its before hook failed)`);
    return opened;
  };
  const cli = (args: string[]) => spawnSync(process.execPath, [cliBin, ...args], { cwd: current().workspace, encoding: 'utf8' });

  before(
    async () => {
      assert.ok(fs.existsSync(vsix), `${vsix} is missing: run \`npm run package\` first`);
      const tools = e2eTools();
      root = fs.mkdtempSync(path.join(os.tmpdir(), `pipewright-e2e-${name}-`));
      const workspace = copyFixtureWorkspace(root);
      options.prepare?.(workspace);
      const extensionsDir = path.join(root, 'extensions');
      const userDataDir = path.join(root, 'user-data');
      installExtension(tools, vsix, extensionsDir, userDataDir);
      fs.rmSync(screenshots, { recursive: true, force: true });
      const workbench = await openWorkbench({ tools, workspace, extensionsDir, userDataDir, screenshots, viewport: options.viewport });
      opened = { workbench, workspace, extensionsDir };
    },
    { timeout: 40 * 60_000 },
  );

  after(async () => {
    await opened?.workbench.close();
    if (opened) spawnSync(process.execPath, [cliBin, 'server', 'stop'], { cwd: opened.workspace });
    // The daemon's runners may still be writing into the workspace's store as it goes.
    if (root) removeFolder(root);
  });

  return {
    get workbench() {
      return current().workbench;
    },
    get page() {
      return current().workbench.page;
    },
    get workspace() {
      return current().workspace;
    },
    get extensionsDir() {
      return current().extensionsDir;
    },
    screenshots,
    cli,
    async stage(stageName, body) {
      try {
        await body();
      } catch (error) {
        const { workbench } = current();
        await workbench.screenshot(`failed-${stageName}`).catch(() => undefined);
        const runs = cli(['runs', 'list']);
        process.stderr.write(`--- at the failure of "${stageName}": the extension's log\n${workbench.extensionLog()}\n--- pipewright runs list\n${runs.stdout}${runs.stderr}\n---\n`);
        throw error;
      }
    },
  };
}

/** The 1-based line of `text` in a file of the fixture workspace. */
export function lineOf(file: string, text: string): number {
  return lineIn(fs.readFileSync(path.join(fixtureWorkspace, file), 'utf8'), text, file);
}

/** The 1-based line of `text` in `source` (a file's text, `name` in the message when it is not there). */
export function lineIn(source: string, text: string, name = 'the source'): number {
  const index = source.split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} is not in ${name}`);
  return index + 1;
}
