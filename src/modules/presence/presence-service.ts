import { LRUCache } from 'lru-cache';
import type { Logger } from '../../infra/logger.js';
import type { Bus, Topics } from '../realtime/bus.js';
import type { PresenceState, PresenceStore, WentOffline } from './presence-store.js';

export type PresenceChange = { userId: string; online: boolean; lastSeenAt: number | null };
export type PresenceService = ReturnType<typeof createPresenceService>;

export const encodePresence = (change: PresenceChange) => JSON.stringify(change);
export function decodePresence(payload: string): PresenceChange {
  const raw = JSON.parse(payload) as PresenceChange;
  if (typeof raw.userId !== 'string' || typeof raw.online !== 'boolean') throw new Error('not a presence change');
  return raw;
}

/**
 * Presence on this instance: takes a lease on a user with their first socket here and gives it up
 * with their last (so closing one of two devices changes nothing), renews its leases every
 * heartbeat, and sweeps leases of dead instances. Every online/offline transition is published
 * once, on one topic; every instance keeps the latest states it heard of in a bounded cache (what
 * the User fields and presence subscriptions read without a round trip) and hands changes to its
 * local watchers.
 */
export function createPresenceService({
  store,
  bus,
  topics,
  instanceId,
  logger,
  leaseMs = 30_000,
  heartbeatMs = Math.max(100, Math.floor(leaseMs / 3)),
  sweepMs = Math.max(100, Math.floor(leaseMs / 6)),
  cacheMax = 100_000,
}: {
  store: PresenceStore;
  bus: Bus;
  topics: Topics;
  instanceId: string;
  logger: Logger;
  leaseMs?: number;
  heartbeatMs?: number;
  sweepMs?: number;
  cacheMax?: number;
}) {
  const log = logger.child({ component: 'presence' });
  /** Sockets per user on this instance; changes per user run one after another. */
  const local = new Map<string, { sockets: number; chain: Promise<void> }>();
  /** States heard of: kept fresh by published changes; entries age out so a missed change heals. */
  const cache = new LRUCache<string, PresenceState>({ max: cacheMax, ttl: leaseMs });
  const watchers = new Map<string, Set<(change: PresenceChange) => void>>();
  const timers: NodeJS.Timeout[] = [];

  const publish = async (change: PresenceChange) => {
    cache.set(change.userId, { online: change.online, lastSeenAt: change.lastSeenAt });
    await bus
      .publish([topics.presence], encodePresence(change))
      .catch((error) => log.warn({ err: error }, 'could not publish a presence change'));
  };
  const wentOffline = (gone: WentOffline) => publish({ userId: gone.userId, online: false, lastSeenAt: gone.lastSeenAt });

  const inOrder = (userId: string, work: (entry: { sockets: number }) => Promise<void>) => {
    let entry = local.get(userId);
    if (!entry) local.set(userId, (entry = { sockets: 0, chain: Promise.resolve() }));
    const held = entry;
    held.chain = held.chain
      .then(() => work(held))
      .catch((error) => log.warn({ err: error, userId }, 'presence update failed; the next heartbeat or sweep repairs it'))
      .finally(() => {
        if (held.sockets === 0 && local.get(userId) === held) local.delete(userId);
      });
    return held.chain;
  };

  return {
    /** A socket of the user was authenticated here. */
    socketOpened(userId: string): Promise<void> {
      return inOrder(userId, async (entry) => {
        entry.sockets += 1;
        if (entry.sockets === 1 && (await store.connect(instanceId, userId, leaseMs)))
          await publish({ userId, online: true, lastSeenAt: null });
      });
    },
    /** One of the user's sockets here closed. */
    socketClosed(userId: string): Promise<void> {
      return inOrder(userId, async (entry) => {
        entry.sockets -= 1;
        if (entry.sockets > 0) return;
        const gone = await store.disconnect(instanceId, userId);
        if (gone) await wentOffline(gone);
      });
    },
    /** A change another instance (or this one) published. */
    heard(change: PresenceChange): void {
      cache.set(change.userId, { online: change.online, lastSeenAt: change.lastSeenAt });
      for (const watcher of watchers.get(change.userId) ?? []) watcher(change);
    },
    async states(userIds: readonly string[]): Promise<Map<string, PresenceState>> {
      const out = new Map<string, PresenceState>();
      const missing = userIds.filter((id) => {
        const known = cache.get(id);
        if (known) out.set(id, known);
        return !known;
      });
      if (missing.length > 0) {
        for (const [id, state] of await store.states(missing)) {
          cache.set(id, state);
          out.set(id, state);
        }
      }
      return out;
    },
    /** Calls `listener` with every change of these users; call the result to stop. */
    watch(userIds: Iterable<string>, listener: (change: PresenceChange) => void): () => void {
      const ids = [...userIds];
      for (const id of ids) {
        let set = watchers.get(id);
        if (!set) watchers.set(id, (set = new Set()));
        set.add(listener);
      }
      return () => {
        for (const id of ids) {
          const set = watchers.get(id);
          set?.delete(listener);
          if (set?.size === 0) watchers.delete(id);
        }
      };
    },
    start() {
      const every = (ms: number, job: () => Promise<unknown>, what: string) => {
        const timer = setInterval(() => void job().catch((error) => log.warn({ err: error }, `presence ${what} failed`)), ms);
        timer.unref();
        timers.push(timer);
      };
      every(heartbeatMs, () => store.renew(instanceId, [...local.keys()], leaseMs), 'heartbeat');
      every(sweepMs, async () => Promise.all((await store.sweep(1000)).map(wentOffline)), 'sweep');
    },
    /** On shutdown: this instance's users go offline now (unless another instance holds them), not when leases run out. */
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await Promise.all(
        [...local.keys()].map((userId) =>
          inOrder(userId, async (entry) => {
            entry.sockets = 0;
            const gone = await store.disconnect(instanceId, userId);
            if (gone) await wentOffline(gone);
          }),
        ),
      );
    },
    get localUsers() {
      return local.size;
    },
  };
}
