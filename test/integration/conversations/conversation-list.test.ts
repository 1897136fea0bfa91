// The inbox list: my conversations, most recent activity first, with last message and unread badge.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, CONVERSATION, CONVERSATIONS, createGroup, DIRECT, sendTo, registerUsers } from '../../helpers/chat.js';
import { errorCode, gqlOk, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';

const USER_SEARCH = /* GraphQL */ `
  query Find($username: String!, $query: String!, $first: Int) {
    userByUsername(username: $username) {
      id
      username
      email
    }
    searchUsers(query: $query, first: $first) {
      id
      username
      email
    }
  }
`;

describe('conversation list', () => {
  const server = useTestServer();
  let alice: TestUser, bob: TestUser, carol: TestUser;

  beforeAll(async () => {
    [alice, bob, carol] = await registerUsers(server.url, ['alice', 'bob', 'carol'] as const);
  });

  const list = async (user: TestUser, args: { first?: number; after?: string } = {}) =>
    (await gqlOk(server.url, CONVERSATIONS, args, user.accessToken)).conversations;
  const ids = (page: { edges: { node: { id: string } }[] }) => page.edges.map((e) => e.node.id);

  it('when a new message arrives, then its conversation moves to the top with that last message and the unread badge', async () => {
    const user = await registerUser(server.url, 'lister');
    const dm = (await gqlOk(server.url, DIRECT, { userId: bob.id }, user.accessToken)).directConversation;
    const group = await createGroup(server.url, carol, 'Book club', [user, bob]);
    // The group (joined after the DM was made) is on top; the DM below it.
    expect(ids(await list(user))).toEqual([group.id, dm.id]);

    await sendTo(server.url, bob, dm.id, 'ping');
    const page = await list(user);
    expect(ids(page)).toEqual([dm.id, group.id]);
    const top = page.edges[0].node;
    expect(top).toMatchObject({ type: 'DIRECT', title: null, lastSeq: 1, unreadCount: 1, memberCount: 2 });
    expect(top.lastMessage).toMatchObject({ seq: 1, content: 'ping', sender: { id: bob.id } });
    expect(page.edges[1].node).toMatchObject({ type: 'GROUP', title: 'Book club', unreadCount: 0, lastMessage: null });

    await sendTo(server.url, carol, group.id, 'chapter 1');
    await sendTo(server.url, carol, group.id, 'chapter 2');
    const again = await list(user);
    expect(ids(again)).toEqual([group.id, dm.id]);
    expect(again.edges[0].node).toMatchObject({ unreadCount: 2, lastSeq: 2, lastMessage: { content: 'chapter 2' } });
    expect(new Date(again.edges[0].node.lastActivityAt) >= new Date(again.edges[1].node.lastActivityAt)).toBe(true);
  });

  it('when paging with first and after, then every conversation comes once, in order, and pages hold at most 100', async () => {
    const user = await registerUser(server.url, 'pager');
    const others = await Promise.all(Array.from({ length: 7 }, (_, i) => registerUser(server.url, `p${i}`)));
    for (const other of others) await gqlOk(server.url, DIRECT, { userId: other.id }, user.accessToken);
    const all = await list(user, { first: 100 });
    expect(all.edges).toHaveLength(7);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const seen: string[] = [];
    let after: string | undefined;
    for (let round = 0; round < 4; round++) {
      const page = await list(user, { first: 3, ...(after ? { after } : {}) });
      seen.push(...ids(page));
      after = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(ids(all));

    const huge = await list(alice, { first: 1000 });
    expect(huge.edges.length).toBeLessThanOrEqual(100);
  });

  it('when the cursor or first is bad, then BAD_USER_INPUT', async () => {
    expect(errorCode(await call(server.url, alice, CONVERSATIONS, { after: 'garbage' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await call(server.url, alice, CONVERSATIONS, { first: -1 }))).toBe('BAD_USER_INPUT');
  });

  it('when asking for a conversation, then a member gets it, a non-member FORBIDDEN (as messages says), an unknown id NOT_FOUND', async () => {
    const group = await createGroup(server.url, alice, 'Private', [bob]);
    expect((await gqlOk(server.url, CONVERSATION, { id: group.id }, bob.accessToken)).conversation.id).toBe(group.id);
    expect(errorCode(await call(server.url, carol, CONVERSATION, { id: group.id }))).toBe('FORBIDDEN');
    expect(errorCode(await call(server.url, carol, CONVERSATION, { id: randomUUID() }))).toBe('NOT_FOUND');
    expect(errorCode(await call(server.url, carol, CONVERSATION, { id: 'nope' }))).toBe('BAD_USER_INPUT');
  });

  it('when ten directConversation calls and sends race for a new pair, then there is one conversation, the one sendMessage uses', async () => {
    const [a, b] = await Promise.all([registerUser(server.url, 'race_a'), registerUser(server.url, 'race_b')]);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => gqlOk(server.url, DIRECT, { userId: b.id }, a.accessToken).then((d) => d.directConversation.id)),
      ...Array.from({ length: 5 }, () => gqlOk(server.url, DIRECT, { userId: a.id }, b.accessToken).then((d) => d.directConversation.id)),
    ]);
    expect(new Set(results).size).toBe(1);
    const sent = await gqlOk(server.url, SEND, { input: { recipientId: b.id, content: 'hi' } }, a.accessToken);
    expect(sent.sendMessage.conversationId).toBe(results[0]);
    expect(errorCode(await call(server.url, a, DIRECT, { userId: randomUUID() }))).toBe('NOT_FOUND');
  });

  it('when looking people up, then by username in any case, and by prefix (at most 50), never with their email', async () => {
    const found = await gqlOk(server.url, USER_SEARCH, { username: alice.username.toUpperCase(), query: 'ALIC' }, bob.accessToken);
    expect(found.userByUsername).toEqual({ id: alice.id, username: alice.username, email: null });
    expect(found.searchUsers.map((u: any) => u.id)).toContain(alice.id);
    expect(found.searchUsers.every((u: any) => u.email === null && u.username.toLowerCase().startsWith('alic'))).toBe(true);

    const none = await gqlOk(server.url, USER_SEARCH, { username: 'nobody-like-this', query: 'zz%_' }, bob.accessToken);
    expect(none).toEqual({ userByUsername: null, searchUsers: [] });
    const many = await gqlOk(server.url, USER_SEARCH, { username: 'x', query: 'p', first: 500 }, bob.accessToken);
    expect(many.searchUsers.length).toBeLessThanOrEqual(50);
    expect(errorCode(await call(server.url, bob, USER_SEARCH, { username: 'x', query: '  ' }))).toBe('BAD_USER_INPUT');
  });
});
