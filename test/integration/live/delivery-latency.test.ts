// chat_delivery_latency_seconds: from the send to the hand-off of the committed message to this
// instance's subscriptions, observed once per message and instance however many sockets it reaches.
import { afterEach, describe, expect, it } from 'vitest';
import { readMetric } from '../../helpers/metrics.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';
import type { Client } from 'graphql-ws';

describe('send-to-delivery latency metric', () => {
  const server = useTestServer();
  const devices: Client[] = [];
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.dispose()));
  });
  const histogram = async () => ({
    count: (await readMetric(server.url, 'chat_delivery_latency_seconds_count')) ?? NaN,
    sum: (await readMetric(server.url, 'chat_delivery_latency_seconds_sum')) ?? NaN,
  });

  it('when a message reaches two devices of its recipient, then the latency is observed once, and only for messages someone here listens to', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(server.url, 'alice'),
      registerUser(server.url, 'bob'),
      registerUser(server.url, 'carol'),
    ]);
    for (let i = 0; i < 2; i++) devices.push(await connectWs(server.wsUrl, bob.accessToken));
    const feeds = devices.map((device) => collect(device, MESSAGE_RECEIVED));
    await waitFor(() => server.app.services.feeds.listenerCount(bob.id) === 2);
    const before = await histogram();
    expect(before.count).toBe(0);
    // The published batch carries the send time, for every instance to measure from.
    const batches: string[] = [];
    const unsubscribe = await server.deps.bus.subscribe(server.deps.topics.events, (payload) => batches.push(payload));

    const sendingAt = Date.now();
    await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: 'timed' } }, alice.accessToken);
    await Promise.all(feeds.map((feed) => feed.until(1)));
    await unsubscribe();
    const events = batches.flatMap((batch) => JSON.parse(batch).events);
    const sentAt = events.find((event) => event.kind === 'message').sentAt;
    expect(sentAt).toBeGreaterThanOrEqual(sendingAt);
    expect(sentAt).toBeLessThanOrEqual(Date.now());
    const once = await histogram();
    expect(once.count).toBe(1);
    expect(once.sum).toBeGreaterThan(0);
    expect(once.sum).toBeLessThan(5);

    // Carol has no socket here: nothing was handed to anyone, nothing is observed. Her message is
    // routed before the next one to Bob (position order), so Bob's arrival shows it was passed over.
    await gqlOk(server.url, SEND, { input: { recipientId: carol.id, content: 'unheard' } }, alice.accessToken);
    await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: 'timed again' } }, alice.accessToken);
    await Promise.all(feeds.map((feed) => feed.until(2)));
    expect((await histogram()).count).toBe(2);
  });
});
