// When the commit is not confirmed within SEND_TIMEOUT (here: an instance without a worker),
// sendMessage fails with UNAVAILABLE and says a retry with the same clientMessageId is safe; the
// retry then stores the message exactly once.
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import {
  collect,
  connectWs,
  errorCode,
  gql,
  gqlOk,
  MESSAGE_RECEIVED,
  registerUser,
  SEND,
  type GraphQLResponse,
  type TestUser,
} from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';

type Sent = { id: string; conversationId: string; seq: number; content: string; clientMessageId: string | null };

const SEND_TIMEOUT_MS = 300;

let db: TestDatabase;
let sql: pg.Client;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

async function start(options: Omit<Parameters<typeof startTestApp>[0], 'databaseUrl'>): Promise<TestApp> {
  const app = await startTestApp({ databaseUrl: db.url, ...options });
  cleanups.push(() => app.stop());
  return app;
}

async function liveFeed(server: TestApp, user: TestUser) {
  const client: Client = await connectWs(server.wsUrl, user.accessToken);
  cleanups.push(async () => client.dispose());
  const feed = collect<{ messageReceived: Sent }>(client, MESSAGE_RECEIVED);
  await waitFor(() => server.app.services.feeds.listenerCount(user.id) === 1, {
    description: `${user.username}'s subscription to be live`,
  });
  return feed;
}

const send = (server: TestApp, user: TestUser, input: Record<string, unknown>): Promise<GraphQLResponse<{ sendMessage: Sent }>> =>
  gql(server.url, SEND, { input }, user.accessToken);

const sendOk = async (server: TestApp, user: TestUser, input: Record<string, unknown>): Promise<Sent> =>
  (await gqlOk<{ sendMessage: Sent }>(server.url, SEND, { input }, user.accessToken)).sendMessage;

const rowsWith = async (senderId: string, clientMessageId: string) =>
  (
    await sql.query<{ id: string; seq: number }>('SELECT id, seq FROM messages WHERE sender_id = $1 AND client_message_id = $2', [
      senderId,
      clientMessageId,
    ])
  ).rows;

/** Asserts the answer is UNAVAILABLE, in about SEND_TIMEOUT, telling the client a retry is safe. */
async function expectUnavailable(request: () => Promise<GraphQLResponse<{ sendMessage: Sent }>>) {
  const started = Date.now();
  const result = await request();
  const elapsed = Date.now() - started;
  expect(errorCode(result), JSON.stringify(result.errors)).toBe('UNAVAILABLE');
  expect(result.data?.sendMessage ?? null).toBeNull();
  const [error] = result.errors!;
  expect(error!.message).toMatch(/clientMessageId/);
  expect(error!.message).toMatch(/retry/i);
  expect(error!.extensions).toMatchObject({ retryable: true });
  expect(elapsed).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS - 20);
  expect(elapsed).toBeLessThan(5_000); // the configured bound, not the 5 s default
  return error!;
}

describe('sendMessage when the commit is not confirmed in time (in-process stream)', () => {
  it('when no worker commits within SEND_TIMEOUT, then UNAVAILABLE says a retry is safe, and the retry on a working instance stores it once', async () => {
    // The in-process stream lives inside one instance: what A appended can never reach B's worker,
    // so here A's entry is simply never committed. With Redis (below) B's worker commits it later
    // and A's retry still answers that one message.
    const stalled = await start({ worker: false, env: { SEND_TIMEOUT: `${SEND_TIMEOUT_MS}ms` } });
    const working = await start({});
    const [alice, bob] = await Promise.all([registerUser(working.url, 'alice'), registerUser(working.url, 'bob')]);
    const bobFeed = await liveFeed(working, bob);
    const clientMessageId = randomUUID();
    const input = { recipientId: bob.id, content: 'are you there?', clientMessageId };

    await expectUnavailable(() => send(stalled, alice, input));
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([]);

    const retried = await sendOk(working, alice, input);
    const retriedAgain = await sendOk(working, alice, input);
    expect(retried).toMatchObject({ seq: 1, content: 'are you there?', clientMessageId });
    expect(retriedAgain).toEqual(retried);
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([{ id: retried.id, seq: 1 }]);

    const later = await sendOk(working, alice, { recipientId: bob.id, content: 'ok, later then' });
    expect(later.seq).toBe(2);
    await bobFeed.until(2);
    expect(bobFeed.events.map((e) => e.messageReceived.id)).toEqual([retried.id, later.id]);
  });

  it('when the commit times out, then the UNAVAILABLE message names the bound that passed (300 ms), not a rounded 0 s', async () => {
    const stalled = await start({ worker: false, env: { SEND_TIMEOUT: `${SEND_TIMEOUT_MS}ms` } });
    const [alice, bob] = await Promise.all([registerUser(stalled.url, 'alice'), registerUser(stalled.url, 'bob')]);

    const error = await expectUnavailable(() =>
      send(stalled, alice, { recipientId: bob.id, content: 'hello?', clientMessageId: randomUUID() }),
    );
    expect(error.message).toContain(`${SEND_TIMEOUT_MS} ms`);
    expect(error.message).not.toMatch(/\b0 s\b/);
  });

  it('when the stalled instance is asked again after the timeout, then it answers UNAVAILABLE again and still stores nothing twice', async () => {
    const stalled = await start({ worker: false, env: { SEND_TIMEOUT: `${SEND_TIMEOUT_MS}ms` } });
    const [alice, bob] = await Promise.all([registerUser(stalled.url, 'alice'), registerUser(stalled.url, 'bob')]);
    const clientMessageId = randomUUID();
    const input = { recipientId: bob.id, content: 'hello?', clientMessageId };

    await expectUnavailable(() => send(stalled, alice, input));
    await expectUnavailable(() => send(stalled, alice, input));
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([]);
    // Nothing is left waiting: a stop drains at once.
    expect(stalled.app.services.send.commits.inFlight).toBe(0);
  });
});

describeRedis('sendMessage when the commit is not confirmed in time (Redis stream)', () => {
  const prefixes: string[] = [];
  afterAll(async () => {
    // Each test's keys live under its own prefix; remove them so the shared server stays clean.
    const redis = new Redis(redisUrlForTests()!);
    try {
      for (const prefix of prefixes) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('when A has no worker and times out, then B’s worker later commits A’s entry and A’s retry answers that same single message', async () => {
    const redisUrl = redisUrlForTests()!;
    const redisPrefix = uniqueRedisPrefix();
    prefixes.push(redisPrefix);
    const a = await start({ redisUrl, redisPrefix, worker: false, env: { SEND_TIMEOUT: `${SEND_TIMEOUT_MS}ms` } });
    const [alice, bob] = await Promise.all([registerUser(a.url, 'alice'), registerUser(a.url, 'bob')]);
    // Bob is connected to A; B's worker publishes through Redis to whichever instance holds him.
    const bobFeed = await liveFeed(a, bob);
    const clientMessageId = randomUUID();
    const input = { recipientId: bob.id, content: 'sent while the worker was down', clientMessageId };

    await expectUnavailable(() => send(a, alice, input));
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([]);

    const b = await start({ redisUrl, redisPrefix });
    const [stored] = await waitFor(
      async () => {
        const rows = await rowsWith(alice.id, clientMessageId);
        return rows.length > 0 ? rows : undefined;
      },
      { description: 'B’s worker to commit the entry A appended', timeoutMs: 10_000 },
    );
    expect(stored!.seq).toBe(1);
    await bobFeed.until(1);
    expect(bobFeed.events.map((e) => e.messageReceived.id)).toEqual([stored!.id]);

    const retried = await sendOk(a, alice, input);
    expect(retried).toMatchObject({ id: stored!.id, seq: 1, content: 'sent while the worker was down', clientMessageId });
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([{ id: stored!.id, seq: 1 }]);

    const later = await sendOk(b, alice, { recipientId: bob.id, content: 'and this one at once' });
    expect(later.seq).toBe(2);
    await bobFeed.until(2);
    expect(bobFeed.events.map((e) => e.messageReceived.id)).toEqual([stored!.id, later.id]);
  });

  it('when A retries before B’s worker got to the first entry, then both entries resolve to one message', async () => {
    const redisUrl = redisUrlForTests()!;
    const redisPrefix = uniqueRedisPrefix();
    prefixes.push(redisPrefix);
    const a = await start({ redisUrl, redisPrefix, worker: false, env: { SEND_TIMEOUT: `${SEND_TIMEOUT_MS}ms` } });
    const [alice, bob] = await Promise.all([registerUser(a.url, 'alice'), registerUser(a.url, 'bob')]);
    const clientMessageId = randomUUID();
    const bobFeed = await liveFeed(a, bob);
    const input = { recipientId: bob.id, content: 'twice appended', clientMessageId };

    await expectUnavailable(() => send(a, alice, input));
    await expectUnavailable(() => send(a, alice, input));

    // Two entries with the same (sender, clientMessageId) now wait in the stream.
    const b = await start({ redisUrl, redisPrefix });
    const [stored] = await waitFor(
      async () => {
        const rows = await rowsWith(alice.id, clientMessageId);
        return rows.length > 0 ? rows : undefined;
      },
      { description: 'B’s worker to commit the entries A appended', timeoutMs: 10_000 },
    );

    const retried = await sendOk(a, alice, input);
    expect(retried).toMatchObject({ id: stored!.id, seq: 1 });
    const later = await sendOk(b, alice, { recipientId: bob.id, content: 'next' });
    expect(later.seq).toBe(2);
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([{ id: stored!.id, seq: 1 }]);
    await bobFeed.until(2);
    expect(bobFeed.events.map((e) => e.messageReceived.id)).toEqual([stored!.id, later.id]);
  });
});
