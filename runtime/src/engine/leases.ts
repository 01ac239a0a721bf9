/**
 * Leases of running step attempts. Each attempt holds one; its runner renews it by heartbeat.
 * An attempt whose lease expires is lost. The epoch (the attempt number) fences stale runners:
 * a heartbeat or result from an attempt that is no longer current is refused.
 */
import { isLateBeat } from '../model/heartbeatGap';

export interface Lease {
  key: string;
  epoch: number;
  expiresAt: number;
  timeoutMs: number;
  /** How often the runner beats (0: not known, no beat is judged late). */
  intervalMs: number;
  lastBeatAt?: number;
  /** Set when the attempt must stop (cancel, failFast): the next heartbeat answer says so. */
  stopRequested: boolean;
}

/** `lateAfter`: this beat came late (`isLateBeat`), after a silence since the previous beat at that time. */
export type RenewResult = { ok: true; stop: boolean; lateAfter?: number } | { ok: false; reason: string };

export function leaseKey(runId: string, invocationId: string): string {
  return `${runId}\u0000${invocationId}`;
}

export class LeaseTable {
  private readonly leases = new Map<string, Lease>();

  /** Grants a lease that must see its first heartbeat within `startTimeoutMs`, then one every `intervalMs`. */
  grant(key: string, epoch: number, now: number, startTimeoutMs: number, timeoutMs: number, intervalMs = 0): Lease {
    const lease: Lease = { key, epoch, expiresAt: now + startTimeoutMs, timeoutMs, intervalMs, stopRequested: false };
    this.leases.set(key, lease);
    return lease;
  }

  renew(key: string, epoch: number, now: number): RenewResult {
    const lease = this.leases.get(key);
    if (!lease) return { ok: false, reason: 'no running attempt holds this lease' };
    if (lease.epoch !== epoch) return { ok: false, reason: `attempt ${epoch} is no longer current (current: ${lease.epoch})` };
    if (now > lease.expiresAt) return { ok: false, reason: `the lease expired ${now - lease.expiresAt} ms ago` };
    lease.expiresAt = now + lease.timeoutMs;
    // The first beat is not judged: starting a runner and loading the bundle come before it.
    const previous = lease.lastBeatAt;
    lease.lastBeatAt = now;
    const late = previous !== undefined && lease.intervalMs > 0 && isLateBeat(now - previous, lease.intervalMs);
    return { ok: true, stop: lease.stopRequested, ...(late ? { lateAfter: previous } : {}) };
  }

  isCurrent(key: string, epoch: number): boolean {
    return this.leases.get(key)?.epoch === epoch;
  }

  requestStop(key: string): void {
    const lease = this.leases.get(key);
    if (lease) lease.stopRequested = true;
  }

  release(key: string, epoch?: number): void {
    const lease = this.leases.get(key);
    if (lease && (epoch === undefined || lease.epoch === epoch)) this.leases.delete(key);
  }

  /** Leases past their expiry at `now` (not removed: the caller decides). */
  expired(now: number): Lease[] {
    return [...this.leases.values()].filter((lease) => now > lease.expiresAt);
  }

  get(key: string): Lease | undefined {
    return this.leases.get(key);
  }

  get size(): number {
    return this.leases.size;
  }
}
