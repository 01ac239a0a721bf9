/**
 * Extension entry. The VS Code extension issue fills this in; until then it only proves that
 * the client project builds against the runtime's shared types.
 */
import type { StepStatus } from '../../runtime/src/model/status';

export const knownStepStatuses: readonly StepStatus[] = ['pending', 'running', 'completed', 'cached', 'failed', 'skipped', 'cancelled', 'crashed'];

export function activate(): void {
  // Wired by the VS Code extension issue.
}

export function deactivate(): void {
  // Nothing to dispose yet.
}
