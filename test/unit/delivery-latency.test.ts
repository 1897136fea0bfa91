// The event router's send-to-delivery latency: measured from the send time the live batch carries
// (the commit time for events read back from the database), once per message with a listener here.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.js';
import { createEventRouter } from '../../src/modules/events/event-router.js';
import { encodeBatch, type CommittedEvent } from '../../src/modules/events/committed-events.js';
import { topics as topicsOf } from '../../src/modules/realtime/bus.js';
import { createMemoryBus } from '../../src/modules/realtime/memory-bus.js';
import { createUserFeeds } from '../../src/modules/realtime/user-feeds.js';
import { waitFor } from '../helpers/deferred.js';

const SENDER = { id: 's', username: 'sender', createdAt: new Date(0) };

function messageEvent(pos: number, recipients: string[], createdAt: Date, sentAt?: number): CommittedEvent {
  return {
    kind: 'message',
    pos,
    conversationId: 'c',
    recipients,
    message: {
      id: `m${pos}`,
      conversationId: 'c',
      seq: pos,
      senderId: 's',
      content: '',
      clientMessageId: null,
      createdAt,
      pos,
      sender: SENDER,
      attachments: [],
    },
    ...(sentAt === undefined ? {} : { sentAt }),
  };
}

describe('the event router’s delivery latency', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function start(replayed: CommittedEvent[] = []) {
    const bus = createMemoryBus();
    const topics = topicsOf('t:');
    const feeds = createUserFeeds<CommittedEvent>();
    const observed: number[] = [];
    const received: CommittedEvent[] = [];
    let clock = 0;
    const router = createEventRouter({
      bus,
      topics,
      feeds,
      readClock: async () => clock,
      replay: async (_userId, after, upTo) => replayed.filter((e) => e.pos > after && e.pos <= upTo),
      logger: createLogger('silent'),
      deliveryLatency: { observe: (seconds) => observed.push(seconds) },
      gapWaitMs: 20,
      pollEveryMs: 20,
    });
    await router.start();
    stops.push(() => router.stop());
    // Two listeners of one user, and one of another: a message to both is still one observation.
    for (const userId of ['bob', 'bob', 'carol']) feeds.listen(userId, { onEvent: (event) => received.push(event) });
    const publish = (from: number, events: CommittedEvent[]) => {
      clock = Math.max(clock, from + events.length);
      return bus.publish([topics.events], encodeBatch({ from, to: from + events.length, events }));
    };
    return { observed, received, publish, setClock: (value: number) => (clock = value) };
  }

  it('when a live batch arrives, then each message that reached a listener is observed once, from its send time', async () => {
    const { observed, received, publish } = await start();
    const now = Date.now();
    await publish(0, [
      messageEvent(1, ['bob', 'carol'], new Date(now), now - 3000), // sent 3 s ago, committed just now
      messageEvent(2, ['dave'], new Date(now), now - 3000), // nobody listens to dave here
    ]);
    await waitFor(() => received.length === 3);
    expect(observed).toHaveLength(1);
    expect(observed[0]).toBeGreaterThanOrEqual(3);
    expect(observed[0]).toBeLessThan(4);
  });

  it('when a range is read back from the database, then each message is observed once, from its commit time', async () => {
    const now = Date.now();
    const { observed, received, setClock } = await start([messageEvent(1, ['bob', 'carol'], new Date(now - 2000))]);
    setClock(1); // committed, but its batch never comes: the router fills the gap from the database
    await waitFor(() => received.length === 3);
    expect(observed).toHaveLength(1);
    expect(observed[0]).toBeGreaterThanOrEqual(2);
    expect(observed[0]).toBeLessThan(3);
  });
});
