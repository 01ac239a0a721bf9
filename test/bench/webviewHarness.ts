/**
 * Runs the built DAG webview (dist/webview/*) in headless Debian Chromium, the way VS Code hosts
 * it: the page comes from one loopback origin and the bundles from another (as webview resources
 * do), under the panel's real CSP (`dagHtml`), with a stand-in for `acquireVsCodeApi` and the
 * extension's messages (test/bench/webviewPage.js). Used by the benchmark and the browser tests.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dagHtml } from '../../client/src/webviewHtml';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const repoRoot = path.resolve(__dirname, '..', '..');

/** Files the resource origin serves (nothing else of the repository is reachable). */
const RESOURCES: Record<string, { file: string; type: string }> = {
  '/webview/main.js': { file: 'dist/webview/main.js', type: 'text/javascript' },
  '/webview/main.css': { file: 'dist/webview/main.css', type: 'text/css' },
  '/webview/layoutWorker.js': { file: 'dist/webview/layoutWorker.js', type: 'text/javascript' },
  '/harness/page.js': { file: 'test/bench/webviewPage.js', type: 'text/javascript' },
  '/harness/elk.bundled.js': { file: 'node_modules/elkjs/lib/elk.bundled.js', type: 'text/javascript' },
};

export interface PageOptions {
  /** Rewrites the panel's CSP (e.g. to take `worker-src` away and check the fallback). */
  csp?: (csp: string) => string;
  /** Emulates `prefers-reduced-motion: reduce`. */
  reducedMotion?: boolean;
  /** What the panel saved with `setState` before: the page opens as VS Code reopens a reloaded panel's webview. */
  savedState?: unknown;
}

export interface WebviewHarness {
  /** Where the resource origin serves elkjs's bundled build (for the in-page baseline). */
  elkScriptUrl: string;
  /** A fresh browser context and page with the webview loaded and its `ready` message received. */
  open(options?: PageOptions): Promise<Page>;
  close(): Promise<void>;
}

function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function origin(server: http.Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startWebviewHarness(): Promise<WebviewHarness> {
  for (const { file } of Object.values(RESOURCES)) {
    if (!fs.existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: run the build first (node scripts/build.mjs)`);
  }
  const resources = await listen((request, response) => {
    const resource = RESOURCES[new URL(request.url ?? '/', 'http://x').pathname];
    if (!resource || request.method !== 'GET') {
      response.writeHead(404).end();
      return;
    }
    // VS Code's resource loader answers the webview's fetches across origins; so does this one.
    response.writeHead(200, { 'Content-Type': resource.type, 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
    fs.createReadStream(path.join(repoRoot, resource.file)).pipe(response);
  });
  const cspSource = origin(resources);
  const pages = new Map<string, string>();
  const pageServer = await listen((request, response) => {
    const html = pages.get(new URL(request.url ?? '/', 'http://x').pathname);
    if (!html) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
  });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (error) {
    await new Promise((resolve) => resources.close(resolve));
    await new Promise((resolve) => pageServer.close(resolve));
    throw error;
  }
  const launched = browser;
  let pageCount = 0;
  return {
    elkScriptUrl: `${cspSource}/harness/elk.bundled.js`,
    async open(options = {}) {
      const nonce = randomBytes(16).toString('base64');
      let html = dagHtml({
        cspSource,
        nonce,
        scriptUri: `${cspSource}/webview/main.js`,
        styleUri: `${cspSource}/webview/main.css`,
        layoutWorkerUri: `${cspSource}/webview/layoutWorker.js`,
        title: 'DAG of bench',
      });
      if (options.csp) html = html.replace(/content="([^"]*)"/, (_match, csp: string) => `content="${options.csp?.(csp)}"`);
      // The stand-in for VS Code runs first, under the same nonce as the webview's own script.
      const saved = options.savedState === undefined ? '' : `<script nonce="${nonce}">window.harnessSavedState = ${JSON.stringify(options.savedState).replace(/</g, '\\u003c')};</script>\n`;
      html = html.replace(`<script nonce="${nonce}"`, `${saved}<script nonce="${nonce}" src="${cspSource}/harness/page.js"></script>\n<script nonce="${nonce}"`);
      const pagePath = `/page${++pageCount}`;
      pages.set(pagePath, html);
      const context = await launched.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: options.reducedMotion ? 'reduce' : 'no-preference' });
      const page = await context.newPage();
      page.on('close', () => void context.close().catch(() => undefined));
      await page.goto(`${origin(pageServer)}${pagePath}`);
      await page.waitForFunction(() => (globalThis as unknown as { harness?: { messages(): { kind: string }[] } }).harness?.messages().some((message) => message.kind === 'ready'));
      return page;
    },
    async close() {
      await launched.close();
      await new Promise((resolve) => resources.close(resolve));
      await new Promise((resolve) => pageServer.close(resolve));
    },
  };
}

/** What test/bench/webviewPage.js puts on the page (`window.harness`); evaluate callbacks reach it through `globalThis`. */
export interface PageHarness {
  messages(): { kind: string; message?: string }[];
  /** What the webview last saved with `setState`. */
  savedState(): unknown;
  send(body: unknown): void;
  runState(nodes: Record<string, unknown>, runStatus?: string): unknown;
  afterPaint(): Promise<void>;
  view(): { layout?: string; engine?: string; nodes: number; status: string; layoutsSeen: string[] };
  edges(): { from: string; to: string; flowing: boolean; done: boolean; dashes: boolean; animation?: string }[];
  touchedBy(body: unknown, id: string, status: string): Promise<string[]>;
  firstPaint(graph: unknown): Promise<{ insertedMs: number; firstPaintMs: number; firstKind: string; finalPaintMs: number; engine: string; status: string }>;
  elkDefaultLayout(input: unknown, elkScriptUrl: string): Promise<{ layoutMs: number; width: number; height: number }>;
  statusRepaint(ids: string[], events: [string, string][]): Promise<number[]>;
  bareRepaint(ids: string[], rounds: number): Promise<number[]>;
}

export type HarnessGlobal = { harness: PageHarness };
