import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageStream, StreamEntry } from '../../../src/modules/realtime/stream.js';
import {
  startStreamConsumer,
  type BatchOutcome,
  type StreamConsumer,
  type StreamConsumerOptions,
} from '../../../src/modules/worker/stream-consumer.js';
import { memoryStreamUnderTest, redisStreamUnderTest, type StreamUnderTest } from '../../contract/stream.contract.js';
import { createDeferred, waitFor } from '../../helpers/deferred.js';
import { describeRedis } from '../../helpers/redis.js';

type LogLine = { level: number; msg: string; entryId?: string; retryInMs?: number; err?: { message: string } };

/** A real pino logger whose lines the test can read. */
function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

const PINO_ERROR = 50;
const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

/** Handles a batch entry by entry: `decide` says what became of each. Records every entry seen. */
function recordingHandler(decide: (entry: StreamEntry) => 'done' | Error | { poison: Error } = () => 'done') {
  const seen: StreamEntry[] = [];
  const batches: StreamEntry[][] = [];
  const handleBatch = async (entries: StreamEntry[]): Promise<BatchOutcome> => {
    batches.push(entries);
    const outcome: Required<BatchOutcome> = { done: [], failed: new Map(), poison: new Map() };
    for (const entry of entries) {
      seen.push(entry);
      const decision = decide(entry);
      if (decision === 'done') outcome.done.push(entry.id);
      else if (decision instanceof Error) outcome.failed.set(entry.id, decision);
      else outcome.poison.set(entry.id, decision.poison);
    }
    return outcome;
  };
  const timesSeen = (payload: string) => seen.filter((e) => e.payload === payload).map((e) => e.deliveries);
  return { handleBatch, seen, batches, timesSeen };
}

function consumerSuite(engine: string, makeStream: () => Promise<StreamUnderTest>): void {
  describe(`stream consumer on the ${engine}`, () => {
    let subject: StreamUnderTest;
    let stream: MessageStream;
    let log: ReturnType<typeof capturingLogger>;
    let consumers: StreamConsumer[];

    beforeEach(async () => {
      consumers = [];
      log = capturingLogger();
      subject = await makeStream();
      stream = subject.stream;
      await stream.ensureGroup();
    });
    afterEach(async () => {
      await Promise.all(consumers.map((c) => c.stop()));
      await subject?.cleanup();
    });

    /** Small timings so that retries and takeovers happen within a test. */
    const start = (options: Partial<StreamConsumerOptions> & Pick<StreamConsumerOptions, 'handleBatch'>) => {
      const consumer = startStreamConsumer({
        stream,
        consumer: 'live',
        logger: log.logger,
        blockMs: 100,
        claimIdleMs: 200,
        maintenanceEveryMs: 50,
        maxDeliveries: 3,
        ...options,
      });
      consumers.push(consumer);
      return consumer;
    };
    const appendAll = async (...payloads: string[]) => {
      const ids: string[] = [];
      for (const payload of payloads) ids.push(await stream.append(payload));
      return ids;
    };
    const untilSettled = () => waitFor(async () => (await stream.stats()).pending === 0, { description: 'nothing pending' });

    it('when the handler always fails one entry, then after maxDeliveries it goes to the dead-letter stream with its error logged, while the rest of its batch is acked and handled once', async () => {
      const [, badId] = await appendAll('one', 'bad', 'three');
      const handler = recordingHandler((e) => (e.payload === 'bad' ? new Error('cannot store bad') : 'done'));
      const deadLettered: [string, string][] = [];

      start({ handleBatch: handler.handleBatch, onDeadLetter: (entry, error) => deadLettered.push([entry.id, error.message]) });

      await waitFor(async () => (await subject.deadLetters()).length > 0, { description: 'a dead letter' });
      await untilSettled();
      expect(await subject.deadLetters()).toEqual([{ id: badId, payload: 'bad', reason: 'cannot store bad', deliveries: 3 }]);
      expect(handler.timesSeen('bad')).toEqual([1, 2, 3]);
      expect(handler.timesSeen('one')).toEqual([1]);
      expect(handler.timesSeen('three')).toEqual([1]);
      expect(deadLettered).toEqual([[badId, 'cannot store bad']]);
      expect(log.lines).toContainEqual(
        expect.objectContaining({ level: PINO_ERROR, entryId: badId, err: expect.objectContaining({ message: 'cannot store bad' }) }),
      );
    });

    it('when the store is away for longer than maxDeliveries retries, then its entries are never dead-lettered and are handled once it is back', async () => {
      await appendAll('during-outage');
      let away = true;
      const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const handler = recordingHandler(() => (away ? outage : 'done'));

      start({
        handleBatch: handler.handleBatch,
        claimIdleMs: 20,
        maxBackoffMs: 20,
        isTransient: (e) => (e as { code?: string }).code === 'ECONNREFUSED',
      });

      await waitFor(() => handler.timesSeen('during-outage').length > 6, { description: 'more failed attempts than maxDeliveries (3)' });
      expect(await subject.deadLetters()).toEqual([]);
      away = false;
      await untilSettled();
      expect(await subject.deadLetters()).toEqual([]);
      expect(handler.timesSeen('during-outage').at(-1)).toBeGreaterThan(3);
    });

    it('when the handler reports an entry as poison, then it is dead-lettered at once and the others are acked', async () => {
      const [, poisonId] = await appendAll('fine', 'poison', 'also fine');
      const handler = recordingHandler((e) => (e.payload === 'poison' ? { poison: new Error('malformed') } : 'done'));

      start({ handleBatch: handler.handleBatch, maxDeliveries: 10 });

      await waitFor(async () => (await subject.deadLetters()).length > 0, { description: 'a dead letter' });
      await untilSettled();
      expect(await subject.deadLetters()).toEqual([{ id: poisonId, payload: 'poison', reason: 'malformed', deliveries: 1 }]);
      expect(handler.seen.map((e) => e.payload)).toEqual(['fine', 'poison', 'also fine']);
    });

    it('when entries are pending on a consumer that died, then a live consumer handles them once claimIdleMs has passed', async () => {
      await appendAll('a', 'b', 'c');
      // "dead" reads and never acks: what a worker killed between read and commit leaves behind.
      expect(await stream.readNew('dead', 10, 100)).toHaveLength(3);
      const handler = recordingHandler();

      start({ handleBatch: handler.handleBatch });

      await waitFor(() => handler.seen.length === 3, { description: 'the three entries handled' });
      await untilSettled();
      expect(handler.seen.map((e) => [e.payload, e.deliveries])).toEqual([
        ['a', 2],
        ['b', 2],
        ['c', 2],
      ]);
    });

    it('when the handler throws for the whole batch, then every entry stays pending and the batch is retried', async () => {
      await appendAll('a', 'b', 'c');
      const batches: [string, number][][] = [];
      let pendingAtRetry: number | undefined;

      start({
        handleBatch: async (entries) => {
          batches.push(entries.map((e) => [e.payload, e.deliveries]));
          if (batches.length === 1) throw new Error('database unavailable');
          pendingAtRetry = (await stream.stats()).pending;
          return { done: entries.map((e) => e.id), failed: new Map() };
        },
      });

      await waitFor(() => batches.length === 2, { description: 'a retry' });
      await untilSettled();
      expect(batches).toEqual([
        [
          ['a', 1],
          ['b', 1],
          ['c', 1],
        ],
        [
          ['a', 2],
          ['b', 2],
          ['c', 2],
        ],
      ]);
      expect(pendingAtRetry).toBe(3);
      expect(await subject.deadLetters()).toEqual([]);
    });

    it('when entries are handled, then the stream is trimmed below them, but never past an entry still pending', async () => {
      const [, stuckId] = await appendAll('ok 1', 'stuck', 'ok 2');
      const handler = recordingHandler((e) => (e.payload === 'stuck' ? new Error('not yet') : 'done'));

      start({ handleBatch: handler.handleBatch, claimIdleMs: 60_000 });

      await waitFor(async () => (await stream.stats()).length === 2, { description: 'the trim of "ok 1"' });
      expect(await stream.stats()).toEqual({ length: 2, pending: 1, undelivered: 0, deadLetters: 0 });
      expect(await stream.claimIdle('test', 0, 10)).toEqual([{ id: stuckId, payload: 'stuck', deliveries: 2 }]);
    });

    it('when everything is handled, then the stream is trimmed to nothing', async () => {
      await appendAll('a', 'b');
      const handler = recordingHandler();

      start({ handleBatch: handler.handleBatch });

      await waitFor(async () => (await stream.stats()).length === 0, { description: 'an empty stream' });
      expect(handler.seen).toHaveLength(2);
    });

    it('when stop() is called while the consumer is blocked in a read, then it resolves within about blockMs and reads no more', async () => {
      const handler = recordingHandler();
      const consumer = start({ handleBatch: handler.handleBatch, blockMs: 200 });
      await subject.untilReadBlocked();

      const started = performance.now();
      await consumer.stop();

      expect(performance.now() - started).toBeLessThan(2_000);
      await stream.append('after stop');
      expect(await stream.stats()).toMatchObject({ undelivered: 1 });
      expect(handler.seen).toEqual([]);
    });

    it('when stop() is called while a batch is being handled, then it waits for the batch to finish and be acked', async () => {
      const entered = createDeferred();
      const release = createDeferred();
      const consumer = start({
        handleBatch: async (entries) => {
          entered.resolve();
          await release.promise;
          return { done: entries.map((e) => e.id), failed: new Map() };
        },
      });
      await stream.append('in hand');
      await entered.promise;

      let stopped = false;
      const stopping = consumer.stop().then(() => (stopped = true));
      await nextMacrotask();
      expect(stopped).toBe(false);

      release.resolve();
      await stopping;
      expect(await stream.stats()).toMatchObject({ pending: 0 });
    });
  });
}

consumerSuite('in-process stream', memoryStreamUnderTest);

describeRedis('on Redis', () => {
  consumerSuite('Redis stream', () => redisStreamUnderTest());

  it('when the stream keeps failing and the consumer is backing off, then stop() still resolves within about blockMs', async () => {
    const subject = await redisStreamUnderTest();
    const log = capturingLogger();
    let consumer: StreamConsumer | undefined;
    try {
      // Every command on a key of the wrong type fails, as they do while Redis is loading or read-only.
      await subject.redis.set(subject.key, 'not a stream');
      consumer = startStreamConsumer({
        stream: subject.stream,
        consumer: 'live',
        logger: log.logger,
        blockMs: 200,
        handleBatch: async () => ({ done: [], failed: new Map() }),
      });
      // Backoff doubles from 100 ms: by now the consumer is in a 1.6 s wait.
      await waitFor(() => log.lines.some((l) => (l.retryInMs ?? 0) >= 1_600), { description: 'a 1.6 s backoff' });

      const started = performance.now();
      await consumer.stop();

      expect(performance.now() - started).toBeLessThan(800);
    } finally {
      await consumer?.stop();
      await subject.cleanup();
    }
  });
});
