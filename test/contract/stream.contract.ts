// The MessageStream contract (src/modules/realtime/stream.ts), run against every engine, plus the
// engines as tests build them (the worker's tests drive the same two).
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStream, type DeadLetter } from '../../src/modules/realtime/memory-stream.js';
import { createRedisStream } from '../../src/modules/realtime/redis-stream.js';
import type { MessageStream, StreamEntry } from '../../src/modules/realtime/stream.js';
import { waitFor } from '../helpers/deferred.js';
import { redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';

export type { DeadLetter };

export type StreamUnderTest = {
  stream: MessageStream;
  /** What the engine's dead-letter store holds, oldest first. */
  deadLetters(): Promise<DeadLetter[]>;
  /**
   * Resolves once a readNew call already made is blocked waiting for entries, so that what the test
   * does next (append, stop) meets a blocked read rather than racing it.
   */
  untilReadBlocked(): Promise<void>;
  /** Closes what was opened and removes what was stored. */
  cleanup(): Promise<void>;
};

/** Engine options a contract case may set. */
export type StreamOptions = { deadLetterMax?: number };

export async function memoryStreamUnderTest(options: StreamOptions = {}): Promise<StreamUnderTest> {
  const stream = createMemoryStream(options);
  return {
    stream,
    deadLetters: async () => [...stream.deadLetters()],
    // A memory read registers its waiter synchronously; one macrotask lets a caller that awaits
    // other (already settled) steps first, such as the worker loop, get there.
    untilReadBlocked: () => new Promise((resolve) => setImmediate(resolve)),
    cleanup: async () => undefined,
  };
}

export type RedisStreamUnderTest = StreamUnderTest & {
  /** The connection for normal commands (also free for a test's own XRANGE, XGROUP...). */
  redis: Redis;
  /** The connection blocking reads use. */
  blocking: Redis;
  key: string;
  group: string;
  prefix: string;
};

/**
 * A Redis stream under a fresh key prefix, on its own two connections (as deps.ts builds them).
 * `wrapCommands` lets a test put itself between the engine and its command connection.
 */
export async function redisStreamUnderTest({
  wrapCommands,
  deadLetterMax,
}: { wrapCommands?: (redis: Redis) => Redis } & StreamOptions = {}): Promise<RedisStreamUnderTest> {
  const url = redisUrlForTests();
  if (!url) throw new Error('redisStreamUnderTest() needs Redis: call it under describeRedis');
  const prefix = uniqueRedisPrefix();
  const key = `${prefix}stream`;
  const group = 'persisters';
  const blockingName = `${prefix}blocking`;
  const redis = new Redis(url, { connectionName: `${prefix}commands`, lazyConnect: true });
  const blocking = new Redis(url, { connectionName: blockingName, lazyConnect: true });
  const quit = () => Promise.all([redis, blocking].map((c) => c.quit().catch(() => c.disconnect())));
  try {
    await Promise.all([redis.connect(), blocking.connect()]);
  } catch (error) {
    await quit();
    throw error;
  }
  const stream = createRedisStream({ redis: wrapCommands ? wrapCommands(redis) : redis, blocking, key, group, deadLetterMax });
  return {
    stream,
    redis,
    blocking,
    key,
    group,
    prefix,
    async deadLetters() {
      const raw = (await redis.xrange(`${key}:dead`, '-', '+')) as [string, string[]][];
      return raw.map(([, fields]) => {
        const get = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
        return { id: get('id'), payload: get('p'), reason: get('reason'), deliveries: Number(get('deliveries')) };
      });
    },
    async untilReadBlocked() {
      await waitFor(
        async () =>
          String(await redis.client('LIST'))
            .split('\n')
            .some((line) => line.includes(` name=${blockingName} `) && / flags=\S*b/.test(line) && line.includes(' cmd=xreadgroup')),
        { description: `${blockingName} blocked in XREADGROUP` },
      );
    },
    async cleanup() {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      if (keys.length > 0) await redis.del(...keys);
      await quit();
    },
  };
}

/**
 * Idle time is measured by the engine's clock: waiting for that clock is the behaviour under test,
 * not a guess at when something asynchronous has finished.
 */
export async function untilElapsed(since: number, ms: number): Promise<void> {
  await waitFor(() => performance.now() - since >= ms, { timeoutMs: ms + 5_000, intervalMs: 10, description: `${ms} ms to pass` });
}

const ids = (entries: readonly StreamEntry[]) => entries.map((e) => e.id);

export function streamContract(name: string, makeStream: (options?: StreamOptions) => Promise<StreamUnderTest>): void {
  describe(`MessageStream contract: ${name}`, () => {
    let subject: StreamUnderTest | undefined;
    let stream: MessageStream;

    beforeEach(async () => {
      subject = await makeStream();
      stream = subject.stream;
      await stream.ensureGroup();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    const appendAll = async (...payloads: string[]) => {
      const appended: string[] = [];
      for (const payload of payloads) appended.push(await stream.append(payload));
      return appended;
    };

    it('when entries are appended, then readNew hands them out in append order, at most count at a time, with deliveries 1', async () => {
      const appended = await appendAll('a', 'b', 'c', 'd', 'e');

      const first = await stream.readNew('c1', 3, 100);
      const rest = await stream.readNew('c1', 3, 100);

      expect(first).toEqual([
        { id: appended[0], payload: 'a', deliveries: 1 },
        { id: appended[1], payload: 'b', deliveries: 1 },
        { id: appended[2], payload: 'c', deliveries: 1 },
      ]);
      expect(rest).toEqual([
        { id: appended[3], payload: 'd', deliveries: 1 },
        { id: appended[4], payload: 'e', deliveries: 1 },
      ]);
      expect(new Set(appended).size).toBe(5);
    });

    it('when there is nothing to read, then readNew waits for up to blockMs and returns an empty list', async () => {
      const started = performance.now();

      await expect(stream.readNew('c1', 10, 200)).resolves.toEqual([]);

      // It did block (not a busy loop for the worker), and it returned: that is what lets a consumer stop.
      expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    });

    it('when an entry is appended while readNew is blocked, then readNew returns it without waiting out blockMs', async () => {
      const started = performance.now();
      const read = stream.readNew('c1', 10, 20_000);
      await subject!.untilReadBlocked();

      const id = await stream.append('woken');

      expect(await read).toEqual([{ id, payload: 'woken', deliveries: 1 }]);
      expect(performance.now() - started).toBeLessThan(10_000);
    });

    it('when entries were handed out and not acked, then readNew does not hand them out again, to the same or another consumer', async () => {
      await appendAll('a', 'b');
      expect(await stream.readNew('c1', 10, 100)).toHaveLength(2);

      expect(await stream.readNew('c1', 10, 50)).toEqual([]);
      expect(await stream.readNew('c2', 10, 50)).toEqual([]);
      expect(await stream.stats()).toEqual({ length: 2, pending: 2, undelivered: 0, deadLetters: 0 });
    });

    it('when an entry has been pending for at least minIdle, then claimIdle gives it to another consumer with deliveries incremented, and not entries idle less', async () => {
      const [oldId, youngId] = await appendAll('old', 'young');
      await stream.readNew('c1', 1, 100);
      const oldReadAt = performance.now();
      expect(await stream.claimIdle('c2', 60_000, 10)).toEqual([]);

      await untilElapsed(oldReadAt, 500);
      await stream.readNew('c1', 1, 100);
      const claimed = await stream.claimIdle('c2', 300, 10);

      expect(claimed).toEqual([{ id: oldId, payload: 'old', deliveries: 2 }]);
      // A claim restarts the idle clock: nobody can take it straight back.
      expect(await stream.claimIdle('c3', 300, 10)).toEqual([]);
      // Everything stays pending until acked, wherever it is.
      expect(await stream.stats()).toMatchObject({ pending: 2, undelivered: 0 });
      const again = await stream.claimIdle('c3', 0, 10);
      expect(again).toEqual([
        { id: oldId, payload: 'old', deliveries: 3 },
        { id: youngId, payload: 'young', deliveries: 2 },
      ]);
    });

    it('when claimIdle finds more idle entries than count, then it claims count of them, oldest first', async () => {
      const appended = await appendAll('a', 'b', 'c');
      await stream.readNew('c1', 10, 100);

      expect(ids(await stream.claimIdle('c2', 0, 2))).toEqual(appended.slice(0, 2));
    });

    it('when entries are acked, then they leave pending and are never claimed, and acking again is harmless', async () => {
      const [a, b, c] = await appendAll('a', 'b', 'c');
      await stream.readNew('c1', 10, 100);

      await stream.ack([a!, c!]);
      await stream.ack([a!]);
      await stream.ack([]);

      expect(await stream.stats()).toEqual({ length: 3, pending: 1, undelivered: 0, deadLetters: 0 });
      expect(ids(await stream.claimIdle('c2', 0, 10))).toEqual([b]);
    });

    it('when an entry is dead-lettered, then it is recorded with its reason and deliveries and leaves pending', async () => {
      await appendAll('bad', 'good');
      const [bad] = await stream.readNew('c1', 10, 100);

      await stream.deadLetter(bad!, 'boom: cannot decode');

      expect(await subject!.deadLetters()).toEqual([{ id: bad!.id, payload: 'bad', reason: 'boom: cannot decode', deliveries: 1 }]);
      expect(await stream.stats()).toMatchObject({ pending: 1 });
      expect(await stream.claimIdle('c2', 0, 10)).toEqual([expect.objectContaining({ payload: 'good' })]);
    });

    it('when more entries are dead-lettered than the cap, then the newest are kept and the oldest dropped', async () => {
      const capped = await makeStream({ deadLetterMax: 2 });
      try {
        await capped.stream.ensureGroup();
        for (const payload of ['p1', 'p2', 'p3']) await capped.stream.append(payload);
        const entries = await capped.stream.readNew('c1', 10, 100);
        for (const entry of entries) await capped.stream.deadLetter(entry, `bad ${entry.payload}`);

        expect((await capped.deadLetters()).map((d) => d.payload)).toEqual(['p2', 'p3']);
        expect(await capped.stream.stats()).toMatchObject({ pending: 0, deadLetters: 2 });
      } finally {
        await capped.cleanup();
      }
    });

    it('when entries are appended, then length counts them until they are trimmed', async () => {
      expect(await stream.length()).toBe(0);
      await appendAll('a', 'b');
      expect(await stream.length()).toBe(2);
      const read = await stream.readNew('c1', 10, 100);
      await stream.ack(ids(read));
      await stream.trimAcked();
      expect(await stream.length()).toBe(0);
    });

    it('when entries are appended but never read, then trimAcked removes none of them', async () => {
      await appendAll('a', 'b', 'c');

      expect(await stream.trimAcked()).toBe(0);
      expect(await stream.stats()).toEqual({ length: 3, pending: 0, undelivered: 3, deadLetters: 0 });
    });

    it('when some entries are acked, then trimAcked removes the acked ones below the oldest pending or undelivered entry, and only those', async () => {
      const [e1, e2, e3, e4, e5] = await appendAll('e1', 'e2', 'e3', 'e4', 'e5');
      await stream.readNew('c1', 3, 100);
      await stream.ack([e1!, e3!]);

      // e2 is pending: only e1 is below it.
      expect(await stream.trimAcked()).toBe(1);
      expect(await stream.stats()).toEqual({ length: 4, pending: 1, undelivered: 2, deadLetters: 0 });
      expect(await stream.claimIdle('c2', 0, 10)).toEqual([{ id: e2, payload: 'e2', deliveries: 2 }]);

      // Nothing pending now: everything below e4, the oldest undelivered entry, goes.
      await stream.ack([e2!]);
      expect(await stream.trimAcked()).toBe(2);
      expect(await stream.stats()).toEqual({ length: 2, pending: 0, undelivered: 2, deadLetters: 0 });
      expect(ids(await stream.readNew('c1', 10, 100))).toEqual([e4, e5]);

      // All acked: the stream can be emptied, and stays usable.
      await stream.ack([e4!, e5!]);
      expect(await stream.trimAcked()).toBe(2);
      expect(await stream.stats()).toEqual({ length: 0, pending: 0, undelivered: 0, deadLetters: 0 });
      const next = await stream.append('e6');
      expect(await stream.readNew('c1', 10, 100)).toEqual([{ id: next, payload: 'e6', deliveries: 1 }]);
    });

    it('when stats is asked, then it reports the length, the entries pending and those never handed out', async () => {
      const [a] = await appendAll('a', 'b', 'c', 'd');
      expect(await stream.stats()).toEqual({ length: 4, pending: 0, undelivered: 4, deadLetters: 0 });

      await stream.readNew('c1', 3, 100);
      await stream.ack([a!]);

      expect(await stream.stats()).toEqual({ length: 4, pending: 2, undelivered: 1, deadLetters: 0 });
    });

    it('when ensureGroup is called again, with entries handed out, then nothing is handed out twice or lost', async () => {
      await appendAll('a', 'b', 'c');
      await stream.readNew('c1', 2, 100);

      await stream.ensureGroup();
      await stream.ensureGroup();

      expect(await stream.readNew('c1', 10, 100)).toEqual([expect.objectContaining({ payload: 'c' })]);
      expect(await stream.stats()).toEqual({ length: 3, pending: 3, undelivered: 0, deadLetters: 0 });
    });
  });
}
