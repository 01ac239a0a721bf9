/**
 * DAG webview entry. The VS Code extension issue fills this in (elkjs layout, SVG drawing).
 */
import type { RunStatus } from '../../runtime/src/model/status';

export const terminalRunStatuses: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'crashed'];
