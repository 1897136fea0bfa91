import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';
import type { Bus, Unsubscribe } from './bus.js';

/**
 * Redis Pub/Sub engine over graphql-redis-subscriptions. Takes two built connections: a subscriber
 * connection cannot issue other commands. Payloads pass through untouched (encoded once upstream).
 * The caller owns and closes the connections.
 */
export function createRedisBus(publisher: Redis, subscriber: Redis): Bus {
  const pubsub = new RedisPubSub({
    publisher,
    subscriber,
    serializer: (payload: unknown) => payload as string,
    deserializer: (raw: string | Buffer) => raw.toString(),
  });

  return {
    publish: createRedisPublisher(publisher).publish,
    async subscribe(topic, handler): Promise<Unsubscribe> {
      // Resolves only after Redis confirmed SUBSCRIBE, which is what makes the Bus contract hold.
      const id = await pubsub.subscribe(topic, (payload: string) => handler(payload));
      let subscribed = true;
      return async () => {
        // Idempotent, as in the in-process engine: the library throws on an id it already dropped.
        if (!subscribed) return;
        subscribed = false;
        pubsub.unsubscribe(id);
      };
    },
    isLive: () => subscriber.status === 'ready',
    async close() {
      // Connections are closed by their owner (deps.ts).
    },
  };
}

/** The publishing half alone, for a process part that never subscribes (the worker thread). */
export function createRedisPublisher(publisher: Redis): Pick<Bus, 'publish'> {
  return {
    async publish(topics, payload) {
      // One round trip for the lot: ioredis pipelines commands queued in the same tick.
      const pipeline = publisher.pipeline();
      for (const topic of topics) pipeline.publish(topic, payload);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    },
  };
}
