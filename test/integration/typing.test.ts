// Typing: to the other members' devices only, throttled to one event per 2 s, lapsing by itself
// 6 s after the last keystroke, on every instance, never stored.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { call, createGroup, registerUsers } from '../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/deferred.js';
import { collect, connectWs, errorCode, gqlOk, type TestUser } from '../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';
import { useTestServer } from '../helpers/test-server.js';

const SET_TYPING = /* GraphQL */ `
  mutation SetTyping($conversationId: ID!, $typing: Boolean!) {
    setTyping(conversationId: $conversationId, typing: $typing)
  }
`;
const TYPING = /* GraphQL */ `
  subscription Typing($conversationId: ID) {
    typing(conversationId: $conversationId) {
      conversationId
      typing
      expiresAt
      user {
        id
        username
      }
    }
  }
`;
type Typing = { typing: { conversationId: string; typing: boolean; expiresAt: string | null; user: { id: string; username: string } } };

describe('typing', () => {
  const server = useTestServer();
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser;
  const sockets: Client[] = [];

  beforeAll(async () => {
    [alice, bob, carol, dave] = await registerUsers(server.url, ['alice', 'bob', 'carol', 'dave'] as const);
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });

  const watch = async (user: TestUser, conversationId?: string) => {
    const socket = await connectWs(server.wsUrl, user.accessToken);
    sockets.push(socket);
    const before = server.app.services.feeds.listenerCount(user.id);
    const feed = collect<Typing>(socket, TYPING, conversationId ? { conversationId } : {});
    await waitFor(() => server.app.services.feeds.listenerCount(user.id) === before + 1);
    return feed;
  };
  const setTyping = (user: TestUser, conversationId: string, typing: boolean) =>
    gqlOk(server.url, SET_TYPING, { conversationId, typing }, user.accessToken);

  it('when alice types, then the other members see it, not her own devices; keystrokes within 2 s make one event; it lapses 6 s after the last', async () => {
    const group = await createGroup(server.url, alice, 'Typing', [bob, carol]);
    const bobSees = await watch(bob);
    const aliceOwn = await watch(alice, group.id);

    const started = Date.now();
    for (let i = 0; i < 8; i++) await setTyping(alice, group.id, true);
    const [first] = await bobSees.until(1);
    expect(first!.typing).toMatchObject({ conversationId: group.id, typing: true, user: { id: alice.id, username: alice.username } });
    const expiresAt = new Date(first!.typing.expiresAt!).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(started + 5_900);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 6_100);

    const [, lapsed] = await bobSees.until(2, 9_000);
    expect(lapsed!.typing).toMatchObject({ typing: false, expiresAt: null, user: { id: alice.id } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_900);
    expect(bobSees.events).toHaveLength(2); // the eight keystrokes made one event

    // Alice's own device got none of that: the next thing it sees is carol typing.
    await setTyping(carol, group.id, true);
    expect((await aliceOwn.until(1))[0]!.typing.user.id).toBe(carol.id);
    expect(aliceOwn.events).toHaveLength(1);
  }, 20_000);

  it('when typing stops explicitly, then watchers get typing: false at once, and a new start is sent again', async () => {
    const group = await createGroup(server.url, alice, 'Stop', [bob]);
    const bobSees = await watch(bob, group.id);
    await setTyping(alice, group.id, true);
    await setTyping(alice, group.id, false);
    await setTyping(alice, group.id, false); // not typing: nothing more
    await setTyping(alice, group.id, true);
    const events = (await bobSees.until(3)).map((e) => e.typing.typing);
    expect(events).toEqual([true, false, true]);
  });

  it('when a non-member types or watches, then FORBIDDEN; too many updates, RATE_LIMITED with retryAfterMs', async () => {
    const group = await createGroup(server.url, alice, 'Members only', [bob]);
    expect(errorCode(await call(server.url, dave, SET_TYPING, { conversationId: group.id, typing: true }))).toBe('FORBIDDEN');
    const socket = await connectWs(server.wsUrl, dave.accessToken);
    sockets.push(socket);
    const denied = collect(socket, TYPING, { conversationId: group.id });
    await waitFor(() => denied.errors.length > 0);
    expect(JSON.stringify(denied.errors)).toContain('FORBIDDEN');

    const results = [];
    for (let i = 0; i < 30; i++) results.push(await call(server.url, bob, SET_TYPING, { conversationId: group.id, typing: i % 2 === 0 }));
    const limited = results.find((r) => errorCode(r) === 'RATE_LIMITED');
    expect(limited?.errors?.[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
  });
});

describeRedis('typing across instances', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  const sockets: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    [a, b] = await Promise.all([startTestApp({ databaseUrl: db.url, ...redis }), startTestApp({ databaseUrl: db.url, ...redis })]);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('when alice types on instance A, then bob’s device on instance B sees it', async () => {
    const [alice, bob] = await registerUsers(a.url, ['alice', 'bob'] as const);
    const group = await createGroup(a.url, alice, 'Across', [bob]);
    const socket = await connectWs(b.wsUrl, bob.accessToken);
    sockets.push(socket);
    const bobSees = collect<Typing>(socket, TYPING);
    await waitFor(() => b.app.services.feeds.listenerCount(bob.id) === 1);
    await gqlOk(a.url, SET_TYPING, { conversationId: group.id, typing: true }, alice.accessToken);
    expect((await bobSees.until(1))[0]!.typing).toMatchObject({ typing: true, user: { id: alice.id } });
  });
});
