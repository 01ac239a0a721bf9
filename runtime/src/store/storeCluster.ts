/**
 * Several daemons on one store (a shared PostgreSQL database; the embedded SQLite store has one
 * daemon and no cluster). Every daemon joins; the one that holds the store's claim is the
 * **leader** (it schedules, drives runs, holds the workers' queue, reaps and resumes), every other
 * one a **replica**, which serves reads and the event stream itself, forwards the rest to the
 * leader's advertised URL, and tries for the claim every half second so that it takes over within
 * about a second of the leader's death.
 */
import type { WorkerLeaseBook } from './workerLeaseBook';

/** One daemon of a store's cluster, as the leader's row records it. */
export interface DaemonMember {
  /** The daemon's instance id (its health answer's `instanceId`): the engine of the runs it drives. */
  instance: string;
  pid: number;
  host: string;
  /** Where other daemons reach its API (replicas forward there). */
  url: string;
}

export interface JoinHooks {
  /** This daemon holds the claim from now on (at once, or later when the leader is gone). */
  onLeading(): void;
  /** Led, then lost the claim to another daemon (its connection was down meanwhile): it must stop driving runs. */
  onLost(why: string): void;
}

/** What joining answered: `sameFolder` when another daemon of this store folder on this machine has joined already (this one must not serve the folder too). */
export type JoinAnswer = { leading: boolean; sameFolder?: false } | { sameFolder: true };

export interface StoreCluster {
  /** Where remote workers' leases are kept and judged, on the store's clock. */
  readonly workerLeases: WorkerLeaseBook;
  /** Joins as `member` of folder `folder` (see JoinAnswer); a replica goes on trying for the claim. */
  join(member: DaemonMember, folder: string, hooks: JoinHooks): Promise<JoinAnswer>;
  /** The daemon holding the claim now, if one does. */
  leader(): Promise<DaemonMember | undefined>;
  /** Keeps a pipeline bundle (`hash`: its sha256) where every daemon finds it; one already kept stays. */
  keepBundle(hash: string, text: string): Promise<void>;
  /** A bundle another daemon kept (undefined when none has that hash). */
  bundleText(hash: string): Promise<string | undefined>;
  /** The highest number of an event in the store (numbers handed out but unused not counted). */
  lastStoredEventSeq(): Promise<number>;
  /** The leader tells the cluster that every event numbered up to `throughSeq` is stored. */
  eventsStored(throughSeq: number): void;
  /**
   * Calls `onStored` whenever the leader told that events are stored (with the number it told),
   * and with none after each reconnection (what was told meanwhile is lost); resolves once it
   * listens. The returned function stops listening.
   */
  followEvents(onStored: (throughSeq?: number) => void): Promise<() => Promise<void>>;
}
