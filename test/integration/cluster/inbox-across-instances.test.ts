// The inbox across instances sharing Redis: a removal made on one instance stops delivery on every
// instance, and a client whose instance is SIGKILLed resumes on another with its last cursor.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createGroup, inboxAfter, nowCursor, REMOVE_MEMBER, sendTo, subscribeInbox, registerUsers } from '../../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, type TestUser } from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

describeRedis('the inbox across instances', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let redis: { redisUrl: string; redisPrefix: string };
  let alice: TestUser, bob: TestUser, carol: TestUser;
  const clients: Client[] = [];
  let doomed: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    [a, b] = await Promise.all([startTestApp({ databaseUrl: db.url, ...redis }), startTestApp({ databaseUrl: db.url, ...redis })]);
    [alice, bob, carol] = await registerUsers(a.url, ['alice', 'bob', 'carol'] as const);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await doomed?.kill('SIGKILL');
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('when alice removes bob on instance A, then bob’s devices on instance B get nothing after his removal, while carol’s do', async () => {
    const group = await createGroup(a.url, alice, 'Across', [bob, carol]);
    const bobOnB = await connectWs(b.wsUrl, bob.accessToken);
    const carolOnB = await connectWs(b.wsUrl, carol.accessToken);
    clients.push(bobOnB, carolOnB);
    const bobInbox = subscribeInbox(bobOnB);
    const bobMessages = collect(bobOnB, MESSAGE_RECEIVED);
    const carolMessages = collect(carolOnB, MESSAGE_RECEIVED);
    await waitFor(() => b.app.services.feeds.listenerCount(bob.id) === 2 && b.app.services.feeds.listenerCount(carol.id) === 1);

    await sendTo(a.url, alice, group.id, 'before');
    await bobMessages.until(1);
    await gqlOk(a.url, REMOVE_MEMBER, { conversationId: group.id, userId: bob.id }, alice.accessToken);
    await sendTo(a.url, alice, group.id, 'after');
    await carolMessages.until(2);
    await bobInbox.until(2);
    expect(bobInbox.events.map((e) => e.inbox.__typename)).toEqual(['MessageAdded', 'RemovedFromConversation']);
    expect(bobMessages.events.map((e) => e.messageReceived.content)).toEqual(['before']);
  });

  it('when the instance holding a client’s subscription is SIGKILLed, then resubscribing on another with the last cursor gives exactly what was missed', async () => {
    doomed = await startServerProcess({ DATABASE_URL: db.url, REDIS_URL: redis.redisUrl, REDIS_KEY_PREFIX: redis.redisPrefix });
    const group = await createGroup(a.url, alice, 'Failover', [carol]);
    const start = await nowCursor(a.url, carol);

    const onDoomed = await connectWs(doomed.wsUrl, carol.accessToken);
    const first = subscribeInbox(onDoomed, start);
    for (let i = 0; i < 5; i++) await sendTo(a.url, alice, group.id, `seen ${i}`);
    const seen = (await first.until(5)).map((e) => e.inbox);
    const lastCursor = seen[seen.length - 1]!.cursor;

    const killed = await doomed.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    void Promise.resolve(onDoomed.dispose()).catch(() => undefined);
    for (let i = 0; i < 5; i++) await sendTo(a.url, alice, group.id, `missed ${i}`);

    const onB = await connectWs(b.wsUrl, carol.accessToken);
    clients.push(onB);
    const resumed = subscribeInbox(onB, lastCursor);
    const caughtUp = (await resumed.until(5)).map((e) => e.inbox);
    expect(caughtUp.map((e) => e.message!.content)).toEqual(['missed 0', 'missed 1', 'missed 2', 'missed 3', 'missed 4']);
    await sendTo(a.url, alice, group.id, 'live again');
    expect((await resumed.until(6))[5]!.inbox.message!.content).toBe('live again');
    expect(resumed.events).toHaveLength(6);
    // And the whole stream from the start is the one the client pieced together.
    const whole = (await inboxAfter(b.url, carol, start)).events;
    expect(whole.map((e) => e.cursor)).toEqual([...seen, ...resumed.events.map((e) => e.inbox)].map((e) => e.cursor));
  });
});
