import type { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis } from '../helpers/redis.js';
import { memoryStreamUnderTest, redisStreamUnderTest, streamContract, type RedisStreamUnderTest } from './stream.contract.js';

streamContract('in-process engine', memoryStreamUnderTest);

describeRedis('Redis engine', () => {
  streamContract('Redis engine', (options) => redisStreamUnderTest(options));

  let subjects: RedisStreamUnderTest[] = [];
  const redisStream = async (options?: Parameters<typeof redisStreamUnderTest>[0]) => {
    const subject = await redisStreamUnderTest(options);
    subjects.push(subject);
    return subject;
  };
  beforeEach(() => {
    subjects = [];
  });
  afterEach(async () => {
    await Promise.all(subjects.map((s) => s.cleanup()));
  });

  it('when the consumer group was destroyed (Redis restarted without persistence), then readNew recreates it and the stream keeps working', async () => {
    const { stream, redis, key, group } = await redisStream();
    await stream.ensureGroup();
    await stream.append('a');
    const [a] = await stream.readNew('c1', 10, 100);
    await stream.ack([a!.id]);
    await stream.append('b');

    await redis.xgroup('DESTROY', key, group);
    const afterRestart = await stream.readNew('c1', 10, 100);

    // The new group starts from the beginning: what is still in the stream comes again (the commit
    // is idempotent by message id), and nothing is lost.
    expect(afterRestart.map((e) => e.payload)).toEqual(['a', 'b']);
    await stream.ack(afterRestart.map((e) => e.id));
    const c = await stream.append('c');
    expect(await stream.readNew('c1', 10, 100)).toEqual([{ id: c, payload: 'c', deliveries: 1 }]);
    expect(await stream.stats()).toMatchObject({ pending: 1, undelivered: 0 });
  });

  it('when consumers of gone processes are idle with nothing pending, then pruneConsumers forgets them, but never one holding entries or itself', async () => {
    const { stream, redis, key, group } = await redisStream();
    await stream.ensureGroup();
    for (const payload of ['a', 'b', 'c']) await stream.append(payload);
    const [a] = await stream.readNew('gone-clean', 1, 100);
    await stream.ack([a!.id]);
    await stream.readNew('gone-holding', 1, 100); // b stays pending on it
    const [c] = await stream.readNew('me', 1, 100);
    await stream.ack([c!.id]);

    expect(await stream.pruneConsumers('me', 60_000)).toEqual([]); // nobody idle that long yet
    expect(await stream.pruneConsumers('me', 0)).toEqual(['gone-clean']);
    const names = ((await redis.call('XINFO', 'CONSUMERS', key, group)) as unknown[][]).map((c) => c[1]);
    expect(names.sort()).toEqual(['gone-holding', 'me']);
  });

  it('when the stream key itself vanished, then readNew recreates stream and group and the stream keeps working', async () => {
    const { stream, redis, key } = await redisStream();
    await stream.ensureGroup();
    await stream.append('lost with the key');

    await redis.del(key);
    expect(await stream.readNew('c1', 10, 100)).toEqual([]);

    const id = await stream.append('after');
    expect(await stream.readNew('c1', 10, 100)).toEqual([{ id, payload: 'after', deliveries: 1 }]);
  });

  it('when the dead-letter stream cannot be written, then deadLetter fails and the entry stays pending instead of vanishing', async () => {
    const { stream, redis, key } = await redisStream();
    await stream.ensureGroup();
    await stream.append('bad');
    const [bad] = await stream.readNew('c1', 10, 100);
    // Any XADD failure will do (at maxmemory it is OOM); a key of the wrong type is one we can cause.
    await redis.set(`${key}:dead`, 'not a stream');

    await expect(stream.deadLetter(bad!, 'boom')).rejects.toThrow(/WRONGTYPE/);

    expect(await stream.stats()).toMatchObject({ pending: 1 });
    expect(await stream.claimIdle('c2', 0, 10)).toEqual([{ id: bad!.id, payload: 'bad', deliveries: 2 }]);
  });

  // trimAcked looks at the group and then trims, in separate commands; another instance's consumer
  // can read in between. Whichever command it slips in before, what it read must survive the trim.
  for (const before of [1, 2, 3]) {
    it(`when another consumer reads new entries just before trimAcked's command #${before}, then the trim keeps those entries`, async () => {
      let hook: (() => Promise<void>) | undefined;
      const subject = await redisStream({ wrapCommands: (redis) => interceptCalls(redis, () => hook?.()) });
      const { stream, redis, key } = subject;
      await stream.ensureGroup();
      const acked = [await stream.append('e1'), await stream.append('e2')];
      await stream.readNew('a', 10, 100);
      await stream.ack(acked);
      const fresh = [await stream.append('e3'), await stream.append('e4')];

      let calls = 0;
      let readByOther: string[] = [];
      hook = async () => {
        calls += 1;
        if (calls !== before) return;
        readByOther = (await stream.readNew('other', 10, 100)).map((e) => e.id);
      };
      await stream.trimAcked();
      hook = undefined;

      expect(calls).toBeGreaterThanOrEqual(before); // the interleaving did happen
      expect(readByOther).toEqual(fresh);
      const left = ((await redis.xrange(key, '-', '+')) as [string, string[]][]).map(([id]) => id);
      expect(left).toEqual(expect.arrayContaining(fresh));
      // Were "other" to die now, another consumer could still take them over, payloads included.
      expect(await stream.claimIdle('b', 0, 10)).toEqual([
        { id: fresh[0], payload: 'e3', deliveries: 2 },
        { id: fresh[1], payload: 'e4', deliveries: 2 },
      ]);
    });
  }
});

/**
 * The command connection with a hook run before each `call` (the engine's way to send XPENDING,
 * XINFO, XTRIM...). Commands still reach Redis in the order the engine issued them, as on one
 * connection; only the hook gets to act in between.
 */
function interceptCalls(redis: Redis, before: () => Promise<void> | undefined): Redis {
  let turn: Promise<unknown> = Promise.resolve();
  return new Proxy(redis, {
    get(target, property) {
      if (property === 'call') {
        return (...args: unknown[]) => {
          const mine = turn.then(() => before());
          turn = mine.catch(() => undefined);
          return mine.then(() => (target.call as (...a: unknown[]) => Promise<unknown>)(...args));
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
