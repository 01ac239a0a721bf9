/**
 * What the Chromium tests of the built webview share: the harness (the panel's page under its
 * real CSP, in Debian's Chromium) started before a suite's tests and closed after, the message
 * the extension would post, and the wait for the graph to be drawn.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM, startWebviewHarness, type HarnessGlobal, type PageOptions, type WebviewHarness } from '../../bench/webviewHarness';

/** Registers the suite's before and after hooks (call it in a `describe`); `open` gives a fresh page of the panel. */
export function webviewSuite(): Pick<WebviewHarness, 'open'> & { readonly elkScriptUrl: string } {
  let harness: WebviewHarness | undefined;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `these tests drive Debian's Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\``);
    harness = await startWebviewHarness();
  });
  after(async () => {
    await harness?.close();
  });
  const started = () => {
    assert.ok(harness, 'the webview harness did not start (see the before hook)');
    return harness;
  };
  return {
    open: (options?: PageOptions) => started().open(options),
    get elkScriptUrl() {
      return started().elkScriptUrl;
    },
  };
}

/** Posts `message` to the page as the extension does. */
export function send(page: Page, message: unknown): Promise<unknown> {
  return page.evaluate((body) => (globalThis as unknown as HarnessGlobal).harness.send(body), message);
}

/** Waits until the page draws `count` nodes. */
export async function nodesDrawn(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => (globalThis as unknown as { document: { querySelectorAll(selector: string): ArrayLike<unknown> } }).document.querySelectorAll('#layer .node').length === n, count);
}
