/**
 * How each step status looks on the graph: colours are `--vscode-*` theme variables (so light,
 * dark and high-contrast themes all read well), plus a glyph that does not rely on colour alone.
 */
import type { StepStatus } from '../../runtime/src/model/status';
import type { HeartbeatLevel } from './heartbeat';

export interface StatusStyle {
  /** CSS colour for the node's border and icon. */
  stroke: string;
  /** Glyph drawn before the step name. */
  glyph: string;
  label: string;
  /** Running nodes pulse; finished ones do not. */
  animated: boolean;
}

const STYLES: Record<StepStatus | 'idle', StatusStyle> = {
  idle: { stroke: 'var(--vscode-editorWidget-border, var(--vscode-contrastBorder, #888))', glyph: '○', label: 'not run', animated: false },
  pending: { stroke: 'var(--vscode-disabledForeground, #888)', glyph: '◌', label: 'pending', animated: false },
  running: { stroke: 'var(--vscode-charts-blue, #3794ff)', glyph: '▶', label: 'running', animated: true },
  cached: { stroke: 'var(--vscode-charts-purple, #b180d7)', glyph: '⟲', label: 'cached', animated: false },
  completed: { stroke: 'var(--vscode-testing-iconPassed, #73c991)', glyph: '✓', label: 'completed', animated: false },
  failed: { stroke: 'var(--vscode-testing-iconFailed, #f14c4c)', glyph: '✗', label: 'failed', animated: false },
  skipped: { stroke: 'var(--vscode-disabledForeground, #888)', glyph: '⤼', label: 'skipped', animated: false },
  cancelled: { stroke: 'var(--vscode-charts-orange, #d18616)', glyph: '■', label: 'cancelled', animated: false },
  crashed: { stroke: 'var(--vscode-errorForeground, #f48771)', glyph: '⚡', label: 'crashed', animated: false },
};

/** Style of a node; `undefined` status means the pipeline has not run in this panel. */
export function statusStyle(status: StepStatus | undefined): StatusStyle {
  return STYLES[status ?? 'idle'];
}

/** Colour of a heartbeat age label: amber when late, red when lost. */
export function heartbeatColor(level: HeartbeatLevel): string {
  switch (level) {
    case 'ok':
      return 'var(--vscode-descriptionForeground, #999)';
    case 'late':
      return 'var(--vscode-editorWarning-foreground, #cca700)';
    case 'lost':
      return 'var(--vscode-editorError-foreground, #f14c4c)';
  }
}
