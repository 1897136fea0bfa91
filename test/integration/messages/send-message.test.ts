// sendMessage through the real path: HTTP -> use case -> stream -> worker -> PostgreSQL commit.
// What the database holds is read with plain SQL, not through the API under test.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { errorCode, gql, gqlOk, registerUser, SEND, type GraphQLResponse, type TestUser } from '../../helpers/graphql.js';

type Sent = { id: string; conversationId: string; seq: number; content: string; clientMessageId: string | null; sender: { id: string } };

describe('sendMessage', () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let server: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  /** alice and bob's direct conversation; carol is not in it. */
  let aliceBob: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    server = await startTestApp({ databaseUrl: db.url });
    [alice, bob, carol] = await Promise.all([
      registerUser(server.url, 'alice'),
      registerUser(server.url, 'bob'),
      registerUser(server.url, 'carol'),
    ]);
    aliceBob = (await sendOk(alice, { recipientId: bob.id, content: 'first' })).conversationId;
  });
  afterAll(async () => {
    await server?.stop();
    await sql?.end();
    await db?.drop();
  });

  const send = (user: TestUser | undefined, input: Record<string, unknown>): Promise<GraphQLResponse<{ sendMessage: Sent }>> =>
    gql(server.url, SEND, { input }, user?.accessToken);

  async function sendOk(user: TestUser, input: Record<string, unknown>): Promise<Sent> {
    return (await gqlOk<{ sendMessage: Sent }>(server.url, SEND, { input }, user.accessToken)).sendMessage;
  }

  const messageCount = async () => Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]!.n);

  /** Asserts `response` failed with `code` and nothing was stored meanwhile. */
  async function expectRejected(request: () => Promise<GraphQLResponse<{ sendMessage: Sent }>>, code: string) {
    const before = await messageCount();
    const result = await request();
    expect(errorCode(result), JSON.stringify(result.errors)).toBe(code);
    expect(result.data?.sendMessage ?? null).toBeNull();
    expect(await messageCount()).toBe(before);
    return result;
  }

  describe('input', () => {
    it('when both recipientId and conversationId are given, then BAD_USER_INPUT and nothing is stored', async () => {
      await expectRejected(() => send(alice, { recipientId: bob.id, conversationId: aliceBob, content: 'hi' }), 'BAD_USER_INPUT');
    });

    it('when neither recipientId nor conversationId is given, then BAD_USER_INPUT and nothing is stored', async () => {
      await expectRejected(() => send(alice, { content: 'hi' }), 'BAD_USER_INPUT');
    });

    it.each([
      ['empty', ''],
      ['only spaces', '   '],
      ['only whitespace of several kinds', ' \n\t \r\n '],
    ])('when the content is %s, then BAD_USER_INPUT and nothing is stored', async (_label, content) => {
      await expectRejected(() => send(alice, { conversationId: aliceBob, content }), 'BAD_USER_INPUT');
    });

    it('when the content has 4001 characters, then BAD_USER_INPUT and nothing is stored', async () => {
      await expectRejected(() => send(alice, { conversationId: aliceBob, content: 'x'.repeat(4001) }), 'BAD_USER_INPUT');
    });

    it('when the content has exactly 4000 characters, then it is stored whole', async () => {
      const content = 'é'.repeat(4000);
      const sent = await sendOk(alice, { conversationId: aliceBob, content });
      expect(sent.content).toBe(content);
      const { rows } = await sql.query<{ content: string }>('SELECT content FROM messages WHERE id = $1', [sent.id]);
      expect(rows).toEqual([{ content }]);
    });

    it('when the content is 4000 emoji (8000 UTF-16 units), then it is stored whole; 4001 emoji are rejected', async () => {
      const content = '😀'.repeat(4000);
      const sent = await sendOk(alice, { conversationId: aliceBob, content });
      expect(sent.content).toBe(content);
      await expectRejected(() => send(alice, { conversationId: aliceBob, content: '😀'.repeat(4001) }), 'BAD_USER_INPUT');
    });

    it('when the content has surrounding whitespace, then it is stored trimmed (and the limit applies after trimming)', async () => {
      const sent = await sendOk(alice, { conversationId: aliceBob, content: ' \n\t hello  there \n ' });
      expect(sent.content).toBe('hello  there');
      const padded = await sendOk(alice, { conversationId: aliceBob, content: `  ${'y'.repeat(4000)}\n` });
      expect(padded.content).toBe('y'.repeat(4000));
      const { rows } = await sql.query<{ content: string }>('SELECT content FROM messages WHERE id = ANY($1::uuid[]) ORDER BY seq', [
        [sent.id, padded.id],
      ]);
      expect(rows.map((r) => r.content)).toEqual(['hello  there', 'y'.repeat(4000)]);
    });

    it.each([
      ['recipientId', { recipientId: 'not-a-uuid' }],
      ['conversationId', { conversationId: 'not-a-uuid' }],
      ['recipientId (a number)', { recipientId: 42 }],
    ])('when %s is not a uuid, then BAD_USER_INPUT', async (_label, target) => {
      await expectRejected(() => send(alice, { ...target, content: 'hi' }), 'BAD_USER_INPUT');
    });
  });

  describe('who may send where', () => {
    it('when the recipient does not exist, then NOT_FOUND and no conversation is created', async () => {
      const conversationsBefore = (await sql.query('SELECT id FROM conversations')).rowCount;
      await expectRejected(() => send(alice, { recipientId: randomUUID(), content: 'anyone there?' }), 'NOT_FOUND');
      expect((await sql.query('SELECT id FROM conversations')).rowCount).toBe(conversationsBefore);
    });

    it('when the conversation does not exist, then NOT_FOUND', async () => {
      await expectRejected(() => send(alice, { conversationId: randomUUID(), content: 'hello?' }), 'NOT_FOUND');
    });

    it('when the sender is not a member of the conversation, then FORBIDDEN and nothing is stored', async () => {
      await expectRejected(() => send(carol, { conversationId: aliceBob, content: 'let me in' }), 'FORBIDDEN');
    });

    it('when there is no token, then UNAUTHENTICATED', async () => {
      await expectRejected(() => send(undefined, { recipientId: bob.id, content: 'who am I' }), 'UNAUTHENTICATED');
    });

    it('when the token is not a valid access token, then UNAUTHENTICATED', async () => {
      const result = await gql(server.url, SEND, { input: { recipientId: bob.id, content: 'forged' } }, `${alice.accessToken}x`);
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
    });

    it('when the recipient answers with recipientId, then it lands in the same direct conversation', async () => {
      const reply = await sendOk(bob, { recipientId: alice.id, content: 'hi alice' });
      expect(reply.conversationId).toBe(aliceBob);
    });
  });

  describe('seq', () => {
    it('when one sender sends messages one after another, then they get seq 1, 2, 3 in that order', async () => {
      const [dave, erin] = await Promise.all([registerUser(server.url, 'dave'), registerUser(server.url, 'erin')]);
      const sent: Sent[] = [];
      for (const content of ['one', 'two', 'three']) sent.push(await sendOk(dave, { recipientId: erin.id, content }));

      expect(sent.map((m) => [m.seq, m.content])).toEqual([
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ]);
      expect(new Set(sent.map((m) => m.conversationId)).size).toBe(1);
      const { rows } = await sql.query<{ seq: number; content: string }>(
        'SELECT seq, content FROM messages WHERE conversation_id = $1 ORDER BY seq',
        [sent[0]!.conversationId],
      );
      expect(rows).toEqual([
        { seq: 1, content: 'one' },
        { seq: 2, content: 'two' },
        { seq: 3, content: 'three' },
      ]);
    });

    // The race is between first sends that both miss the conversation and both try to create it;
    // several fresh pairs make it likely that at least one pair hits it.
    it('when both sides of a new pair send 10 first messages at once, then there is exactly one conversation and seqs are exactly 1..10', async () => {
      const pairs = await Promise.all(
        Array.from({ length: 5 }, async (_, i) => Promise.all([registerUser(server.url, `p${i}a`), registerUser(server.url, `p${i}b`)])),
      );

      await Promise.all(
        pairs.map(async ([a, b]) => {
          const sent = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              i % 2 === 0 ? sendOk(a, { recipientId: b.id, content: `a->b ${i}` }) : sendOk(b, { recipientId: a.id, content: `b->a ${i}` }),
            ),
          );

          const conversationIds = new Set(sent.map((m) => m.conversationId));
          expect(conversationIds.size).toBe(1);
          expect(sent.map((m) => m.seq).sort((x, y) => x - y)).toEqual(range(1, 10));
          expect(new Set(sent.map((m) => m.id)).size).toBe(10);

          const conversations = await sql.query<{ id: string; kind: string; last_seq: number }>(
            `SELECT c.id, c.kind, c.last_seq FROM conversations c
              WHERE EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1)
                AND EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $2)`,
            [a.id, b.id],
          );
          expect(conversations.rows).toEqual([{ id: [...conversationIds][0], kind: 'DIRECT', last_seq: 10 }]);
          const members = await sql.query<{ user_id: string }>(
            'SELECT user_id FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id',
            [conversations.rows[0]!.id],
          );
          expect(members.rows.map((r) => r.user_id)).toEqual([a.id, b.id].sort());
          const stored = await sql.query<{ seq: number }>('SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq', [
            conversations.rows[0]!.id,
          ]);
          expect(stored.rows.map((r) => r.seq)).toEqual(range(1, 10));
        }),
      );
    });

    it('when 60 messages are sent into one conversation at once, then their seqs are exactly 1..60', async () => {
      const [frank, gina] = await Promise.all([registerUser(server.url, 'frank'), registerUser(server.url, 'gina')]);
      const { conversationId } = await sendOk(frank, { recipientId: gina.id, content: 'opening' });

      const sent = await Promise.all(
        Array.from({ length: 59 }, (_, i) => sendOk(i % 3 === 0 ? gina : frank, { conversationId, content: `burst ${i}` })),
      );

      expect(sent.map((m) => m.seq).sort((x, y) => x - y)).toEqual(range(2, 60));
      const stored = await sql.query<{ seq: number; id: string }>('SELECT seq, id FROM messages WHERE conversation_id = $1 ORDER BY seq', [
        conversationId,
      ]);
      expect(stored.rows.map((r) => r.seq)).toEqual(range(1, 60));
      const answeredSeq = new Map(sent.map((m) => [m.id, m.seq]));
      for (const row of stored.rows.slice(1)) expect(answeredSeq.get(row.id)).toBe(row.seq);
      const { rows } = await sql.query<{ last_seq: number }>('SELECT last_seq FROM conversations WHERE id = $1', [conversationId]);
      expect(rows).toEqual([{ last_seq: 60 }]);
    });
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
