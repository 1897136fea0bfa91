// Presence: online while any device holds a socket on any instance; visible only to people who
// share a conversation; a killed instance's users go offline within the lease.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createGroup, registerUsers } from '../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/deferred.js';
import { collect, connectWs, gqlOk, type TestUser } from '../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { useTestServer } from '../helpers/test-server.js';

const PRESENCE = /* GraphQL */ `
  subscription Presence($userIds: [ID!]) {
    presence(userIds: $userIds) {
      online
      lastSeenAt
      user {
        id
        online
      }
    }
  }
`;
const LOOKUP = /* GraphQL */ `
  query Lookup($username: String!) {
    userByUsername(username: $username) {
      id
      online
      lastSeenAt
    }
  }
`;
type Presence = { presence: { online: boolean; lastSeenAt: string | null; user: { id: string; online: boolean } } };

describe('presence', () => {
  const server = useTestServer();
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser;
  const sockets: Client[] = [];

  beforeAll(async () => {
    [alice, bob, carol, dave] = await registerUsers(server.url, ['alice', 'bob', 'carol', 'dave'] as const);
    await createGroup(server.url, alice, 'Friends', [bob, carol]);
    await createGroup(server.url, carol, 'Carol and Dave', [dave]);
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });

  const socketOf = async (user: TestUser) => {
    const socket = await connectWs(server.wsUrl, user.accessToken);
    sockets.push(socket);
    return socket;
  };
  const lookup = async (viewer: TestUser, user: TestUser) =>
    (await gqlOk(server.url, LOOKUP, { username: user.username }, viewer.accessToken)).userByUsername;
  const isOnline = (user: TestUser) => server.app.services.presence.states([user.id]).then((s) => s.get(user.id)!.online);

  it('when alice has two devices, then closing one changes nothing, closing the last makes her offline with lastSeenAt; watchers see both', async () => {
    const watcher = await socketOf(bob);
    const [phone, laptop] = [await connectWs(server.wsUrl, alice.accessToken), await connectWs(server.wsUrl, alice.accessToken)];
    await waitFor(() => isOnline(alice));
    const seen = collect<Presence>(watcher, PRESENCE, { userIds: [alice.id, carol.id] });
    const initial = (await seen.until(2)).map((e) => e.presence);
    expect(initial.find((p) => p.user.id === alice.id)).toEqual({ online: true, lastSeenAt: null, user: { id: alice.id, online: true } });
    expect(initial.find((p) => p.user.id === carol.id)).toMatchObject({ online: false });

    await phone.dispose();
    // Nothing about alice yet: the next event is carol coming online.
    await socketOf(carol);
    const [, , third] = await seen.until(3);
    expect(third!.presence).toMatchObject({ online: true, user: { id: carol.id } });
    expect((await lookup(bob, alice)).online).toBe(true);

    const closedAt = Date.now();
    await laptop.dispose();
    const [, , , offline] = await seen.until(4);
    expect(offline!.presence).toMatchObject({ online: false, user: { id: alice.id } });
    expect(new Date(offline!.presence.lastSeenAt!).getTime()).toBeGreaterThanOrEqual(closedAt - 1000);
    const looked = await lookup(bob, alice);
    expect(looked).toMatchObject({ online: false, lastSeenAt: offline!.presence.lastSeenAt });
  });

  it('when someone shares no conversation with you, then their presence reads offline, unknown, and is never sent to you', async () => {
    await socketOf(alice);
    await waitFor(() => isOnline(alice));
    expect(await lookup(dave, alice)).toEqual({ id: alice.id, online: false, lastSeenAt: null });
    expect((await lookup(carol, alice)).online).toBe(true);

    const watcher = await socketOf(dave);
    const seen = collect<Presence>(watcher, PRESENCE, { userIds: [alice.id, carol.id] });
    await seen.until(1);
    expect(seen.events.map((e) => e.presence.user.id)).toEqual([carol.id]);
    // Alice going offline is not sent to dave; carol coming online is, and comes next.
    await sockets.shift()!.dispose();
    await waitFor(async () => !(await isOnline(alice)));
    await socketOf(carol);
    const [, next] = await seen.until(2);
    expect(next!.presence.user.id).toBe(carol.id);
    expect(seen.events.every((e) => e.presence.user.id !== alice.id)).toBe(true);
  });

  it('when watching without userIds, then everyone you share a conversation with is watched, and no one else', async () => {
    const watcher = await socketOf(carol);
    const seen = collect<Presence>(watcher, PRESENCE);
    const initial = (await seen.until(3)).map((e) => e.presence.user.id).sort();
    expect(initial).toEqual([alice.id, bob.id, dave.id].sort());
  });
});

describeRedis('presence across instances', () => {
  let db: TestDatabase;
  let b: TestApp;
  let doomed: ServerProcess | undefined;
  let redis: { redisUrl: string; redisPrefix: string };
  const sockets: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    b = await startTestApp({ databaseUrl: db.url, ...redis, env: { PRESENCE_LEASE: '3s' } });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await doomed?.kill('SIGKILL');
    await b?.stop();
    await db?.drop();
  });

  it('when the instance holding alice’s only socket is SIGKILLed, then she goes offline within the lease, well under 60 s', async () => {
    doomed = await startServerProcess({
      DATABASE_URL: db.url,
      REDIS_URL: redis.redisUrl,
      REDIS_KEY_PREFIX: redis.redisPrefix,
      PRESENCE_LEASE: '3s',
    });
    const [alice, bob] = await registerUsers(b.url, ['alice', 'bob'] as const);
    await createGroup(b.url, alice, 'Killed', [bob]);
    const bobSocket = await connectWs(b.wsUrl, bob.accessToken);
    sockets.push(bobSocket);
    const aliceSocket = await connectWs(doomed.wsUrl, alice.accessToken);
    aliceSocket.on('error', () => undefined);
    const seen = collect<Presence>(bobSocket, PRESENCE, { userIds: [alice.id] });
    await waitFor(() => seen.events.some((e) => e.presence.online), { description: 'alice online, as seen on instance B' });

    await doomed.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => seen.events.some((e) => !e.presence.online), { timeoutMs: 20_000, description: 'alice offline' });
    const elapsed = Date.now() - killedAt;
    expect(elapsed).toBeLessThan(10_000); // a 3 s lease here; 30 s by default, under the 60 s bound
    void Promise.resolve(aliceSocket.dispose()).catch(() => undefined);
  }, 40_000);

  it('when alice is connected on two instances, then closing one keeps her online', async () => {
    const other = await startTestApp({ databaseUrl: db.url, ...redis, env: { PRESENCE_LEASE: '3s' } });
    try {
      const [alice, bob] = await registerUsers(b.url, ['alice2', 'bob2'] as const);
      await createGroup(b.url, alice, 'Two places', [bob]);
      const onB = await connectWs(b.wsUrl, alice.accessToken);
      sockets.push(onB);
      const onOther = await connectWs(other.wsUrl, alice.accessToken);
      await waitFor(async () => (await b.app.services.presence.states([alice.id])).get(alice.id)!.online);
      await onOther.dispose();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await gqlOk(b.url, LOOKUP, { username: alice.username }, bob.accessToken)).userByUsername.online).toBe(true);
    } finally {
      await other.stop();
    }
  });
});
