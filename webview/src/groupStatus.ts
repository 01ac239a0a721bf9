/**
 * How a collapsed group reads: one status for its border (the one that needs the eye most among
 * its members) and a detail line with its size and how many members are in each status. Pure.
 */
import type { StepStatus } from '../../runtime/src/model/status';
import type { NodeRunState } from '../../contracts/src/webviewMessages';
import { statusStyle } from './statusStyle';

/** The member status a group shows, most urgent first. */
const URGENCY: StepStatus[] = ['failed', 'crashed', 'running', 'pending', 'cancelled', 'skipped', 'completed', 'cached'];

export function groupStatus(members: readonly string[], states: Record<string, NodeRunState>): StepStatus | undefined {
  const present = new Set<StepStatus>();
  for (const id of members) {
    const status = states[id]?.status;
    if (status !== undefined) present.add(status);
  }
  return URGENCY.find((status) => present.has(status));
}

/** `12 steps`, then `2 ✗`, `1 ▶`, ... (most urgent first; the size stays longest when cut). */
export function groupDetail(members: readonly string[], states: Record<string, NodeRunState>): { text: string; rank: number }[] {
  const counts = new Map<StepStatus, number>();
  for (const id of members) {
    const status = states[id]?.status;
    if (status !== undefined) counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const parts = [{ text: `${members.length} steps`, rank: URGENCY.length + 1 }];
  URGENCY.forEach((status, index) => {
    const count = counts.get(status);
    if (count !== undefined) parts.push({ text: `${count} ${statusStyle(status).glyph}`, rank: URGENCY.length - index });
  });
  return parts;
}
