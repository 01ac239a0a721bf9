/**
 * A real VS Code workbench for the end-to-end suite: VS Code's server build (code-server, run by
 * Node 24) on loopback with the packaged .vsix installed into a fresh extensions folder, and
 * headless Debian Chromium driven by playwright-core. Helpers act as a user would: the command
 * palette, Quick Open, the Problems panel, and the DAG webview's frame.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { freePort } from '../support/freePort';
import { stopProcessGroup } from '../support/processTree';
import type { E2eTools } from './fixtureWorkspace';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];


export interface Workbench {
  page: Page;
  /** The user-data folder (logs live under it). */
  userDataDir: string;
  /** Everything code-server printed, for failure messages. */
  serverOutput(): string;
  /** The Pipewright output channel's log file(s) so far. */
  extensionLog(): string;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Installs the .vsix into `extensionsDir` with code-server's own installer. */
export function installExtension(tools: E2eTools, vsix: string, extensionsDir: string, userDataDir: string): void {
  const result = spawnSync(tools.node, [tools.codeServer, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`installing ${vsix} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}

export async function openWorkbench(options: { tools: E2eTools; workspace: string; extensionsDir: string; userDataDir: string; screenshots: string; env?: NodeJS.ProcessEnv; viewport?: { width: number; height: number } }): Promise<Workbench> {
  const { tools, workspace, extensionsDir, userDataDir } = options;
  const settingsDir = path.join(userDataDir, 'User');
  fs.mkdirSync(settingsDir, { recursive: true });
  fs.writeFileSync(
    path.join(settingsDir, 'settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'workbench.enableExperiments': false,
      'chat.disableAIFeatures': true,
      'window.commandCenter': false,
      // As desktop VS Code: VS Code for the web saves a second after each edit by default, which
      // saved a test's typing to disk for the next run to pick up before undo could take it back.
      'files.autoSave': 'off',
    }),
  );
  const port = await freePort();
  let output = '';
  const server: ChildProcess = spawn(
    tools.node,
    [tools.codeServer, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, workspace],
    // Its own process group, so that closing stops its extension host and watchers too (they write into user-data).
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  server.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  server.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const group = server.pid;
  if (group === undefined) throw new Error(`code-server did not start: ${tools.codeServer}`);
  const stopServer = () => stopProcessGroup(group);
  await waitForOutput(() => output, /HTTP server listening on/, 60_000, server).catch(async (error: unknown) => {
    await stopServer();
    throw error;
  });

  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: tools.chromium, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1600, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    fs.mkdirSync(options.screenshots, { recursive: true });
    const opened = browser;
    return {
      page,
      userDataDir,
      serverOutput: () => output,
      extensionLog: () => readExtensionLog(userDataDir),
      screenshot: async (name) => {
        await page.screenshot({ path: path.join(options.screenshots, `${name}.png`) });
      },
      close: async () => {
        await opened.close().catch(() => undefined);
        await stopServer();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await stopServer();
    throw error;
  }
}

function readExtensionLog(userDataDir: string): string {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return '(no logs folder)';
  const files = (fs.readdirSync(logs, { recursive: true, encoding: 'utf8' }) as string[]).filter((file) => file.endsWith(path.join('pipewright.pipewright-vscode', 'Pipewright.log')));
  return files.map((file) => fs.readFileSync(path.join(logs, file), 'utf8')).join('\n') || '(no Pipewright log)';
}

async function waitForOutput(read: () => string, pattern: RegExp, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}) before listening:\n${read()}`);
    if (Date.now() > deadline) throw new Error(`code-server did not start listening within ${timeoutMs} ms:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Re-checks the workbench's state until `check` gives a value (not undefined or false), up to
 * `timeoutMs`; the error names what was awaited and, through `last`, what was seen instead.
 */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, options: { timeoutMs?: number; last?: () => Promise<string> | string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.last ? ` (seen: ${await options.last()})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until a line of the extension's log matches `pattern` (VS Code writes the log file a
 * moment after the extension logs, later still on a busy machine); the match of the last such line.
 */
export async function loggedLine(workbench: Pick<Workbench, 'extensionLog'>, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return until(
    `the extension's log to show ${pattern}`,
    async () => {
      const lines = workbench.extensionLog().split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const match = pattern.exec(lines[i]);
        if (match) return match;
      }
      return undefined;
    },
    { timeoutMs, last: () => workbench.extensionLog().trimEnd().split('\n').slice(-6).join(' | ') },
  );
}

/** Runs a command from the palette by its title, as a user types it. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  // The palette lists the commands enabled when it opens: one whose `when` context an extension
  // sets at the end of its activation may come a moment later, so the palette is opened again.
  await until(`the palette to offer "${title}"`, async () => {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    if (await row.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) return true;
    await input.press('Escape');
    await input.waitFor({ state: 'hidden' });
    return false;
  }, { timeoutMs: 60_000 });
  await input.press('Enter');
  // The palette closes, or turns into the command's own quick pick: either way it stops showing the command.
  await until(`the palette to stop showing "${title}" after Enter`, async () => {
    if (!(await input.isVisible())) return true;
    const value = await input.inputValue({ timeout: 1000 }).catch(() => undefined);
    return value !== undefined && value !== `>${title}`;
  }, { timeoutMs: 10_000 });
}

/** Waits for the quick input titled `title` to be shown and live (the previous one may still be closing). */
async function quickInput(page: Page, title: string) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  const shown = async () =>
    `${(await widget.locator('.quick-input-title').first().textContent({ timeout: 200 }).catch(() => '')) ?? ''} ${(await input.getAttribute('aria-label', { timeout: 200 }).catch(() => '')) ?? ''} ${(await input.getAttribute('placeholder', { timeout: 200 }).catch(() => '')) ?? ''}`.trim();
  const live = async () => (await input.isVisible()) && (await input.isEnabled({ timeout: 200 }).catch(() => false)) && (await input.isEditable({ timeout: 200 }).catch(() => false));
  await until(`the quick input "${title}"`, async () => (await live()) && (await shown()).includes(title), { last: shown });
  return { widget, input };
}

/** Answers the quick input titled `title`: a pick chooses the row `label`; with `type`, `label` is accepted as typed. */
export async function answerQuickInput(page: Page, title: string, label: string, options: { type?: boolean } = {}): Promise<void> {
  // A quick pick may be shown again while its items load (the one shown first then closes): answer the one that stays.
  await until(`the answer "${label}" to the quick input "${title}"`, async () => {
    const { widget, input } = await quickInput(page, title);
    if (!(await input.fill(label, { timeout: 5000 }).then(() => true, () => false))) return false;
    if (!options.type && !(await widget.locator('.monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false))) return false;
    await input.press('Enter');
    return true;
  }, { timeoutMs: 60_000 });
}

/** Accepts the first item of the quick pick titled `title`. */
export async function acceptFirst(page: Page, title: string): Promise<void> {
  const { widget, input } = await quickInput(page, title);
  await widget.locator('.monaco-list-row').first().waitFor({ state: 'visible' });
  await input.press('Enter');
}

/** Opens a workspace file through Quick Open. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(relativePath);
  // Enter opens the focused row: wait until the filter has put the file there (a recent file is focused before).
  await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: path.basename(relativePath) }).first().waitFor({ state: 'visible' });
  await input.press('Enter');
  await page.locator(`.tab[aria-label^="${path.basename(relativePath)}"]`).first().waitFor({ state: 'visible' });
  // The editor takes the keyboard focus once its text is loaded, which may be after the tab shows:
  // keys meant for a panel or an input opened in between would be typed into the file.
  await page.locator('.part.editor .editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible' });
  await page.locator('.quick-input-widget').first().waitFor({ state: 'hidden' });
}

/**
 * The frame that holds the DAG webview's SVG (webviews are nested iframes of the workbench); with
 * `pipeline`, the one of that pipeline's DAG (hidden panels keep their frames: several may be open).
 */
export async function dagFrame(page: Page, timeoutMs = 60_000, pipeline?: string): Promise<Frame> {
  return until(
    pipeline === undefined ? 'the DAG webview' : `the DAG webview of ${pipeline}`,
    async () => {
      for (const frame of page.frames()) {
        if (!(await frame.locator('svg#canvas').count().catch(() => 0))) continue;
        if (pipeline === undefined || (await frame.title().catch(() => '')) === `DAG of ${pipeline}`) return frame;
      }
      return undefined;
    },
    { timeoutMs },
  );
}

/** Every node's `data-status` in the DAG webview, by node id. */
export async function nodeStatuses(frame: Frame): Promise<Record<string, string>> {
  return frame.locator('g.node').evaluateAll((nodes) => Object.fromEntries(nodes.map((node) => [node.getAttribute('data-id') ?? '', node.getAttribute('data-status') ?? ''])));
}

/** Waits until the DAG's node statuses, read from `frame()` (VS Code may reload the webview), satisfy `accept`. */
export async function waitForStatuses(frame: () => Promise<Frame>, what: string, accept: (statuses: Record<string, string>) => boolean, timeoutMs = 120_000): Promise<Record<string, string>> {
  let last: Record<string, string> = {};
  return until(
    what,
    async () => {
      last = await nodeStatuses(await frame()).catch(() => last);
      return accept(last) && last;
    },
    { timeoutMs, last: () => `node statuses ${JSON.stringify(last)}` },
  );
}

/**
 * Opens the DAG of `pipeline` in `file` as a user does, once the extension shows its view: the
 * file, then Show DAG from the palette. Resolves to the webview's frame once `nodes` nodes are drawn.
 */
/**
 * The DAG panel's frame as a suite follows it: `open` shows a pipeline's DAG, `live` the frame
 * now (found again once the panel's frame was replaced).
 */
export function liveDag(page: () => Page): { open(file: string, pipeline: string, nodes: number): Promise<Frame>; live(): Promise<Frame> } {
  let frame: Frame | undefined;
  return {
    open: async (file, pipeline, nodes) => (frame = await openDag(page(), file, pipeline, nodes)),
    live: async () => (frame === undefined || frame.isDetached() ? (frame = await dagFrame(page())) : frame),
  };
}

export async function openDag(page: Page, file: string, pipeline: string, nodes: number): Promise<Frame> {
  await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().waitFor({ state: 'visible', timeout: 60_000 });
  await openFile(page, file);
  await runCommand(page, 'Pipewright: Show DAG');
  await answerQuickInput(page, 'Pipeline', pipeline);
  const frame = await dagFrame(page, 60_000, pipeline);
  // Attached, not visible: a large graph leaves the nodes out of view undrawn (culled).
  await frame.locator('g.node').nth(nodes - 1).waitFor({ state: 'attached', timeout: 60_000 });
  return frame;
}

/**
 * Moves the active editor's cursor to `line`, `column` (1-based) with Go to Line, and waits until
 * it is there: keys typed before Quick Open shows, or before it closes, would land in the file.
 */
export async function goToLine(page: Page, line: number, column = 1): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`); // Go to Line is Quick Open's `:` mode
  await input.press('Enter');
  await input.waitFor({ state: 'hidden' });
  await waitForCursor(page, line, column);
}

/** Waits until the status bar says the active editor's cursor is at `line`, `column` (1-based). */
export async function waitForCursor(page: Page, line: number, column: number, timeoutMs = 30_000): Promise<void> {
  const cursor = page.locator('[id="status.editor.selection"]');
  const text = async () => (await cursor.textContent().catch(() => '')) ?? '';
  await until(`the cursor at Ln ${line}, Col ${column}`, async () => new RegExp(`\\bLn ${line}, Col ${column}\\b`).test(await text()), { timeoutMs, last: text });
}
