import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/modules/realtime/memory-bus.js';
import { createRedisBus } from '../../src/modules/realtime/redis-bus.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';
import { busContract, listen, type BusUnderTest } from './bus.contract.js';

busContract('in-process engine', async () => {
  const bus = createMemoryBus();
  return { bus, topicPrefix: 'test:', cleanup: () => bus.close() };
});

/** One instance's bus: its own publisher and subscriber connections, as deps.ts builds them. */
async function redisInstance(topicPrefix: string): Promise<BusUnderTest> {
  const url = redisUrlForTests()!;
  const publisher = new Redis(url, { connectionName: `${topicPrefix}publisher`, lazyConnect: true });
  const subscriber = new Redis(url, { connectionName: `${topicPrefix}subscriber`, lazyConnect: true });
  const quit = () => Promise.all([publisher, subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    await quit();
    throw error;
  }
  const bus = createRedisBus(publisher, subscriber);
  return {
    bus,
    topicPrefix,
    async cleanup() {
      await bus.close();
      await quit();
    },
  };
}

describeRedis('Redis engine', () => {
  busContract('Redis engine', () => redisInstance(uniqueRedisPrefix()));

  let instances: BusUnderTest[] = [];
  const instance = async (prefix: string) => {
    const created = await redisInstance(prefix);
    instances.push(created);
    return created.bus;
  };
  beforeEach(() => {
    instances = [];
  });
  afterEach(async () => {
    await Promise.all(instances.map((i) => i.cleanup()));
  });

  it('when another instance (its own pair of connections) publishes, then this instance’s subscribers receive it', async () => {
    const prefix = uniqueRedisPrefix();
    const here = await instance(prefix);
    const there = await instance(`${prefix}other:`);
    const inbox = await listen(here, `${prefix}user:1`);
    const echo = await listen(there, `${prefix}user:1`);

    await there.publish([`${prefix}user:1`], 'from the other instance');
    await here.publish([`${prefix}user:1`], 'from here');

    expect(await inbox.until(2)).toEqual(['from the other instance', 'from here']);
    expect(await echo.until(2)).toEqual(['from the other instance', 'from here']);
  });
});
