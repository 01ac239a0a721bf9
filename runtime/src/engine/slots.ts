import type { ConcurrencyLimits } from '../model/environment';

interface Waiter {
  holder: string;
  slots: string[];
  grant(): void;
}

/**
 * Slots held by running attempts. An attempt takes all the slots it needs at once or waits
 * its turn (first come, first served), and gives them back with its lease: when it ends, is
 * stopped, or is lost, so a dead runner never keeps a slot.
 */
export class SlotPool {
  private readonly capacity = new Map<string, number>();
  private readonly inUse = new Map<string, number>();
  private readonly holders = new Map<string, string[]>();
  private waiters: Waiter[] = [];

  constructor(limits: ConcurrencyLimits = {}) {
    if (limits.global !== undefined) this.capacity.set('global', limits.global);
    for (const [name, size] of Object.entries(limits.named ?? {})) this.capacity.set(`limit:${name}`, size);
  }

  /** Sets the limit of a slot kind (e.g. `pipeline:training`), keeping the tightest one given. */
  limit(slot: string, size: number): void {
    const current = this.capacity.get(slot);
    this.capacity.set(slot, current === undefined ? size : Math.min(current, size));
  }

  /** Resolves once `holder` holds every slot in `slots` (those without a limit are free). */
  acquire(holder: string, slots: string[]): Promise<void> {
    return new Promise((resolve) => {
      const waiter = { holder, slots, grant: resolve };
      if (this.waiters.length === 0 && this.fits(slots)) this.take(waiter);
      else this.waiters.push(waiter);
    });
  }

  /** Takes every slot in `slots` for `holder` now, if they are free and nobody waits before it; false, taking nothing, otherwise. */
  tryAcquire(holder: string, slots: string[]): boolean {
    if (this.waiters.length > 0 || !this.fits(slots)) return false;
    this.take({ holder, slots, grant: () => undefined });
    return true;
  }

  /** Gives back what `holder` holds (or stops its wait) and lets waiters in. */
  release(holder: string): void {
    this.waiters = this.waiters.filter((w) => w.holder !== holder);
    const held = this.holders.get(holder);
    if (held) {
      this.holders.delete(holder);
      for (const slot of held) this.inUse.set(slot, (this.inUse.get(slot) ?? 1) - 1);
    }
    while (this.waiters.length > 0 && this.fits(this.waiters[0].slots)) this.take(this.waiters.shift() as Waiter);
  }

  /** Slots held right now, all kinds together. */
  get held(): number {
    let total = 0;
    for (const slots of this.holders.values()) total += slots.length;
    return total;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private fits(slots: string[]): boolean {
    return slots.every((slot) => {
      const size = this.capacity.get(slot);
      return size === undefined || (this.inUse.get(slot) ?? 0) < size;
    });
  }

  private take(waiter: Waiter): void {
    const limited = waiter.slots.filter((slot) => this.capacity.has(slot));
    for (const slot of limited) this.inUse.set(slot, (this.inUse.get(slot) ?? 0) + 1);
    this.holders.set(waiter.holder, limited);
    waiter.grant();
  }
}
