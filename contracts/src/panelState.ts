/**
 * What a DAG panel keeps across a window reload: the pipeline it shows, the run it follows,
 * whether its legend is open, and the DAG's own view settings (collapsed groups, map, timeline). The webview saves it with `setState`; VS Code hands it back to the
 * extension's panel serializer (client/src/dagPanel.ts), which reopens the panel from it. Pure.
 */
/** The webview type of DAG panels; `onWebviewPanel:<it>` in package.json activates the extension to restore them. */
export const DAG_VIEW_TYPE = 'pipewright.dag';

export interface DagPanelState {
  /** Document URI of the pipeline's file. */
  uri: string;
  pipeline: string;
  /** The run the panel followed (null: the latest of the pipeline). */
  runId: string | null;
  legendOpen: boolean;
  /** The DAG's own view settings (only the webview reads them): the collapsed groups' keys, whether the overview map shows, and whether the run's timeline does. */
  collapsed?: string[];
  minimapOpen?: boolean;
  timelineOpen?: boolean;
}

/** The saved state with `change` applied, starting from whatever was saved (possibly nothing). */
export function updatePanelState(saved: unknown, change: Partial<DagPanelState>): Partial<DagPanelState> {
  const previous = typeof saved === 'object' && saved !== null ? (saved as Partial<DagPanelState>) : {};
  return { ...previous, ...change };
}

/**
 * The state to reopen a panel with, or undefined when `saved` does not name a pipeline (a panel
 * saved before its graph arrived, or a state from another version).
 */
export function restorePanelState(saved: unknown): DagPanelState | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const state = saved as Record<string, unknown>;
  if (typeof state.uri !== 'string' || state.uri === '' || typeof state.pipeline !== 'string' || state.pipeline === '') return undefined;
  return {
    uri: state.uri,
    pipeline: state.pipeline,
    runId: typeof state.runId === 'string' && state.runId !== '' ? state.runId : null,
    legendOpen: state.legendOpen === true,
  };
}
