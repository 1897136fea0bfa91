import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';

describeRedis('two server instances sharing Redis', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    [a, b] = await Promise.all([startTestApp({ databaseUrl: db.url, ...redis }), startTestApp({ databaseUrl: db.url, ...redis })]);
    [alice, bob] = await Promise.all([registerUser(a.url, 'alice'), registerUser(b.url, 'bob')]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('when alice sends on instance A, then bob’s device and alice’s other device on instance B receive it', async () => {
    const bobOnB = await connectWs(b.wsUrl, bob.accessToken);
    const aliceOnB = await connectWs(b.wsUrl, alice.accessToken);
    clients.push(bobOnB, aliceOnB);
    const bobFeed = collect(bobOnB, MESSAGE_RECEIVED);
    const aliceFeed = collect(aliceOnB, MESSAGE_RECEIVED);
    await waitFor(() => b.app.services.feeds.listenerCount(bob.id) === 1 && b.app.services.feeds.listenerCount(alice.id) === 1);

    const sent = await gqlOk(a.url, SEND, { input: { recipientId: bob.id, content: 'across instances' } }, alice.accessToken);
    const [bobEvent] = await bobFeed.until(1);
    const [aliceEvent] = await aliceFeed.until(1);
    expect(bobEvent.messageReceived).toEqual(sent.sendMessage);
    expect(aliceEvent.messageReceived).toEqual(sent.sendMessage);
  });

  it('when both instances take sends for one conversation at once, then seqs are 1..N with no gap or repeat', async () => {
    const first = await gqlOk(a.url, SEND, { input: { recipientId: bob.id, content: 'start' } }, alice.accessToken);
    const conversationId = first.sendMessage.conversationId;
    const sends = Array.from({ length: 30 }, (_, i) => {
      const [server, user] = i % 2 === 0 ? [a, alice] : [b, bob];
      return gqlOk(server.url, SEND, { input: { conversationId, content: `m${i}`, clientMessageId: randomUUID() } }, user.accessToken);
    });
    const seqs = (await Promise.all(sends)).map((r) => r.sendMessage.seq).sort((x, y) => x - y);
    const start = first.sendMessage.seq + 1;
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => start + i));
  });
});
