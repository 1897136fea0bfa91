// A retry with the same (sender, clientMessageId) answers the original message: one row, one
// delivery. Absence of a second delivery is shown without sleeping: a later, different message is
// sent after the duplicates; once it has arrived (the bus keeps publish order per user), anything
// the duplicates caused would have arrived before it.
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';

type Sent = {
  id: string;
  conversationId: string;
  seq: number;
  content: string;
  clientMessageId: string | null;
  createdAt: string;
  sender: { id: string };
};

describe('idempotent sendMessage (same sender, same clientMessageId)', () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let server: TestApp;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    server = await startTestApp({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.stop();
    await sql?.end();
    await db?.drop();
  });

  const sendOk = async (user: TestUser, input: Record<string, unknown>): Promise<Sent> =>
    (await gqlOk<{ sendMessage: Sent }>(server.url, SEND, { input }, user.accessToken)).sendMessage;

  const rowsWith = async (senderId: string, clientMessageId: string) =>
    (
      await sql.query<{ id: string; seq: number; content: string }>(
        'SELECT id, seq, content FROM messages WHERE sender_id = $1 AND client_message_id = $2',
        [senderId, clientMessageId],
      )
    ).rows;

  /** A live subscription of `user` (all conversations), confirmed live before returning. */
  async function liveFeed(user: TestUser) {
    const client = await connectWs(server.wsUrl, user.accessToken);
    clients.push(client);
    const before = server.app.services.feeds.listenerCount(user.id);
    const feed = collect<{ messageReceived: Sent }>(client, MESSAGE_RECEIVED);
    await waitFor(() => server.app.services.feeds.listenerCount(user.id) === before + 1, {
      description: `${user.username}'s subscription to be live`,
    });
    return feed;
  }

  const pair = () => Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);

  it('when a send is retried with the same clientMessageId, then the original message is answered, stored once and delivered once', async () => {
    const [alice, bob] = await pair();
    const bobFeed = await liveFeed(bob);
    const clientMessageId = randomUUID();

    const original = await sendOk(alice, { recipientId: bob.id, content: 'only once', clientMessageId });
    const retry = await sendOk(alice, { recipientId: bob.id, content: 'only once', clientMessageId });
    // A retry that differs in content (a client bug, or an edit) still answers the original.
    const alteredRetry = await sendOk(alice, { conversationId: original.conversationId, content: 'changed my mind', clientMessageId });

    expect(original).toMatchObject({ seq: 1, content: 'only once', clientMessageId });
    expect(retry).toEqual(original);
    expect(alteredRetry).toEqual(original);
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([{ id: original.id, seq: 1, content: 'only once' }]);

    const later = await sendOk(alice, { recipientId: bob.id, content: 'something else', clientMessageId: randomUUID() });
    expect(later.seq).toBe(2);
    await bobFeed.until(2);
    expect(bobFeed.events.map((e) => e.messageReceived.id)).toEqual([original.id, later.id]);
  });

  it('when 5 sends with the same clientMessageId run at once, then one row is stored, all 5 answers are identical and it is delivered once', async () => {
    const [alice, bob] = await pair();
    const { conversationId } = await sendOk(alice, { recipientId: bob.id, content: 'hello' });
    const bobFeed = await liveFeed(bob);
    const aliceFeed = await liveFeed(alice);
    const clientMessageId = randomUUID();

    const answers = await Promise.all(
      Array.from({ length: 5 }, () => sendOk(alice, { conversationId, content: 'double tap', clientMessageId })),
    );

    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ seq: 2, content: 'double tap', clientMessageId });
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([{ id: answers[0]!.id, seq: 2, content: 'double tap' }]);

    const later = await sendOk(bob, { conversationId, content: 'got it' });
    expect(later.seq).toBe(3);
    for (const feed of [bobFeed, aliceFeed]) {
      await feed.until(2);
      expect(feed.events.map((e) => e.messageReceived.id)).toEqual([answers[0]!.id, later.id]);
    }
    const { rows } = await sql.query<{ seq: number }>('SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq', [conversationId]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('when two different senders use the same clientMessageId, then they are two separate messages', async () => {
    const [alice, bob] = await pair();
    const clientMessageId = 'shared-client-id-1';

    const fromAlice = await sendOk(alice, { recipientId: bob.id, content: 'from alice', clientMessageId });
    const fromBob = await sendOk(bob, { recipientId: alice.id, content: 'from bob', clientMessageId });

    expect(fromBob.id).not.toBe(fromAlice.id);
    expect(fromBob.conversationId).toBe(fromAlice.conversationId);
    expect([fromAlice.seq, fromBob.seq]).toEqual([1, 2]);
    expect(fromBob).toMatchObject({ content: 'from bob', sender: { id: bob.id }, clientMessageId });
    expect(await rowsWith(alice.id, clientMessageId)).toEqual([{ id: fromAlice.id, seq: 1, content: 'from alice' }]);
    expect(await rowsWith(bob.id, clientMessageId)).toEqual([{ id: fromBob.id, seq: 2, content: 'from bob' }]);
  });

  it('when two different senders send with the same clientMessageId at the same moment, then both messages are stored', async () => {
    const [alice, bob] = await pair();
    const { conversationId } = await sendOk(alice, { recipientId: bob.id, content: 'hello' });
    const clientMessageId = randomUUID();

    const [fromAlice, fromBob] = await Promise.all([
      sendOk(alice, { conversationId, content: 'from alice', clientMessageId }),
      sendOk(bob, { conversationId, content: 'from bob', clientMessageId }),
    ]);

    expect(fromAlice.id).not.toBe(fromBob.id);
    expect([fromAlice.seq, fromBob.seq].sort()).toEqual([2, 3]);
    expect(fromAlice).toMatchObject({ content: 'from alice', sender: { id: alice.id } });
    expect(fromBob).toMatchObject({ content: 'from bob', sender: { id: bob.id } });
  });
});
