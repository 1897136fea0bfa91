// messages(conversationId, first/after, last/before): a Relay connection ordered by seq.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { errorCode, gql, gqlOk, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';

const HISTORY = /* GraphQL */ `
  query History($conversationId: ID!, $first: Int, $after: String, $last: Int, $before: String, $afterSeq: Int) {
    messages(conversationId: $conversationId, first: $first, after: $after, last: $last, before: $before, afterSeq: $afterSeq) {
      edges {
        cursor
        node {
          id
          seq
          content
          sender {
            id
          }
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

type Page = {
  edges: { cursor: string; node: { id: string; seq: number; content: string; sender: { id: string } } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};
type PageArgs = { first?: number; after?: string; last?: number; before?: string; afterSeq?: number };

describe('message history', () => {
  let db: TestDatabase;
  let server: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  /** alice and bob's conversation with 25 messages, seq i holding `message i`. */
  let conversationId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // 105 messages from the two members of one conversation exceed the per-sender send burst;
    // the rate limiter is not what this file is about.
    server = await startTestApp({ databaseUrl: db.url, env: { SEND_RATE_PER_SECOND: '0' } });
    [alice, bob, carol] = await Promise.all([
      registerUser(server.url, 'alice'),
      registerUser(server.url, 'bob'),
      registerUser(server.url, 'carol'),
    ]);
    for (let i = 1; i <= 25; i += 1) {
      const [from, to] = i % 2 === 1 ? [alice, bob] : [bob, alice];
      const sent = await gqlOk(server.url, SEND, { input: { recipientId: to.id, content: `message ${i}` } }, from.accessToken);
      conversationId = sent.sendMessage.conversationId;
    }
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const history = (user: TestUser, args: PageArgs & { conversationId?: string }) =>
    gql<{ messages: Page }>(server.url, HISTORY, { conversationId, ...args }, user.accessToken);

  async function page(user: TestUser, args: PageArgs & { conversationId?: string }): Promise<Page> {
    const result = await history(user, args);
    if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data.messages;
  }

  const seqs = (p: Page) => p.edges.map((e) => e.node.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('when catching up with afterSeq (a live event gives a seq, not a cursor), then only later messages come, pageable as usual', async () => {
    const first = await page(alice, { afterSeq: 20, first: 3 });
    expect(seqs(first)).toEqual([21, 22, 23]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await page(alice, { afterSeq: 20, first: 3, after: first.pageInfo.endCursor! });
    expect(seqs(rest)).toEqual([24, 25]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(seqs(await page(alice, { afterSeq: 25 }))).toEqual([]);
    expect(errorCode(await history(alice, { afterSeq: -1 }))).toBe('BAD_USER_INPUT');
  });

  it('when paging forward with first: 10 and after, then three pages cover seq 1..25 in order', async () => {
    const one = await page(bob, { first: 10 });
    expect(seqs(one)).toEqual(range(1, 10));
    expect(one.edges.map((e) => e.node.content)).toEqual(range(1, 10).map((i) => `message ${i}`));
    expect(one.edges[0]!.node.sender.id).toBe(alice.id);
    expect(one.edges[1]!.node.sender.id).toBe(bob.id);
    expect(one.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: one.edges[0]!.cursor,
      endCursor: one.edges[9]!.cursor,
    });

    const two = await page(bob, { first: 10, after: one.pageInfo.endCursor! });
    expect(seqs(two)).toEqual(range(11, 20));
    expect(two.pageInfo.hasNextPage).toBe(true);

    const three = await page(bob, { first: 10, after: two.pageInfo.endCursor! });
    expect(seqs(three)).toEqual(range(21, 25));
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, endCursor: three.edges[4]!.cursor });

    const beyond = await page(bob, { first: 10, after: three.pageInfo.endCursor! });
    expect(beyond.edges).toEqual([]);
    expect(beyond.pageInfo.hasNextPage).toBe(false);
  });

  it('when a page ends exactly at the last message, then hasNextPage is false', async () => {
    const all = await page(alice, { first: 25 });
    expect(seqs(all)).toEqual(range(1, 25));
    expect(all.pageInfo.hasNextPage).toBe(false);
  });

  it('when paging backward with last: 10 and before, then the newest 10 come first, each page oldest-first', async () => {
    const newest = await page(alice, { last: 10 });
    expect(seqs(newest)).toEqual(range(16, 25));
    expect(newest.pageInfo).toMatchObject({
      hasPreviousPage: true,
      startCursor: newest.edges[0]!.cursor,
      endCursor: newest.edges[9]!.cursor,
    });

    const older = await page(alice, { last: 10, before: newest.pageInfo.startCursor! });
    expect(seqs(older)).toEqual(range(6, 15));
    expect(older.pageInfo.hasPreviousPage).toBe(true);

    const oldest = await page(alice, { last: 10, before: older.pageInfo.startCursor! });
    expect(seqs(oldest)).toEqual(range(1, 5));
    expect(oldest.pageInfo.hasPreviousPage).toBe(false);
  });

  it('when asked for first: 1000 or last: 1000, then a page holds 100 messages', async () => {
    const [dave, erin] = await Promise.all([registerUser(server.url, 'dave'), registerUser(server.url, 'erin')]);
    const opening = await gqlOk(server.url, SEND, { input: { recipientId: erin.id, content: 'opening' } }, dave.accessToken);
    const big = opening.sendMessage.conversationId as string;
    await Promise.all(
      Array.from({ length: 104 }, (_, i) =>
        gqlOk(server.url, SEND, { input: { conversationId: big, content: `bulk ${i}` } }, (i % 2 ? dave : erin).accessToken),
      ),
    );

    const forward = await page(dave, { conversationId: big, first: 1000 });
    expect(seqs(forward)).toEqual(range(1, 100));
    expect(forward.pageInfo.hasNextPage).toBe(true);

    const rest = await page(dave, { conversationId: big, first: 1000, after: forward.pageInfo.endCursor! });
    expect(seqs(rest)).toEqual(range(101, 105));

    const backward = await page(erin, { conversationId: big, last: 1000 });
    expect(seqs(backward)).toEqual(range(6, 105));
    expect(backward.pageInfo.hasPreviousPage).toBe(true);

    const unbounded = await page(erin, { conversationId: big });
    expect(unbounded.edges.length).toBeLessThanOrEqual(100);
    expect(seqs(unbounded)).toEqual(range(1, unbounded.edges.length));
  });

  it('when someone who is not a member asks for the history, then FORBIDDEN and no messages', async () => {
    const result = await history(carol, { first: 10 });
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(result.data?.messages ?? null).toBeNull();
  });

  it('when the conversation does not exist, then NOT_FOUND', async () => {
    const result = await history(alice, { conversationId: randomUUID(), first: 10 });
    expect(errorCode(result)).toBe('NOT_FOUND');
  });

  it('when the conversationId is not a uuid, then BAD_USER_INPUT', async () => {
    const result = await history(alice, { conversationId: 'not-a-uuid', first: 10 });
    expect(errorCode(result), JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
  });

  it('when there is no token, then UNAUTHENTICATED', async () => {
    const result = await gql(server.url, HISTORY, { conversationId, first: 10 });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it('when the cursor comes from another conversation, then BAD_USER_INPUT', async () => {
    const other = await gqlOk(server.url, SEND, { input: { recipientId: carol.id, content: 'elsewhere' } }, alice.accessToken);
    const foreign = await page(alice, { conversationId: other.sendMessage.conversationId, first: 1 });
    const result = await history(alice, { first: 10, after: foreign.pageInfo.endCursor! });
    expect(errorCode(result), JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['not base64 of a cursor', 'not-a-cursor'],
    ['base64 of something else', Buffer.from('hello world').toString('base64')],
    ['a cursor of the wrong shape', Buffer.from('GPC:T:["S:x"]').toString('base64')],
    ['a well-formed cursor whose conversation id is not a uuid', Buffer.from('GPC:T:["S:not-a-uuid","N:3"]').toString('base64')],
    [
      'a well-formed cursor whose seq is not a number',
      Buffer.from('GPC:T:["S:00000000-0000-4000-8000-000000000000","S:three"]').toString('base64'),
    ],
  ])('when the cursor is %s, then BAD_USER_INPUT', async (_label, cursor) => {
    const forward = await history(alice, { first: 10, after: cursor });
    expect(errorCode(forward), JSON.stringify(forward.errors)).toBe('BAD_USER_INPUT');
    const backward = await history(alice, { last: 10, before: cursor });
    expect(errorCode(backward), JSON.stringify(backward.errors)).toBe('BAD_USER_INPUT');
  });
});
