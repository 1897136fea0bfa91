import { Redis } from 'ioredis';
import { createMemoryPresence } from '../../src/modules/presence/memory-presence.js';
import { createRedisPresence } from '../../src/modules/presence/redis-presence.js';
import { expect, it } from 'vitest';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';
import { presenceContract } from './presence.contract.js';

presenceContract('in-process engine', async () => {
  const clock = { now: 1_000_000 };
  return { store: createMemoryPresence({ now: () => clock.now }), clock, cleanup: async () => undefined };
});

describeRedis('Redis engine', () => {
  it('when a dead instance’s lease hash has already been dropped by Redis, then the sweep still reports the user offline', async () => {
    const clock = { now: Date.now() };
    const prefix = uniqueRedisPrefix();
    const redis = new Redis(redisUrlForTests()!);
    try {
      const store = createRedisPresence(redis, prefix, () => clock.now);
      await store.connect('dead', 'u', 1000);
      await redis.del(`${prefix}presence:u:u`); // as its key TTL would, much later
      clock.now += 2000;
      expect(await store.sweep(10)).toEqual([{ userId: 'u', lastSeenAt: clock.now - 1000 }]);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  presenceContract('Redis engine', async () => {
    const clock = { now: Date.now() };
    const prefix = uniqueRedisPrefix();
    const redis = new Redis(redisUrlForTests()!);
    return {
      store: createRedisPresence(redis, prefix, () => clock.now),
      clock,
      async cleanup() {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      },
    };
  });
});
