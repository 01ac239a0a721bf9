/**
 * How each step status looks on the graph: a colour and a glyph (so status never relies on colour
 * alone). Colours are CSS variables (`--pw-<status>`) set per theme kind by `paletteVariables`:
 * in light and dark themes from a palette whose every colour has at least 3:1 contrast against
 * the default themes' editor and widget backgrounds (WCAG 1.4.11; the themes' own chart and
 * testing colours do not, e.g. the passed-test green is 2:1 on white), in high-contrast themes
 * the theme's own colours, which are made for contrast.
 */
import type { StepStatus } from '../../runtime/src/model/status';
import type { HeartbeatLevel } from '../../contracts/src/heartbeat';

export interface StatusStyle {
  /** CSS colour for the node's border and glyph. */
  stroke: string;
  /** Glyph drawn before the step name. */
  glyph: string;
  label: string;
  /** Running nodes pulse; finished ones do not. */
  animated: boolean;
}

/** Every colour of the palette: the statuses, "not run", and late and lost heartbeat ages. */
export type PaletteKey = StepStatus | 'idle' | 'late' | 'lost';

export type ThemeKind = 'light' | 'dark' | 'highContrast' | 'highContrastLight';

const STATUS_ORDER: (StepStatus | 'idle')[] = ['idle', 'pending', 'running', 'cached', 'completed', 'failed', 'skipped', 'cancelled', 'crashed'];

/** Fixed colours of light and dark themes (the unit test checks their contrast). */
export const PALETTES: Record<'light' | 'dark', Record<PaletteKey, string>> = {
  light: {
    idle: '#8a8a8a',
    pending: '#767676',
    running: '#0066cc',
    cached: '#8a3ec2',
    completed: '#2a7d33',
    failed: '#d12f2f',
    skipped: '#767676',
    cancelled: '#b35c00',
    crashed: '#a1260d',
    late: '#8f6400',
    lost: '#c72a2a',
  },
  dark: {
    idle: '#6f6f6f',
    pending: '#8b8b8b',
    running: '#3794ff',
    cached: '#b180d7',
    completed: '#73c991',
    failed: '#f14c4c',
    skipped: '#8b8b8b',
    cancelled: '#d18616',
    crashed: '#f48771',
    late: '#cca700',
    lost: '#ff6b6b',
  },
};

/** High-contrast themes: the theme's colours. */
const HIGH_CONTRAST: Record<PaletteKey, string> = {
  idle: 'var(--vscode-contrastBorder, #6fc3df)',
  pending: 'var(--vscode-disabledForeground, #a5a5a5)',
  running: 'var(--vscode-charts-blue, #3794ff)',
  cached: 'var(--vscode-charts-purple, #b180d7)',
  completed: 'var(--vscode-testing-iconPassed, #73c991)',
  failed: 'var(--vscode-testing-iconFailed, #f14c4c)',
  skipped: 'var(--vscode-disabledForeground, #a5a5a5)',
  cancelled: 'var(--vscode-charts-orange, #d18616)',
  crashed: 'var(--vscode-errorForeground, #f48771)',
  late: 'var(--vscode-editorWarning-foreground, #cca700)',
  lost: 'var(--vscode-editorError-foreground, #f14c4c)',
};

/** The CSS variable of a palette colour. */
export function paletteVar(key: PaletteKey): string {
  return `var(--pw-${key})`;
}

/** The `--pw-*` variables for a theme kind (set on the page's body). */
export function paletteVariables(kind: ThemeKind): Record<string, string> {
  const colours = kind === 'light' ? PALETTES.light : kind === 'dark' ? PALETTES.dark : HIGH_CONTRAST;
  return Object.fromEntries(Object.entries(colours).map(([key, value]) => [`--pw-${key}`, value]));
}

/** The theme kind from the classes VS Code puts on a webview's body. */
export function themeKind(bodyClasses: { contains(name: string): boolean }): ThemeKind {
  if (bodyClasses.contains('vscode-high-contrast-light')) return 'highContrastLight';
  if (bodyClasses.contains('vscode-high-contrast')) return 'highContrast';
  return bodyClasses.contains('vscode-light') ? 'light' : 'dark';
}

const GLYPHS: Record<StepStatus | 'idle', string> = {
  idle: '○',
  pending: '◌',
  running: '▶',
  cached: '⟲',
  completed: '✓',
  failed: '✗',
  skipped: '⤼',
  cancelled: '■',
  crashed: '⚡',
};

const STYLES = Object.fromEntries(
  STATUS_ORDER.map((status) => [status, { stroke: paletteVar(status), glyph: GLYPHS[status], label: status === 'idle' ? 'not run' : status, animated: status === 'running' }]),
) as Record<StepStatus | 'idle', StatusStyle>;

/** Style of a node; `undefined` status means the pipeline has not run in this panel. */
export function statusStyle(status: StepStatus | undefined): StatusStyle {
  return STYLES[status ?? 'idle'];
}

/** Every status with its style, "not run" first (the legend lists them in this order). */
export function allStatusStyles(): { status: StepStatus | 'idle'; style: StatusStyle }[] {
  return STATUS_ORDER.map((status) => ({ status, style: STYLES[status] }));
}

/** Colour of a heartbeat age label: amber when late, red when lost. */
export function heartbeatColor(level: HeartbeatLevel): string {
  switch (level) {
    case 'ok':
      return 'var(--vscode-descriptionForeground, #999)';
    case 'late':
      return paletteVar('late');
    case 'lost':
      return paletteVar('lost');
  }
}
