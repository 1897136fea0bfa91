// Who is online, across instances. An instance holds each user it has a socket of; a user is online
// while an instance holding them has a live lease. Leases are renewed by heartbeats, so a SIGKILLed
// instance's users go offline once its lease runs out (any instance's sweep notices).

export type PresenceState = { online: boolean; lastSeenAt: number | null };
/** A user who went offline, and since when. */
export type WentOffline = { userId: string; lastSeenAt: number };

export interface PresenceStore {
  /** This instance took a lease on the user (its first socket of them). True if they just came online. */
  connect(instance: string, userId: string, leaseMs: number): Promise<boolean>;
  /** This instance gave up its lease (its last socket of them closed). Set when they just went offline. */
  disconnect(instance: string, userId: string): Promise<WentOffline | undefined>;
  /**
   * Renews this instance's leases; `userIds` are the users it holds, held again if a sweep let them
   * go while this instance was stalled past its lease (they are still connected here).
   */
  renew(instance: string, userIds: readonly string[], leaseMs: number): Promise<void>;
  /** Ends leases past their time (instances that died), at most `limit`; returns who went offline. */
  sweep(limit: number): Promise<WentOffline[]>;
  states(userIds: readonly string[]): Promise<Map<string, PresenceState>>;
}

/** lastSeenAt is kept this long after a user goes offline; after that it reads null. */
export const LAST_SEEN_RETENTION_MS = 30 * 24 * 3600_000;
