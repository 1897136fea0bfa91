import { LRUCache } from 'lru-cache';
import { LAST_SEEN_RETENTION_MS, type PresenceState, type PresenceStore, type WentOffline } from './presence-store.js';

/** The in-process engine: one process, so leases never need a sweep, but behave as the Redis ones do. */
export function createMemoryPresence({ now = Date.now, maxUsers = 1_000_000 } = {}): PresenceStore {
  /** userId -> instance -> lease expiry. */
  const leases = new Map<string, Map<string, number>>();
  const lastSeen = new LRUCache<string, number>({ max: maxUsers, ttl: LAST_SEEN_RETENTION_MS });

  const live = (userId: string, at: number) => [...(leases.get(userId)?.values() ?? [])].some((expiry) => expiry > at);
  const endLease = (instance: string, userId: string, at: number): WentOffline | undefined => {
    const held = leases.get(userId);
    if (!held?.delete(instance)) return undefined;
    if (held.size === 0) leases.delete(userId);
    if (live(userId, at)) return undefined;
    lastSeen.set(userId, at);
    return { userId, lastSeenAt: at };
  };

  return {
    async connect(instance, userId, leaseMs) {
      const at = now();
      const wasOnline = live(userId, at);
      let held = leases.get(userId);
      if (!held) leases.set(userId, (held = new Map()));
      held.set(instance, at + leaseMs);
      return !wasOnline;
    },
    async disconnect(instance, userId) {
      return endLease(instance, userId, now());
    },
    async renew(instance, userIds, leaseMs) {
      const expiry = now() + leaseMs;
      // A user a sweep let go (this process stalled past the lease) is still connected here: held again.
      for (const userId of userIds) {
        let held = leases.get(userId);
        if (!held) leases.set(userId, (held = new Map()));
        held.set(instance, expiry);
      }
    },
    async sweep(limit) {
      const at = now();
      const out: WentOffline[] = [];
      for (const [userId, held] of leases) {
        for (const [instance, expiry] of held) {
          if (out.length >= limit) return out;
          if (expiry > at) continue;
          const gone = endLease(instance, userId, expiry);
          if (gone) out.push({ userId, lastSeenAt: expiry });
        }
      }
      return out;
    },
    async states(userIds) {
      const at = now();
      return new Map(
        userIds.map((userId): [string, PresenceState] => {
          const online = live(userId, at);
          return [userId, { online, lastSeenAt: online ? null : (lastSeen.get(userId) ?? null) }];
        }),
      );
    },
  };
}
