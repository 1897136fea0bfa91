// Read state: markRead moves forward only, sending reads what came before, unreadCount is exact,
// and receipts reach the other members and the reader's other devices live.
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, CONVERSATION, createGroup, MARK_READ, sendTo, subscribeInbox, registerUsers } from '../../helpers/chat.js';
import { connectWs, errorCode, gqlOk, type TestUser } from '../../helpers/graphql.js';
import { waitFor } from '../../helpers/deferred.js';
import { useTestServer } from '../../helpers/test-server.js';

describe('read state', () => {
  const server = useTestServer();
  let alice: TestUser, bob: TestUser, carol: TestUser;
  const sockets: Client[] = [];

  beforeAll(async () => {
    [alice, bob, carol] = await registerUsers(server.url, ['alice', 'bob', 'carol'] as const);
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });

  const view = async (user: TestUser, id: string) => (await gqlOk(server.url, CONVERSATION, { id }, user.accessToken)).conversation;
  const readOf = (conversation: any, user: TestUser) => conversation.members.find((m: any) => m.user.id === user.id).lastReadSeq;
  const markRead = async (user: TestUser, conversationId: string, seq: number) =>
    (await gqlOk(server.url, MARK_READ, { conversationId, seq }, user.accessToken)).markRead.lastReadSeq as number;

  it('when markRead is called, then lastReadSeq moves up to seq, clamped to lastSeq, and never back', async () => {
    const group = await createGroup(server.url, alice, 'Reads', [bob]);
    for (let i = 0; i < 5; i++) await sendTo(server.url, alice, group.id, `m${i}`);
    expect((await view(bob, group.id)).unreadCount).toBe(5);

    expect(await markRead(bob, group.id, 3)).toBe(3);
    expect((await view(bob, group.id)).unreadCount).toBe(2);
    expect(await markRead(bob, group.id, 2)).toBe(3); // lower: no-op, not an error
    expect(await markRead(bob, group.id, 3)).toBe(3); // repeated: no-op
    expect(await markRead(bob, group.id, 999)).toBe(5); // clamped
    expect((await view(bob, group.id)).unreadCount).toBe(0);

    expect(errorCode(await call(server.url, bob, MARK_READ, { conversationId: group.id, seq: -1 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await call(server.url, carol, MARK_READ, { conversationId: group.id, seq: 1 }))).toBe('FORBIDDEN');
    expect(errorCode(await call(server.url, carol, MARK_READ, { conversationId: randomUUID(), seq: 1 }))).toBe('NOT_FOUND');
  });

  it('when a member sends, then they have read everything up to their message, and receipts show each member’s lastReadSeq', async () => {
    const group = await createGroup(server.url, alice, 'Replies', [bob, carol]);
    for (let i = 0; i < 3; i++) await sendTo(server.url, alice, group.id, `question ${i}`);
    const reply = await sendTo(server.url, bob, group.id, 'answer');
    expect(reply.seq).toBe(4);

    const seenByCarol = await view(carol, group.id);
    expect(readOf(seenByCarol, alice)).toBe(3);
    expect(readOf(seenByCarol, bob)).toBe(4);
    expect(readOf(seenByCarol, carol)).toBe(0);
    expect(seenByCarol.unreadCount).toBe(4);
    expect((await view(bob, group.id)).unreadCount).toBe(0);
    expect((await view(alice, group.id)).unreadCount).toBe(1);
  });

  it('when sends and marks race from several devices, then unreadCount is exactly the messages after lastReadSeq', async () => {
    const group = await createGroup(server.url, alice, 'Race', [bob]);
    const sends = Array.from({ length: 30 }, (_, i) => sendTo(server.url, alice, group.id, `r${i}`));
    const marks = Array.from({ length: 30 }, (_, i) => markRead(bob, group.id, i + 1));
    await Promise.all([...sends, ...marks]);
    const seen = await view(bob, group.id);
    expect(seen.lastSeq).toBe(30);
    const lastRead = readOf(seen, bob);
    expect(lastRead).toBeGreaterThan(0);
    expect(lastRead).toBeLessThanOrEqual(30);
    expect(seen.unreadCount).toBe(30 - lastRead);
    // The final mark settles it, whatever raced before.
    expect(await markRead(bob, group.id, 30)).toBe(30);
    expect((await view(bob, group.id)).unreadCount).toBe(0);
  });

  it('when bob reads, then alice and bob’s other device get ReadStateChanged live; a no-op mark sends nothing', async () => {
    const group = await createGroup(server.url, alice, 'Live receipts', [bob]);
    for (let i = 0; i < 3; i++) await sendTo(server.url, alice, group.id, `m${i}`);
    const aliceDevice = await connectWs(server.wsUrl, alice.accessToken);
    const bobOther = await connectWs(server.wsUrl, bob.accessToken);
    sockets.push(aliceDevice, bobOther);
    const aliceInbox = subscribeInbox(aliceDevice);
    const bobInbox = subscribeInbox(bobOther);
    await waitFor(() => server.app.services.feeds.listenerCount(alice.id) === 1 && server.app.services.feeds.listenerCount(bob.id) === 1);

    await markRead(bob, group.id, 2);
    await markRead(bob, group.id, 1); // no-op: no event
    await markRead(bob, group.id, 3);
    for (const inbox of [aliceInbox, bobInbox]) {
      const events = (await inbox.until(2)).map((e) => e.inbox);
      expect(events.map((e) => [e.__typename, e.conversationId, e.userId, e.lastReadSeq])).toEqual([
        ['ReadStateChanged', group.id, bob.id, 2],
        ['ReadStateChanged', group.id, bob.id, 3],
      ]);
    }
    // Nothing else came: the next event is the next message.
    await sendTo(server.url, alice, group.id, 'later');
    const next = (await aliceInbox.until(3))[2]!.inbox;
    expect(next).toMatchObject({ __typename: 'MessageAdded', message: { content: 'later' } });
  });
});
