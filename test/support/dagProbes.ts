/**
 * What the DAG webview's tests measure on the drawn graph, in whatever page or frame shows it: the
 * Chromium harness page (test/unit/webview) or the webview frame of a real workbench (test/e2e).
 * The probes themselves are plain JavaScript (webviewProbes.js), evaluated through the debugging
 * protocol, so the panel's CSP does not apply to them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';

type Box = { left: number; top: number; right: number; bottom: number };

export interface Probes {
  nodeTexts(): { id: string; text: string; screenFontPx: number; inside: boolean }[];
  useTheme(kind: string, colours: Record<string, string>): void;
  nodeColours(): { id: string; status: string; stroke: string; fill: string; background: string }[];
  menu(): { open: boolean; box: Box; view: { width: number; height: number }; items: { label: string; disabled: boolean }[]; focused: number; canvasFocused: boolean };
  nodeBox(id: string): Box;
  canvasBox(): Box;
  direction(): string | undefined;
  chrome(): { run: string; legendOpen: boolean; legend: string[] };
  focusedId(): string;
  selectedId(): string | undefined;
  tools(): { far: boolean; zoomFailed: boolean; status: string };
  farLabels(): { id: string; text: string; px: number; box: Box }[];
  minimapView(): { x: number; y: number; width: number; height: number };
  legendSamples(): { glyphs: { glyph: string; colour: string }[]; orderDashes: string; dataDashes: string; box: Box; view: { width: number; height: number } };
  edgeStrokes(): { kind: 'order' | 'data'; dashes: string }[];
  nodeGlyphs(): { id: string; status: string; glyph: string }[];
  cornerNode(): { id: string; x: number; y: number; score: number; gap: number } | undefined;
}
export type ProbesGlobal = { probes: Probes };
export const PROBES = fs.readFileSync(path.join(__dirname, '..', 'unit', 'webview', 'webviewProbes.js'), 'utf8');

/** Runs probe `name` in `target`, installing the probes first where they are missing (a reloaded webview frame). */
export async function probe<K extends keyof Probes>(target: Page | Frame, name: K, ...args: Parameters<Probes[K]>): Promise<ReturnType<Probes[K]>> {
  if ((await target.evaluate(() => typeof (globalThis as unknown as Partial<ProbesGlobal>).probes)) === 'undefined') await target.evaluate(PROBES);
  return target.evaluate(([key, values]) => ((globalThis as unknown as ProbesGlobal).probes[key] as (...a: unknown[]) => unknown)(...values), [name, args] as const) as Promise<ReturnType<Probes[K]>>;
}

/** WCAG 2 contrast ratio of two computed CSS colours (`rgb(r, g, b)`). */
export function contrastOf(a: string, b: string): number {
  const luminance = (colour: string) => {
    const [r, g, bl] = (colour.match(/\d+(\.\d+)?/g) ?? assert.fail(`not a colour: ${colour}`)).slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}
