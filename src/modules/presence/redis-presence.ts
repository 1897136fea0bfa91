import type { Redis } from 'ioredis';
import { LAST_SEEN_RETENTION_MS, type PresenceState, type PresenceStore, type WentOffline } from './presence-store.js';

// Keys (under the deployment's prefix):
//   <p>presence:u:<user>   hash instance -> lease expiry (ms); the key expires an hour after the last
//                          renewal, a bound only: the sweep ends lapsed leases long before
//   <p>presence:leases     zset "<instance> <user>" by lease expiry: what the sweep walks
//   <p>presence:seen:<user> last seen (ms), kept LAST_SEEN_RETENTION_MS
// Every change of a user's leases runs as one script, so exactly one caller sees each
// online/offline transition, whichever instance it runs on.

const LIVE = `
local function live(key, now)
  local fields = redis.call('HGETALL', key)
  for i = 2, #fields, 2 do if tonumber(fields[i]) > now then return true end end
  return false
end
`;

/** KEYS: user hash, leases, seen. ARGV: instance, user, now, expiry. Returns 1 if the user just came online. */
const CONNECT = `${LIVE}
local was = live(KEYS[1], tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[4]) + 3600000)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1] .. ' ' .. ARGV[2])
if was then return 0 end
return 1`;

/**
 * KEYS: user hash, leases, seen. ARGV: instance, user, now, seen-retention-ms, at (when they were last
 * seen). Returns 1 if the user just went offline.
 */
const DISCONNECT = `${LIVE}
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1] .. ' ' .. ARGV[2])
if removed == 0 or live(KEYS[1], tonumber(ARGV[3])) then return 0 end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[4])
return 1`;

/**
 * The sweep's DISCONNECT: only if the lease is still expired (its instance may have renewed it since
 * the sweep read the leases). KEYS and ARGV as DISCONNECT.
 */
const EXPIRE = `${LIVE}
local expiry = redis.call('HGET', KEYS[1], ARGV[1])
if expiry and tonumber(expiry) > tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[2], expiry, ARGV[1] .. ' ' .. ARGV[2])
  return 0
end
-- The lease entry, not the hash field, says this instance held the user: the hash may be gone.
local held = redis.call('ZREM', KEYS[2], ARGV[1] .. ' ' .. ARGV[2])
redis.call('HDEL', KEYS[1], ARGV[1])
if held == 0 or live(KEYS[1], tonumber(ARGV[3])) then return 0 end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[4])
return 1`;

export function createRedisPresence(redis: Redis, prefix: string, now: () => number = Date.now): PresenceStore {
  const userKey = (userId: string) => `${prefix}presence:u:${userId}`;
  const seenKey = (userId: string) => `${prefix}presence:seen:${userId}`;
  const leasesKey = `${prefix}presence:leases`;

  const endLease = async (script: string, instance: string, userId: string, at: number, seenAt: number) =>
    Number(
      await redis.eval(script, 3, userKey(userId), leasesKey, seenKey(userId), instance, userId, at, LAST_SEEN_RETENTION_MS, seenAt),
    ) === 1;

  return {
    async connect(instance, userId, leaseMs) {
      const at = now();
      return Number(await redis.eval(CONNECT, 3, userKey(userId), leasesKey, seenKey(userId), instance, userId, at, at + leaseMs)) === 1;
    },
    async disconnect(instance, userId) {
      const at = now();
      return (await endLease(DISCONNECT, instance, userId, at, at)) ? { userId, lastSeenAt: at } : undefined;
    },
    async renew(instance, userIds, leaseMs) {
      if (userIds.length === 0) return;
      const expiry = now() + leaseMs;
      const pipeline = redis.pipeline();
      for (const userId of userIds) {
        pipeline.hset(userKey(userId), instance, expiry);
        pipeline.pexpireat(userKey(userId), expiry + 3600_000);
        pipeline.zadd(leasesKey, expiry, `${instance} ${userId}`);
      }
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    },
    async sweep(limit) {
      const at = now();
      const expired = await redis.zrangebyscore(leasesKey, '-inf', at, 'WITHSCORES', 'LIMIT', 0, limit);
      const out: WentOffline[] = [];
      for (let i = 0; i + 1 < expired.length; i += 2) {
        const [instance, userId] = expired[i]!.split(' ') as [string, string];
        const expiry = Number(expired[i + 1]);
        if (await endLease(EXPIRE, instance, userId, at, expiry)) out.push({ userId, lastSeenAt: expiry });
      }
      return out;
    },
    async states(userIds) {
      const at = now();
      const pipeline = redis.pipeline();
      for (const userId of userIds) {
        pipeline.hvals(userKey(userId));
        pipeline.get(seenKey(userId));
      }
      const results = (await pipeline.exec()) ?? [];
      return new Map(
        userIds.map((userId, index): [string, PresenceState] => {
          const [leaseError, leases] = results[2 * index] ?? [];
          const [, seen] = results[2 * index + 1] ?? [];
          if (leaseError) throw leaseError;
          const online = ((leases as string[]) ?? []).some((expiry) => Number(expiry) > at);
          return [userId, { online, lastSeenAt: online || seen == null ? null : Number(seen) }];
        }),
      );
    },
  };
}
