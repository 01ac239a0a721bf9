import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepStatus } from '../../../runtime/src/model/status';
import { nodeDetail } from '../../../webview/src/nodeLabels';
import { heartbeatColor, paletteVariables, PALETTES, statusStyle, themeKind, type PaletteKey } from '../../../webview/src/statusStyle';
import { fitViewport, initialViewport, neighbourInDirection, zoomAt } from '../../../webview/src/viewport';

const statuses: StepStatus[] = ['pending', 'running', 'cached', 'completed', 'failed', 'skipped', 'cancelled', 'crashed'];

describe('status styles', () => {
  it('gives every status a theme colour, glyph and label; only running animates', () => {
    for (const status of statuses) {
      const style = statusStyle(status);
      assert.equal(style.stroke, `var(--pw-${status})`);
      assert.equal(style.label, status);
      assert.equal(style.animated, status === 'running');
    }
    assert.equal(new Set(statuses.map((s) => statusStyle(s).glyph)).size, statuses.length, 'a glyph per status, so status never relies on colour alone');
    assert.equal(statusStyle(undefined).label, 'not run');
  });

  it('colours heartbeat ages amber when late and red when lost', () => {
    assert.equal(heartbeatColor('late'), 'var(--pw-late)');
    assert.equal(heartbeatColor('lost'), 'var(--pw-lost)');
    const thresholds = { intervalMs: 1000, timeoutMs: 3000 };
    const late = nodeDetail({ status: 'running', attempt: 2, startedAt: 0, heartbeatAt: 500 }, thresholds, 2600);
    assert.equal(late.text, 'attempt 2 · 2.6 s · ♥ 2 s late');
    assert.equal(late.heartbeat, 'late');
    assert.equal(nodeDetail({ status: 'running', attempt: 1, startedAt: 0, heartbeatAt: 2500 }, thresholds, 3000).text, '3.0 s · ♥ just now');
    assert.equal(nodeDetail({ status: 'running', attempt: 1, startedAt: 0 }, thresholds, 3000).heartbeat, 'lost');
    assert.equal(nodeDetail({ status: 'completed', attempt: 1, durationMs: 1200 }, thresholds, 0).text, '1.2 s');
    assert.equal(nodeDetail({ status: 'cached', attempt: 0, cached: true }, thresholds, 0).text, 'cached');
  });

  it("colours a node's heartbeat by its attempt's own lease, the editor's settings only when it came without one", () => {
    const editor = { intervalMs: 5000, timeoutMs: 15_000 };
    const lease = { intervalMs: 10_000, timeoutMs: 30_000 };
    // 16 s without a beat: lost by the editor's figure (15 s), only late by the lease's (the orchestrator still holds it).
    const own = nodeDetail({ status: 'running', attempt: 1, startedAt: 0, heartbeatSettings: lease }, editor, 16_000);
    assert.equal(own.heartbeat, 'late');
    assert.match(own.text, /♥ 16 s late$/);
    // 15 s: on time for beats 10 s apart (late past 1.5 intervals), lost by the editor's figure.
    assert.equal(nodeDetail({ status: 'running', attempt: 1, startedAt: 0, heartbeatSettings: lease }, editor, 15_000).heartbeat, 'ok');
    assert.equal(nodeDetail({ status: 'running', attempt: 1, startedAt: 0, heartbeatSettings: lease }, editor, 12_000).heartbeat, 'ok');
    assert.equal(nodeDetail({ status: 'running', attempt: 1, startedAt: 0, heartbeatSettings: lease }, editor, 30_000).heartbeat, 'lost');
    assert.equal(nodeDetail({ status: 'running', attempt: 1, startedAt: 0 }, editor, 15_000).heartbeat, 'lost');
  });

  it("ranks a running step's heartbeat above its duration and attempt, and an ended step's attempt above its duration", () => {
    const thresholds = { intervalMs: 1000, timeoutMs: 3000 };
    const byRank = (parts: { text: string; rank: number }[]) => [...parts].sort((a, b) => b.rank - a.rank).map((part) => part.text);
    assert.deepEqual(byRank(nodeDetail({ status: 'running', attempt: 3, startedAt: 0, heartbeatAt: 0 }, thresholds, 65_000).parts), ['♥ 1 min lost', '1 m 05 s', 'attempt 3']);
    assert.deepEqual(byRank(nodeDetail({ status: 'failed', attempt: 3, durationMs: 185_000 }, thresholds, 0).parts), ['attempt 3', '3 m 05 s']);
  });
});

/** WCAG 2 relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (offset: number) => {
    const c = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2 contrast ratio of two opaque colours. */
function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

/** Editor and widget (node fill) backgrounds of VS Code's default themes: Light/Dark Modern, and Light+/Dark+. */
const BACKGROUNDS = {
  light: { 'Light Modern editor': '#ffffff', 'Light Modern widget': '#f8f8f8', 'Light+ editor': '#ffffff', 'Light+ widget': '#f3f3f3' },
  dark: { 'Dark Modern editor': '#1f1f1f', 'Dark Modern widget': '#202020', 'Dark+ editor': '#1e1e1e', 'Dark+ widget': '#252526' },
};

describe('status colours', () => {
  it('checks contrast as WCAG does', () => {
    assert.equal(contrast('#ffffff', '#000000'), 21);
    // What the palette replaces: the themes' passed-test green and chart purple, on Light Modern's node fill.
    assert.ok(contrast('#73c991', '#f8f8f8') < 2 && contrast('#b180d7', '#f8f8f8') < 3);
  });

  for (const kind of ['light', 'dark'] as const) {
    it(`has at least 3:1 between every status border and the ${kind} default themes' backgrounds, 4.5:1 for heartbeat text`, () => {
      const weak: string[] = [];
      for (const [key, colour] of Object.entries(PALETTES[kind]) as [PaletteKey, string][]) {
        const needed = key === 'late' || key === 'lost' ? 4.5 : 3;
        for (const [where, background] of Object.entries(BACKGROUNDS[kind])) {
          const ratio = contrast(colour, background);
          if (ratio < needed) weak.push(`${key} ${colour} on ${where} ${background}: ${ratio.toFixed(2)}:1 < ${needed}:1`);
        }
      }
      assert.deepEqual(weak, []);
    });
  }

  it('sets the palette of the theme kind VS Code puts on the body, and the theme colours in high contrast', () => {
    const classes = (...names: string[]) => ({ contains: (name: string) => names.includes(name) });
    assert.equal(themeKind(classes('vscode-light')), 'light');
    assert.equal(themeKind(classes('vscode-dark')), 'dark');
    assert.equal(themeKind(classes()), 'dark');
    assert.equal(themeKind(classes('vscode-high-contrast')), 'highContrast');
    assert.equal(themeKind(classes('vscode-high-contrast', 'vscode-high-contrast-light')), 'highContrastLight');
    assert.equal(paletteVariables('light')['--pw-completed'], PALETTES.light.completed);
    assert.equal(paletteVariables('dark')['--pw-cached'], PALETTES.dark.cached);
    assert.match(paletteVariables('highContrastLight')['--pw-completed'], /^var\(--vscode-testing-iconPassed/);
    assert.deepEqual(Object.keys(paletteVariables('highContrast')).sort(), Object.keys(paletteVariables('light')).sort());
  });
});

describe('viewport', () => {
  it('fits content into the view and zooms around a fixed point', () => {
    const fitted = fitViewport({ width: 1000, height: 100 }, { width: 548, height: 400 });
    assert.equal(fitted.scale, 0.5);
    const zoomed = zoomAt({ x: 0, y: 0, scale: 1 }, 2, 100, 100);
    assert.deepEqual(zoomed, { x: -100, y: -100, scale: 2 });
  });

  it('opens at the readable scale when fitting would shrink text, showing the first layer and centring what fits', () => {
    const view = { width: 620, height: 800 };
    assert.deepEqual(initialViewport({ width: 300, height: 500 }, view, 1), fitViewport({ width: 300, height: 500 }, view), 'a graph that fits is fitted');
    // Top down, wider than the view: the first layer is centred across, the top at the top.
    const wide = initialViewport({ width: 2000, height: 600 }, view, 1, { x: 900, y: 0, width: 200, height: 58 }, 'DOWN');
    assert.deepEqual(wide, { x: 310 - 1000, y: 100, scale: 1 });
    // A first layer at the graph's edge is not centred past the edge.
    assert.equal(initialViewport({ width: 2000, height: 600 }, view, 1, { x: 0, y: 0, width: 200, height: 58 }, 'DOWN').x, 24);
    // Left to right, too long and too tall: the left edge, the first layer centred vertically as far as allowed.
    const long = initialViewport({ width: 3000, height: 1000 }, view, 1, { x: 0, y: 400, width: 150, height: 58 }, 'RIGHT');
    assert.deepEqual(long, { x: 24, y: 400 - 429, scale: 1 });
  });

  it('moves keyboard focus to the nearest node in the arrow direction', () => {
    const box = (id: string, x: number, y: number) => ({ id, x, y, width: 10, height: 10 });
    const nodes = [box('a', 0, 0), box('b', 100, 0), box('c', 100, 100), box('d', 0, 100)];
    assert.equal(neighbourInDirection(nodes[0], nodes, 'right'), 'b');
    assert.equal(neighbourInDirection(nodes[0], nodes, 'down'), 'd');
    assert.equal(neighbourInDirection(nodes[0], nodes, 'left'), undefined);
  });
});
