/** The status bar item's text and tooltip. Pure. */
import { heartbeatAgo } from '../../contracts/src/heartbeat';
import type { LateStep } from './heartbeatWatch';

/** The daemon's own states (`pipewright server status`), `none` before a local one ever ran, and a remote one's. */
export type OrchestratorState = 'none' | 'inactive' | 'pendingStartup' | 'active' | 'pendingShutdown' | 'error' | 'connected' | 'disconnected';

/** How a state reads in the status bar and the Orchestrator view. */
export function stateLabel(state: OrchestratorState): string {
  return state === 'none' ? 'no orchestrator yet' : state;
}

export interface StatusBarView {
  text: string;
  tooltip: string;
  /** `warning` turns the item's background to the warning colour. */
  severity: 'normal' | 'warning' | 'error';
}

export function statusBarView(mode: 'local' | 'remote', state: OrchestratorState, running: number, late: LateStep[]): StatusBarView {
  const icon = state === 'active' || state === 'connected' ? '$(server-process)' : state === 'error' ? '$(error)' : '$(debug-disconnect)';
  const parts = [`${icon} Pipewright: ${mode === 'remote' ? 'remote ' : ''}${stateLabel(state)}`];
  if (running > 0) parts.push(`$(sync~spin) ${running}`);
  const tooltip = [state === 'none' ? 'No local orchestrator yet: it starts with the first run (or Start Local Orchestrator)' : `Orchestrator (${mode}): ${state}`, `${running} run(s) running`];
  let severity: StatusBarView['severity'] = state === 'error' ? 'error' : 'normal';
  if (late.length > 0) {
    const lost = late.some((step) => step.level === 'lost');
    parts.push(`$(${lost ? 'pulse' : 'warning'}) ${late.length} late`);
    tooltip.push(...late.map((step) => `heartbeat ${step.level}: ${step.invocationId} (last beat ${heartbeatAgo(step.ageMs)})`));
    severity = 'warning';
  } else if (running > 0) {
    parts.push('$(pulse)');
    tooltip.push('heartbeats on time');
  }
  return { text: parts.join(' '), tooltip: tooltip.join('\n'), severity };
}
