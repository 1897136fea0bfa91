import type { Redis } from 'ioredis';
import { LAST_SEEN_RETENTION_MS, type PresenceState, type PresenceStore, type WentOffline } from './presence-store.js';

// Keys (under the deployment's prefix):
//   <p>presence:instances    zset instance -> lease expiry (ms): one lease per instance, so a
//                            heartbeat is one command however many users the instance holds
//   <p>presence:on:<inst>    set of the users an instance holds: what the sweep walks once the
//                            instance's lease has lapsed (it died), then deletes
//   <p>presence:at:<user>    set of the instances holding the user; the user is online while one
//                            of them has a live lease
//   <p>presence:seen:<user>  last seen (ms), kept LAST_SEEN_RETENTION_MS
// Every change of who holds a user runs as one script, so exactly one caller sees each online or
// offline transition, whichever instance it runs on. Nothing here outlives its holder: a user's
// entry goes with its last instance, an instance's with its last user.

const LIVE = `
local function live(key, instances, now)
  for _, instance in ipairs(redis.call('SMEMBERS', key)) do
    local expiry = redis.call('ZSCORE', instances, instance)
    if expiry and tonumber(expiry) > now then return true end
  end
  return false
end
`;

/** KEYS: user's instances, instances, instance's users. ARGV: instance, user, now, expiry. Returns 1 if the user just came online. */
const CONNECT = `${LIVE}
local was = live(KEYS[1], KEYS[2], tonumber(ARGV[3]))
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[2], 'GT', ARGV[4], ARGV[1])
if was then return 0 end
return 1`;

/**
 * KEYS: user's instances, instances, instance's users, seen. ARGV: instance, user, now,
 * seen-retention-ms, at (when they were last seen). Returns 1 if the user just went offline.
 */
const DISCONNECT = `${LIVE}
redis.call('SREM', KEYS[3], ARGV[2])
local removed = redis.call('SREM', KEYS[1], ARGV[1])
if removed == 0 or live(KEYS[1], KEYS[2], tonumber(ARGV[3])) then return 0 end
redis.call('SET', KEYS[4], ARGV[5], 'PX', ARGV[4])
return 1`;

/**
 * The sweep's DISCONNECT: only while the instance's lease is still lapsed (it may have renewed since
 * the sweep looked). KEYS and ARGV as DISCONNECT. Returns 1 if the user just went offline, -1 if the
 * instance is back.
 */
const EXPIRE = `${LIVE}
local expiry = redis.call('ZSCORE', KEYS[2], ARGV[1])
if expiry and tonumber(expiry) > tonumber(ARGV[3]) then return -1 end
-- The instance's set, not the user's, says this instance held the user: the user's may be gone.
local held = redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[1], ARGV[1])
if held == 0 or live(KEYS[1], KEYS[2], tonumber(ARGV[3])) then return 0 end
redis.call('SET', KEYS[4], ARGV[5], 'PX', ARGV[4])
return 1`;

/** KEYS: instances, instance's users. ARGV: instance, now. Forgets a lapsed instance that holds no one any more. */
const FORGET = `
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if expiry and tonumber(expiry) > tonumber(ARGV[2]) then return 0 end
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1`;

/** KEYS: instances. ARGV: instance, now, expiry. Returns 1 if the lease was live (extended), 0 if it had lapsed or was gone (now taken anew). */
const RENEW = `
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[3], ARGV[1])
if expiry and tonumber(expiry) > tonumber(ARGV[2]) then return 1 end
return 0`;

/** Users re-registered per pipeline when a lapsed instance comes back. */
const REJOIN_CHUNK = 1000;

export function createRedisPresence(redis: Redis, prefix: string, now: () => number = Date.now): PresenceStore {
  const instancesKey = `${prefix}presence:instances`;
  const holdersKey = (userId: string) => `${prefix}presence:at:${userId}`;
  const heldKey = (instance: string) => `${prefix}presence:on:${instance}`;
  const seenKey = (userId: string) => `${prefix}presence:seen:${userId}`;

  const endHold = async (script: string, instance: string, userId: string, at: number, seenAt: number) =>
    Number(
      await redis.eval(
        script,
        4,
        holdersKey(userId),
        instancesKey,
        heldKey(instance),
        seenKey(userId),
        instance,
        userId,
        at,
        LAST_SEEN_RETENTION_MS,
        seenAt,
      ),
    );

  return {
    async connect(instance, userId, leaseMs) {
      const at = now();
      return (
        Number(await redis.eval(CONNECT, 3, holdersKey(userId), instancesKey, heldKey(instance), instance, userId, at, at + leaseMs)) === 1
      );
    },
    async disconnect(instance, userId) {
      const at = now();
      return (await endHold(DISCONNECT, instance, userId, at, at)) === 1 ? { userId, lastSeenAt: at } : undefined;
    },
    async renew(instance, userIds, leaseMs) {
      const at = now();
      if (Number(await redis.eval(RENEW, 1, instancesKey, instance, at, at + leaseMs)) === 1) return;
      // The lease had lapsed (this process stalled past it): a sweep may have let its users go.
      // They are still connected here, so they are held again (as connect would, without an event).
      for (let start = 0; start < userIds.length; start += REJOIN_CHUNK) {
        const pipeline = redis.pipeline();
        for (const userId of userIds.slice(start, start + REJOIN_CHUNK)) {
          pipeline.sadd(holdersKey(userId), instance);
          pipeline.sadd(heldKey(instance), userId);
        }
        const results = await pipeline.exec();
        const failed = results?.find(([error]) => error);
        if (failed) throw failed[0];
      }
    },
    async sweep(limit) {
      const at = now();
      const lapsed = await redis.zrangebyscore(instancesKey, '-inf', at, 'WITHSCORES', 'LIMIT', 0, 10);
      const out: WentOffline[] = [];
      for (let i = 0; i + 1 < lapsed.length && out.length < limit; i += 2) {
        const instance = lapsed[i]!;
        const expiry = Number(lapsed[i + 1]);
        const users = await redis.srandmember(heldKey(instance), limit - out.length);
        for (const userId of users) {
          const outcome = await endHold(EXPIRE, instance, userId, at, expiry);
          if (outcome === -1) break; // the instance renewed meanwhile: it holds its users again
          if (outcome === 1) out.push({ userId, lastSeenAt: expiry });
        }
        await redis.eval(FORGET, 2, instancesKey, heldKey(instance), instance, at);
      }
      return out;
    },
    async states(userIds) {
      const at = now();
      const pipeline = redis.pipeline();
      pipeline.zrangebyscore(instancesKey, `(${at}`, '+inf');
      for (const userId of userIds) {
        pipeline.smembers(holdersKey(userId));
        pipeline.get(seenKey(userId));
      }
      const results = (await pipeline.exec()) ?? [];
      const [instancesError, liveInstances] = results[0] ?? [];
      if (instancesError) throw instancesError;
      const live = new Set(liveInstances as string[]);
      return new Map(
        userIds.map((userId, index): [string, PresenceState] => {
          const [holdersError, holders] = results[1 + 2 * index] ?? [];
          const [, seen] = results[2 + 2 * index] ?? [];
          if (holdersError) throw holdersError;
          const online = ((holders as string[]) ?? []).some((instance) => live.has(instance));
          return [userId, { online, lastSeenAt: online || seen == null ? null : Number(seen) }];
        }),
      );
    },
  };
}
