// One resumable event stream per user: replayed from PostgreSQL after any cursor, then live, each
// event once and in order.
import type { Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commitMessages } from '../../../src/modules/worker/commit-messages.js';
import {
  ADD_MEMBERS,
  call,
  createGroup,
  DIRECT,
  INBOX,
  INBOX_PAGE,
  inboxAfter,
  MARK_READ,
  nowCursor,
  REMOVE_MEMBER,
  RENAME,
  sendTo,
  subscribeInbox,
  type InboxEvent,
  registerUsers,
} from '../../helpers/chat.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, errorCode, gqlOk, MESSAGE_RECEIVED, registerUser, type TestUser } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';

/** An event as a short, comparable line. */
const line = (e: InboxEvent) =>
  e.__typename === 'MessageAdded'
    ? `message ${e.message!.content}`
    : e.__typename === 'ReadStateChanged'
      ? `read ${e.lastReadSeq}`
      : e.__typename === 'ConversationUpdated'
        ? `updated ${e.change}`
        : `removed ${e.reason}`;

describe('inbox', () => {
  const server = useTestServer();
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let sql: pg.Pool;
  const sockets: Client[] = [];

  beforeAll(async () => {
    [alice, bob, carol] = await registerUsers(server.url, ['alice', 'bob', 'carol'] as const);
    sql = new pg.Pool({ connectionString: server.db.url, max: 2 });
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });
  afterAll(async () => {
    await sql?.end();
  });

  const device = async (user: TestUser) => {
    const socket = await connectWs(server.wsUrl, user.accessToken);
    sockets.push(socket);
    return socket;
  };
  const listening = (user: TestUser, count = 1) => waitFor(() => server.app.services.feeds.listenerCount(user.id) === count);

  it('when asked without a cursor, then no events and the position of now; from it, exactly what happened since, in order', async () => {
    const user = await registerUser(server.url, 'catcher');
    const start = await nowCursor(server.url, user);
    expect((await gqlOk(server.url, INBOX_PAGE, {}, user.accessToken)).inbox).toMatchObject({ events: [], hasMore: false });

    const group = await createGroup(server.url, alice, 'Inbox', [user]);
    await sendTo(server.url, alice, group.id, 'one');
    const dm = (await gqlOk(server.url, DIRECT, { userId: bob.id }, user.accessToken)).directConversation;
    await sendTo(server.url, bob, dm.id, 'two');
    await sendTo(server.url, alice, group.id, 'three');
    await gqlOk(server.url, MARK_READ, { conversationId: group.id, seq: 2 }, user.accessToken);
    await gqlOk(server.url, RENAME, { conversationId: group.id, title: 'Renamed' }, alice.accessToken);

    const { events } = await inboxAfter(server.url, user, start);
    expect(events.map(line)).toEqual([
      'updated CREATED',
      'message one',
      'updated CREATED',
      'message two',
      'message three',
      'read 2',
      'updated RENAMED',
    ]);
    expect(events.map((e) => e.conversationId)).toEqual([group.id, group.id, dm.id, dm.id, group.id, group.id, group.id]);
    expect(events[6]!.conversation).toMatchObject({ id: group.id, title: 'Renamed', memberCount: 2 });
    expect(events[1]!.message).toMatchObject({ seq: 1, sender: { id: alice.id } });

    // From every event's cursor: exactly the events after it.
    for (let i = 0; i < events.length; i++) {
      expect((await inboxAfter(server.url, user, events[i]!.cursor)).events.map((e) => e.cursor)).toEqual(
        events.slice(i + 1).map((e) => e.cursor),
      );
    }
  });

  it('when paging, then pages follow each other without gap or repeat, at most 500, and endCursor skips ahead when nothing is left', async () => {
    const user = await registerUser(server.url, 'pages');
    const start = await nowCursor(server.url, user);
    const group = await createGroup(server.url, alice, 'Pages', [user]);
    for (let i = 0; i < 7; i++) await sendTo(server.url, alice, group.id, `p${i}`);
    const all = (await inboxAfter(server.url, user, start)).events;
    expect(all).toHaveLength(8);
    const paged = await inboxAfter(server.url, user, start, 3);
    expect(paged.events.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));

    // Other users' traffic moves the position of now; the end cursor follows it.
    await sendTo(
      server.url,
      bob,
      (await gqlOk(server.url, DIRECT, { userId: carol.id }, bob.accessToken)).directConversation.id,
      'elsewhere',
    );
    const tail = (await gqlOk(server.url, INBOX_PAGE, { after: paged.endCursor, first: 1000 }, user.accessToken)).inbox;
    expect(tail).toMatchObject({ events: [], hasMore: false });
    expect(tail.endCursor).toBe(await nowCursor(server.url, user));
  });

  it('when the cursor is malformed, another user’s, or the page size negative, then BAD_USER_INPUT, over HTTP and over graphql-ws', async () => {
    const aliceCursor = await nowCursor(server.url, alice);
    for (const variables of [{ after: 'garbage' }, { after: aliceCursor }, { after: aliceCursor.slice(0, -2) }]) {
      expect(errorCode(await call(server.url, bob, INBOX_PAGE, variables))).toBe('BAD_USER_INPUT');
    }
    expect(errorCode(await call(server.url, alice, INBOX_PAGE, { after: aliceCursor, first: -1 }))).toBe('BAD_USER_INPUT');
    const socket = await device(bob);
    const sub = collect(socket, INBOX, { after: aliceCursor });
    await waitFor(() => sub.errors.length > 0);
    expect((sub.errors[0] as any)[0]?.extensions?.code ?? (sub.errors[0] as any).extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('when subscribing with a cursor while messages keep coming, then the replay and the live events meet with no gap and no repeat', async () => {
    const user = await registerUser(server.url, 'seam');
    const group = await createGroup(server.url, alice, 'Seam', [user]);
    const start = await nowCursor(server.url, user);
    // A backlog of three replay pages, so that the replay is still running while new messages commit.
    const backlog = 1200;
    for (let i = 0; i < backlog; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => sendTo(server.url, alice, group.id, `before ${i + j}`)));
    }

    // Messages keep committing from before the subscription until well after its replay has ended.
    let sending = true;
    const sender = (async () => {
      let sent = 0;
      while (sending) await Promise.all(Array.from({ length: 4 }, () => sendTo(server.url, alice, group.id, `during ${sent++}`)));
      return sent;
    })();
    const socket = await device(user);
    const inbox = subscribeInbox(socket, start);
    await inbox.until(backlog + 40, 30_000);
    sending = false;
    const total = backlog + (await sender);
    const got = (await inbox.until(total, 30_000)).map((e) => e.inbox);
    expect(got.map((e) => e.message!.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(got.map((e) => e.cursor)).toEqual((await inboxAfter(server.url, user, start)).events.map((e) => e.cursor));
    // Nothing more than that: the next event is the next message.
    await sendTo(server.url, alice, group.id, 'last');
    expect((await inbox.until(total + 1))[total]!.inbox.message!.seq).toBe(total + 1);
    expect(inbox.events).toHaveLength(total + 1);
  });

  it('when a member is removed, then their live events stop at once with RemovedFromConversation, others go on, and replay ends there too', async () => {
    const group = await createGroup(server.url, alice, 'Removal', [bob, carol]);
    const before = await nowCursor(server.url, bob);
    const bobSocket = await device(bob);
    const carolSocket = await device(carol);
    const bobInbox = subscribeInbox(bobSocket);
    const bobMessages = collect(bobSocket, MESSAGE_RECEIVED, { conversationId: group.id });
    const bobAll = collect(bobSocket, MESSAGE_RECEIVED);
    const carolMessages = collect(carolSocket, MESSAGE_RECEIVED, { conversationId: group.id });
    await listening(bob, 3);
    await listening(carol, 1);

    await sendTo(server.url, alice, group.id, 'while bob is in');
    await bobMessages.until(1);
    await gqlOk(server.url, REMOVE_MEMBER, { conversationId: group.id, userId: bob.id }, alice.accessToken);
    await sendTo(server.url, alice, group.id, 'after bob left');
    await carolMessages.until(2);
    // The removal event reached bob before anything after it; give a straggler the time carol's took.
    await bobInbox.until(2);
    await waitFor(() => bobMessages.errors.length > 0);

    expect(bobInbox.events.map((e) => line(e.inbox))).toEqual(['message while bob is in', 'removed REMOVED']);
    expect(bobAll.events.map((e) => e.messageReceived.content)).toEqual(['while bob is in']);
    expect(bobMessages.events.map((e) => e.messageReceived.content)).toEqual(['while bob is in']);
    expect(JSON.stringify(bobMessages.errors)).toContain('FORBIDDEN');

    const replay = (await inboxAfter(server.url, bob, before)).events;
    expect(replay.map(line)).toEqual(['message while bob is in', 'removed REMOVED']);
  });

  it('when a former member replays from before they left, then they get what they had, and nothing of what happened after', async () => {
    const group = await createGroup(server.url, alice, 'Former', [bob]);
    const before = await nowCursor(server.url, carol);
    await gqlOk(server.url, ADD_MEMBERS, { conversationId: group.id, userIds: [carol.id] }, alice.accessToken);
    await sendTo(server.url, alice, group.id, 'hello carol');
    await gqlOk(server.url, REMOVE_MEMBER, { conversationId: group.id, userId: carol.id }, alice.accessToken);
    await sendTo(server.url, alice, group.id, 'secret');
    await gqlOk(server.url, RENAME, { conversationId: group.id, title: 'Secret plans' }, alice.accessToken);

    const replay = (await inboxAfter(server.url, carol, before)).events;
    expect(replay.map(line)).toEqual(['updated MEMBERS_ADDED', 'message hello carol', 'removed REMOVED']);
    // The conversation of an event before she left shows no members and no last message now.
    expect(replay[0]!.conversation).toMatchObject({ id: group.id, members: [] });
  });

  it('when a committed batch never reaches the bus, then live subscribers still get it, from the database, in order', async () => {
    const group = await createGroup(server.url, alice, 'Lost batch', [bob]);
    const socket = await device(bob);
    const inbox = subscribeInbox(socket);
    const messages = collect(socket, MESSAGE_RECEIVED);
    await listening(bob, 2);

    // What a worker killed between commit and publish leaves behind: stored, never published.
    await commitMessages(sql, [
      {
        id: crypto.randomUUID(),
        conversationId: group.id,
        senderId: alice.id,
        content: 'never published',
        clientMessageId: null,
        replyTo: 'nobody',
        sentAt: Date.now(),
      },
    ]);
    await sendTo(server.url, alice, group.id, 'published');
    const got = (await inbox.until(2)).map((e) => e.inbox);
    expect(got.map(line)).toEqual(['message never published', 'message published']);
    expect((await messages.until(2)).map((e) => e.messageReceived.seq)).toEqual([1, 2]);
  });
});
