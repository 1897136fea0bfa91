// messageReceived(conversationId): the filter, membership checks on subscribe, and that
// non-members never get a message. Absence is shown by ordering, not by waiting: a message that
// must arrive is sent after the one that must not; the bus keeps publish order per user, so once
// the later one is in, the earlier one would have been too.
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';

type Sent = { id: string; conversationId: string; seq: number; content: string };
type Received = { messageReceived: Sent };
type Feed = ReturnType<typeof collect<Received>>;

/** The error codes a subscription reported, whether as an `error` message or as a result's errors. */
function errorCodes(feed: Feed): unknown[] {
  return feed.errors.flat().map((error) => (error as { extensions?: { code?: unknown } }).extensions?.code);
}

describe('messageReceived with a conversationId', () => {
  let db: TestDatabase;
  let server: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceBob: string;
  let aliceCarol: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestApp({ databaseUrl: db.url });
    [alice, bob, carol] = await Promise.all([
      registerUser(server.url, 'alice'),
      registerUser(server.url, 'bob'),
      registerUser(server.url, 'carol'),
    ]);
    aliceBob = (await send(alice, { recipientId: bob.id, content: 'hi bob' })).conversationId;
    aliceCarol = (await send(alice, { recipientId: carol.id, content: 'hi carol' })).conversationId;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.stop();
    await db?.drop();
  });

  async function send(user: TestUser, input: Record<string, unknown>): Promise<Sent> {
    return (await gqlOk<{ sendMessage: Sent }>(server.url, SEND, { input }, user.accessToken)).sendMessage;
  }

  async function device(user: TestUser): Promise<Client> {
    const client = await connectWs(server.wsUrl, user.accessToken);
    clients.push(client);
    return client;
  }

  /** Subscribes and waits until the subscription is live on the server. */
  async function subscribe(client: Client, user: TestUser, conversationId?: string): Promise<Feed> {
    const before = server.app.services.feeds.listenerCount(user.id);
    const feed = collect<Received>(client, MESSAGE_RECEIVED, conversationId ? { conversationId } : {});
    await waitFor(() => server.app.services.feeds.listenerCount(user.id) === before + 1, {
      description: `${user.username}'s subscription to be live`,
    });
    return feed;
  }

  const ids = (feed: Feed) => feed.events.map((e) => e.messageReceived.id);

  it('when alice filters on her conversation with bob, then she gets only its messages while her unfiltered subscription gets all', async () => {
    const client = await device(alice);
    const onlyBob = await subscribe(client, alice, aliceBob);
    const everything = await subscribe(client, alice);

    const toCarol = await send(alice, { conversationId: aliceCarol, content: 'to carol' });
    const fromCarol = await send(carol, { conversationId: aliceCarol, content: 'from carol' });
    const fromBob = await send(bob, { conversationId: aliceBob, content: 'from bob' });

    await everything.until(3);
    expect(ids(everything)).toEqual([toCarol.id, fromCarol.id, fromBob.id]);
    await onlyBob.until(1);
    expect(onlyBob.events.map((e) => e.messageReceived)).toEqual([expect.objectContaining({ id: fromBob.id, conversationId: aliceBob })]);
    expect(onlyBob.errors).toEqual([]);
  });

  it('when carol subscribes to a conversation she is not in, then that subscription fails with FORBIDDEN and her socket keeps working', async () => {
    const client = await device(carol);
    const intruding = collect<Received>(client, MESSAGE_RECEIVED, { conversationId: aliceBob });
    await waitFor(() => intruding.errors.length > 0, { description: 'the subscription to be refused' });
    expect(errorCodes(intruding)).toEqual(['FORBIDDEN']);
    expect(server.app.services.feeds.listenerCount(carol.id)).toBe(0);

    const own = await subscribe(client, carol, aliceCarol);
    await send(alice, { conversationId: aliceBob, content: 'secret for bob' });
    const forCarol = await send(alice, { conversationId: aliceCarol, content: 'for carol' });

    await own.until(1);
    expect(ids(own)).toEqual([forCarol.id]);
    expect(intruding.events).toEqual([]);
  });

  it('when subscribing to a conversation that does not exist, then that subscription fails with NOT_FOUND', async () => {
    const client = await device(bob);
    const feed = collect<Received>(client, MESSAGE_RECEIVED, { conversationId: randomUUID() });
    await waitFor(() => feed.errors.length > 0, { description: 'the subscription to be refused' });
    expect(errorCodes(feed)).toEqual(['NOT_FOUND']);
  });

  it('when subscribing with a conversationId that is not a uuid, then that subscription fails with BAD_USER_INPUT', async () => {
    const client = await device(bob);
    const feed = collect<Received>(client, MESSAGE_RECEIVED, { conversationId: 'not-a-uuid' });
    await waitFor(() => feed.errors.length > 0, { description: 'the subscription to be refused' });
    expect(errorCodes(feed)).toEqual(['BAD_USER_INPUT']);
  });

  it('when a message is sent in a conversation, then a user who is not a member receives nothing of it', async () => {
    const carolFeed = await subscribe(await device(carol), carol);
    const bobFeed = await subscribe(await device(bob), bob);

    const private1 = await send(alice, { conversationId: aliceBob, content: 'just between us' });
    const private2 = await send(bob, { recipientId: alice.id, content: 'indeed' });
    const forCarol = await send(alice, { recipientId: carol.id, content: 'carol, you there?' });

    await carolFeed.until(1);
    expect(ids(carolFeed)).toEqual([forCarol.id]);
    await bobFeed.until(2);
    expect(ids(bobFeed)).toEqual([private1.id, private2.id]);
  });
});
