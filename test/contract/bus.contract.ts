// The Bus contract (src/modules/realtime/bus.ts), run against every engine: what the rest of the
// app may rely on, whether it runs in one process or across instances over Redis.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, Unsubscribe } from '../../src/modules/realtime/bus.js';
import { waitFor } from '../helpers/deferred.js';

export type BusUnderTest = {
  bus: Bus;
  /** Prepended to every topic a test uses, so tests sharing one Redis never hear each other. */
  topicPrefix: string;
  /** Closes what makeBus opened and removes what it left behind. */
  cleanup(): Promise<void>;
};

/** A subscription that records what it receives. */
export type Inbox = {
  readonly received: readonly string[];
  /** Resolves with the first `count` payloads once that many have arrived. */
  until(count: number): Promise<string[]>;
  unsubscribe: Unsubscribe;
};

export async function listen(bus: Bus, topic: string): Promise<Inbox> {
  const received: string[] = [];
  const unsubscribe = await bus.subscribe(topic, (payload) => received.push(payload));
  return {
    received,
    until: (count) =>
      waitFor(() => (received.length >= count ? received.slice(0, count) : undefined), {
        description: `${count} payload(s) on ${topic} (got ${JSON.stringify(received)})`,
      }),
    unsubscribe,
  };
}

export function busContract(name: string, makeBus: () => Promise<BusUnderTest>): void {
  describe(`Bus contract: ${name}`, () => {
    let subject: BusUnderTest | undefined;
    let bus: Bus;
    let topic: (name: string) => string;

    beforeEach(async () => {
      subject = await makeBus();
      bus = subject.bus;
      const prefix = subject.topicPrefix;
      topic = (name) => `${prefix}${name}`;
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    /**
     * Publishing to a subscribed topic and waiting for it is how a test knows that everything the
     * same publisher sent before has been delivered (or dropped): both engines deliver in order.
     */
    const barrier = async (label: string) => {
      const inbox = await listen(bus, topic(`barrier:${label}`));
      return async () => {
        await bus.publish([topic(`barrier:${label}`)], 'barrier');
        await inbox.until(1);
        await inbox.unsubscribe();
      };
    };

    it('when payloads are published right after subscribe resolved, then the handler receives every one, in publish order', async () => {
      const inbox = await listen(bus, topic('t'));
      const sequential = Array.from({ length: 20 }, (_, i) => `awaited ${i}`);
      const burst = Array.from({ length: 20 }, (_, i) => `burst ${i}`);

      for (const payload of sequential) await bus.publish([topic('t')], payload);
      // Issued in one tick, not awaited one by one: order must still hold.
      await Promise.all(burst.map((payload) => bus.publish([topic('t')], payload)));

      expect(await inbox.until(40)).toEqual([...sequential, ...burst]);
    });

    it('when one payload is published to many topics, then each topic’s subscriber receives it exactly once', async () => {
      const names = ['a', 'b', 'c', 'd', 'e'];
      const inboxes = await Promise.all(names.map((n) => listen(bus, topic(n))));

      await bus.publish([...names.map(topic), topic('nobody-listens')], 'hello');
      await bus.publish(names.map(topic), 'after');

      for (const inbox of inboxes) expect(await inbox.until(2)).toEqual(['hello', 'after']);
      // 'after' arrived second everywhere, so 'hello' was not delivered twice anywhere.
      for (const inbox of inboxes) expect(inbox.received).toEqual(['hello', 'after']);
    });

    it('when a handler unsubscribes, then later payloads no longer reach it while the topic’s other subscribers still get them', async () => {
      const leaving = await listen(bus, topic('t'));
      const staying = await listen(bus, topic('t'));
      await bus.publish([topic('t')], 'before');
      await Promise.all([leaving.until(1), staying.until(1)]);

      await leaving.unsubscribe();
      await bus.publish([topic('t')], 'after');

      expect(await staying.until(2)).toEqual(['before', 'after']);
      expect(leaving.received).toEqual(['before']);
    });

    it('when the last subscriber of a topic unsubscribes, then payloads published to it afterwards are not delivered', async () => {
      const inbox = await listen(bus, topic('t'));
      await bus.publish([topic('t')], 'before');
      await inbox.until(1);
      const settle = await barrier('last');

      await inbox.unsubscribe();
      await bus.publish([topic('t')], 'after');
      await settle();

      expect(inbox.received).toEqual(['before']);
    });

    it('when unsubscribe is called twice, then the second call does nothing and other subscribers keep receiving', async () => {
      const first = await listen(bus, topic('t'));
      const second = await listen(bus, topic('t'));

      await first.unsubscribe();
      await expect(first.unsubscribe()).resolves.toBeUndefined();
      await bus.publish([topic('t')], 'still here');

      expect(await second.until(1)).toEqual(['still here']);
      expect(first.received).toEqual([]);
    });

    it('when two handlers subscribe to one topic, then both receive every payload', async () => {
      const [one, two] = await Promise.all([listen(bus, topic('t')), listen(bus, topic('t'))]);

      await bus.publish([topic('t')], 'x');
      await bus.publish([topic('t')], 'y');

      expect(await one!.until(2)).toEqual(['x', 'y']);
      expect(await two!.until(2)).toEqual(['x', 'y']);
    });

    it('when the same function is subscribed twice, then it is called twice per payload, and once after one of the two ends', async () => {
      const received: string[] = [];
      const handler = (payload: string) => received.push(payload);
      const first = await bus.subscribe(topic('t'), handler);
      await bus.subscribe(topic('t'), handler);

      await bus.publish([topic('t')], 'x');
      await waitFor(() => received.length === 2);
      await first();
      await bus.publish([topic('t')], 'y');
      await waitFor(() => received.length === 3);
      const settle = await barrier('same-fn');
      await settle();

      expect(received).toEqual(['x', 'x', 'y']);
    });

    it('when publishing to a topic nobody subscribes to, or to no topic at all, then publish resolves and the bus keeps working', async () => {
      await expect(bus.publish([topic('nobody')], 'lost')).resolves.toBeUndefined();
      await expect(bus.publish([], 'nowhere')).resolves.toBeUndefined();

      const inbox = await listen(bus, topic('nobody'));
      await bus.publish([topic('nobody')], 'found');
      expect(await inbox.until(1)).toEqual(['found']);
    });
  });
}
