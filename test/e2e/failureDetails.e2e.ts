/**
 * End to end, as a user: a failed step is explained where the eye is, in a real VS Code workbench
 * (code-server, the packaged .vsix, headless Chromium). A step throws a multi-line error from a
 * nested function of the pipeline file; its DAG node then shows the error's first line (and the
 * run's banner where and why, uncut beside the code), its
 * tooltip the whole message and the source-mapped stack (the pipeline file's lines, not the run
 * bundle's), and the banner's Details opens the step's details with the message and the stack,
 * whose frames open the pipeline file at their lines. Screenshots go to
 * test-results/e2e/failureDetails/. Needs `npm run package` and the tools from scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { answerQuickInput, liveDag, runCommand, until, waitForCursor, waitForStatuses, type Workbench } from './workbench';
import { lineIn, workbenchSuite } from './workbenchSuite';

/** `check` fails in `rejectNegative`, called by `validate`, called by the step: three frames in this file. */
const PIPELINE = `import { pipeline, step } from 'pipewright';

function rejectNegative(rows: number[]): void {
  const negative = rows.findIndex((row) => row < 0);
  if (negative >= 0) {
    throw new Error(\`row \${negative} is negative\\nvalue: \${rows[negative]}\\nfix the source data, then retry\`);
  }
}

function validate(rows: number[]): number {
  rejectNegative(rows);
  return rows.length;
}

export const ingest = step(function ingest(): number[] {
  return [3, -1, 4];
});

export const check = step({ enableCache: false }, function check(rows: number[]): number {
  return validate(rows);
});

export const audit = pipeline({ enableCache: false }, function audit() {
  check(ingest());
});
`;
const FILE = 'pipelines/audit.ts';
const MESSAGE = ['row 1 is negative', 'value: -1', 'fix the source data, then retry'];
/** The user's frames, innermost first: the function, and the line of the pipeline file each stops at. */
const USER_FRAMES = [
  { fn: 'rejectNegative', line: lineIn(PIPELINE, 'throw new Error(') },
  { fn: 'validate', line: lineIn(PIPELINE, '  rejectNegative(rows);') },
  { fn: 'check', line: lineIn(PIPELINE, 'return validate(rows);') },
];

/** `at rejectNegative (pipelines/audit.ts:6:11)`: the frame of `fn` in the pipeline file (named relative to the workspace), its line and column. */
function frameIn(lines: readonly string[], fn: string): { line: number; column: number } | undefined {
  for (const text of lines) {
    const match = new RegExp(`^\\s*at (?:Object\\.)?${fn} \\((.*):(\\d+):(\\d+)\\)$`).exec(text);
    if (match && match[1] === FILE) return { line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

describe('a failure explained where you look, in a real VS Code workbench', () => {
  const suite = workbenchSuite('failureDetails', {
    prepare: (workspace) => fs.writeFileSync(path.join(workspace, FILE), PIPELINE),
  });
  const { stage } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));
  const dag = liveDag(() => page);
  const liveFrame = dag.live;
  const checkNode = async () => (await liveFrame()).locator('g.node[data-id="check"]');

  it("shows the error's first line on the failed node, and the banner's why uncut in the side-by-side panel", () =>
    stage('node', async () => {
      await dag.open(FILE, 'audit', 2);
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'audit');
      await waitForStatuses(liveFrame, 'check to fail', (statuses) => statuses.check === 'failed' && statuses.ingest === 'completed');
      // The failure's notification (extension.e2e.ts shows it) would cover the details panel in the screenshots.
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'failed at step check' }).first();
      await toast.waitFor({ state: 'visible', timeout: 60_000 });
      await runCommand(page, 'Notifications: Clear All Notifications');
      await toast.waitFor({ state: 'hidden', timeout: 30_000 });
      const detail = async () => ((await (await checkNode()).locator('.node-detail').textContent().catch(() => '')) ?? '').trim();
      // The first line leads the detail line (then the duration, if it fits); no other line of the message.
      await until("the error's first line on the node", async () => (await detail()).startsWith(MESSAGE[0]), { timeoutMs: 30_000, last: detail });
      assert.doesNotMatch(await detail(), /value:|fix the source/, 'only the first line is on the node');
      // The banner says where and why first, and all of it shows in the side-by-side panel (a
      // timestamped run name in front of it pushed the why out of view).
      const banner = (await liveFrame()).locator('#banner .banner-text');
      assert.equal(await banner.textContent(), `Failed at step check: ${MESSAGE[0]}`);
      const fits = await banner.evaluate((text) => text.scrollWidth <= text.clientWidth && text.scrollHeight <= text.clientHeight);
      assert.ok(fits, "the banner's text is not cut");
      assert.match((await banner.getAttribute('title')) ?? '', /^Run audit-\S+ failed at step check: /, "its tooltip names the run");
      await workbench.screenshot('01-failed-node');
    }));

  it('holds the whole message and the source-mapped stack in the node\'s tooltip', () =>
    stage('tooltip', async () => {
      await (await checkNode()).hover();
      const title = async () => (await (await checkNode()).locator(':scope > title').textContent({ timeout: 1000 }).catch(() => '')) ?? '';
      await until('the tooltip of the failed node', async () => (await title()).includes(MESSAGE[2]), { timeoutMs: 30_000, last: title });
      const lines = (await title()).split('\n');
      assert.equal(lines[0], 'check', `the tooltip starts with the node: ${lines.join(' | ')}`);
      assert.match(lines[1], new RegExp(`^failed · ${MESSAGE[0]}`), 'then its status and detail line');
      // Every line of the message, as thrown.
      const header = lines.indexOf(`Error: ${MESSAGE[0]}`);
      assert.ok(header > 0, `the message's header: ${lines.join(' | ')}`);
      assert.deepEqual(lines.slice(header + 1, header + MESSAGE.length), MESSAGE.slice(1), 'every line of the message');
      // The stack is the pipeline file's, at its lines: never the run's bundle.
      for (const { fn, line } of USER_FRAMES) assert.equal(frameIn(lines, fn)?.line, line, `the frame of ${fn} at ${FILE}:${line}: ${lines.join(' | ')}`);
      assert.doesNotMatch(lines.join('\n'), /\.cjs:|bundles\//, 'no frame in the bundle');
      // A native tooltip is not drawn in a headless screenshot: this shows the hovered node.
      await workbench.screenshot('02-hovered-node');
    }));

  it("opens the failed step's details from the banner, with the message and the stack, whose frames open the pipeline file at their lines", () =>
    stage('details', async () => {
      const dag = await liveFrame();
      await dag.locator('#banner button', { hasText: 'Details' }).click();
      const details = dag.locator('#details');
      await details.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await details.locator('.details-title').textContent()) ?? '', /check/);
      const rows = async () => (await details.locator('.details-error > div').allTextContents().catch(() => [] as string[])).map((text) => text.trim());
      await until('the message and the stack in the details', async () => (await rows()).includes(MESSAGE[2]), { timeoutMs: 30_000, last: async () => (await rows()).join(' | ') });
      const shown = await rows();
      assert.deepEqual(shown.slice(0, MESSAGE.length), [`Error: ${MESSAGE[0]}`, ...MESSAGE.slice(1)], 'the whole message, line by line');
      // Every frame of the user's code is a link, marked as the user's, at the pipeline file's line.
      const links = details.locator('.details-frame a.frame-link.user');
      const linkTexts = await links.allTextContents();
      for (const { fn, line } of USER_FRAMES) assert.equal(frameIn(linkTexts, fn)?.line, line, `a link to ${fn} at ${FILE}:${line}: ${linkTexts.join(' | ')}`);
      await workbench.screenshot('03-details');

      // Each frame opens the pipeline file at its own line and column: the innermost, then its caller.
      for (const { fn } of USER_FRAMES.slice(0, 2)) {
        const at = frameIn(linkTexts, fn);
        assert.ok(at);
        await (await liveFrame()).locator('#details a.frame-link.user', { hasText: `at ${fn} (` }).first().click();
        const activeTab = page.locator('.part.editor .editor-group-container.active .tab.active');
        await until(`${FILE} active in the editor`, async () => ((await activeTab.getAttribute('aria-label', { timeout: 1000 }).catch(() => '')) ?? '').startsWith('audit.ts'), {
          last: async () => (await activeTab.getAttribute('aria-label', { timeout: 1000 }).catch(() => '')) ?? '(no active tab)',
        });
        await waitForCursor(page, at.line, at.column);
        await workbench.screenshot(`04-frame-${fn}`);
      }
    }));
});
