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
  it('when a dead instance’s user entry is already gone, then the sweep still reports the user offline, and forgets the instance', async () => {
    const clock = { now: Date.now() };
    const prefix = uniqueRedisPrefix();
    const redis = new Redis(redisUrlForTests()!);
    try {
      const store = createRedisPresence(redis, prefix, () => clock.now);
      await store.connect('dead', 'u', 1000);
      await redis.del(`${prefix}presence:at:u`);
      clock.now += 2000;
      expect(await store.sweep(10)).toEqual([{ userId: 'u', lastSeenAt: clock.now - 1000 }]);
      expect(await redis.keys(`${prefix}presence:*`)).toEqual([`${prefix}presence:seen:u`]);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('when an instance holding a thousand users renews, then Redis runs a few commands for it, not some per user', async () => {
    const prefix = uniqueRedisPrefix();
    const redis = new Redis(redisUrlForTests()!);
    const monitor = await new Redis(redisUrlForTests()!).monitor();
    try {
      const store = createRedisPresence(redis, prefix);
      const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
      for (const userId of users) await store.connect('busy', userId, 30_000);
      // Every command Redis runs on this test's keys, scripts' own calls included, as MONITOR shows them.
      let seen = 0;
      const sentinel = `${prefix}sentinel`;
      const done = new Promise<void>((resolve) =>
        monitor.on('monitor', (_time: string, args: string[]) => {
          if (args.includes(sentinel)) resolve();
          else if (args.some((arg) => arg.startsWith(prefix))) seen += 1;
        }),
      );
      await store.renew('busy', users, 30_000);
      await redis.exists(sentinel);
      await done;
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(10);
      expect((await store.states(['u0', 'u999'])).get('u999')).toMatchObject({ online: true });
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      monitor.disconnect();
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
