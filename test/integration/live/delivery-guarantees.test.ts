// What a subscriber can rely on, whichever path writes its events (the live delivery engine, or
// graphql-ws's own per-subscriber execution): completing stops a subscription and only it, removal
// from a conversation ends a subscription to it after the messages before, and a client that stops
// reading is stopped with an error saying how to catch up, without holding up anyone else.
import { describe, expect, it } from 'vitest';
import { REMOVE_MEMBER, createGroup, registerUsers, sendTo } from '../../helpers/chat.js';
import { waitFor } from '../../helpers/deferred.js';
import { gqlOk, type TestUser } from '../../helpers/graphql.js';
import { openRawGraphQLSocket, type RawGraphQLSocket } from '../../helpers/raw-graphql-ws.js';
import { useTestServer } from '../../helpers/test-server.js';

const MESSAGES = 'subscription ($c: ID) { messageReceived(conversationId: $c) { seq content } }';

type Frame = {
  type: string;
  payload?: { data?: { messageReceived: { seq: number; content: string } } } | { message: string; extensions?: { code?: string } }[];
};
const parsed = (socket: RawGraphQLSocket, id: string) => socket.frames(id).map((f) => JSON.parse(f.text) as Frame);
const contents = (socket: RawGraphQLSocket, id: string) =>
  parsed(socket, id).flatMap((f) => (f.type === 'next' && !Array.isArray(f.payload) ? [f.payload!.data!.messageReceived.content] : []));
const seqs = (socket: RawGraphQLSocket, id: string) =>
  parsed(socket, id).flatMap((f) => (f.type === 'next' && !Array.isArray(f.payload) ? [f.payload!.data!.messageReceived.seq] : []));
const errorOf = (socket: RawGraphQLSocket, id: string) => {
  const frame = parsed(socket, id).find((f) => f.type === 'error');
  return Array.isArray(frame?.payload) ? frame.payload[0] : undefined;
};

describe.each([
  ['the live delivery engine', 'true'],
  ['graphql-ws alone', 'false'],
])('delivery guarantees with %s', (_name, fastPath) => {
  const server = useTestServer({ env: { WS_FAST_PATH: fastPath } });
  const sockets: RawGraphQLSocket[] = [];
  const open = async (user: TestUser) => {
    const socket = await openRawGraphQLSocket(server.wsUrl, user.accessToken);
    sockets.push(socket);
    return socket;
  };
  const live = (user: TestUser, count: number) =>
    waitFor(() => server.app.services.feeds.listenerCount(user.id) === count, {
      description: `${count} live subscriptions of ${user.username}`,
    });

  it('when a client completes one subscription, then it gets nothing more of it, while the other on the same socket goes on', async () => {
    const [alice, bob] = await registerUsers(server.url, ['alice', 'bob'] as const);
    const group = await createGroup(server.url, alice, 'Complete', [bob]);
    const socket = await open(bob);
    socket.subscribe('done-early', MESSAGES);
    socket.subscribe('kept', MESSAGES);
    await live(bob, 2);

    await sendTo(server.url, alice, group.id, 'one');
    await waitFor(() => contents(socket, 'done-early').length === 1 && contents(socket, 'kept').length === 1);
    socket.complete('done-early');
    await live(bob, 1);
    await sendTo(server.url, alice, group.id, 'two');
    await waitFor(() => contents(socket, 'kept').length === 2);

    expect(contents(socket, 'kept')).toEqual(['one', 'two']);
    expect(socket.frames('done-early').map((f) => f.text)).toHaveLength(1); // no complete echoed, no 'two'
    sockets.forEach((s) => s.close());
  });

  it('when a member is removed, then a subscription to that conversation gets the messages before, then FORBIDDEN', async () => {
    const [alice, bob] = await registerUsers(server.url, ['alice', 'bob'] as const);
    const group = await createGroup(server.url, alice, 'Removal', [bob]);
    const socket = await open(bob);
    socket.subscribe('group', MESSAGES, { c: group.id });
    socket.subscribe('all', MESSAGES);
    await live(bob, 2);

    await sendTo(server.url, alice, group.id, 'before');
    await gqlOk(server.url, REMOVE_MEMBER, { conversationId: group.id, userId: bob.id }, alice.accessToken);
    await waitFor(() => errorOf(socket, 'group') !== undefined, { description: 'the subscription to end' });
    expect(contents(socket, 'group')).toEqual(['before']);
    expect(errorOf(socket, 'group')?.extensions?.code).toBe('FORBIDDEN');
    await live(bob, 1);
    sockets.forEach((s) => s.close());
  });

  it('when a client stops reading, then past its bounds its subscription stops with how to catch up; others, and its socket, go on', async () => {
    const [alice, bob, carol] = await registerUsers(server.url, ['alice', 'bob', 'carol'] as const);
    const group = await createGroup(server.url, alice, 'Stalled', [bob, carol]);
    const stalled = await open(bob);
    const healthy = await open(carol);
    stalled.subscribe('stalled', MESSAGES);
    healthy.subscribe('healthy', MESSAGES);
    await Promise.all([live(bob, 1), live(carol, 1)]);
    stalled.pauseReading();

    // Big messages, until the stalled subscription gives up: past its queue (1000 events) and what
    // the kernel buffers on loopback, which autotuning may grow to 32 MiB (tcp_rmem) plus 4 MiB
    // (tcp_wmem) on a busy box, so up to 12,000 of 4 kB before calling it a failure.
    const body = 'x'.repeat(4000);
    const fellBehind = async () => (await server.app.services.metrics.subscriptionsFellBehind.get()).values[0]?.value ?? 0;
    const before = await fellBehind();
    let sent = 0;
    while ((await fellBehind()) === before) {
      if (sent >= 12_000) throw new Error('the stalled subscription never gave up');
      await Promise.all(Array.from({ length: 50 }, () => sendTo(server.url, alice, group.id, body)));
      sent += 50;
    }
    // Carol was never held up by bob.
    await waitFor(() => contents(healthy, 'healthy').length === sent);

    stalled.resumeReading();
    await waitFor(() => errorOf(stalled, 'stalled') !== undefined, { timeoutMs: 10_000, description: 'the error frame' });
    const received = seqs(stalled, 'stalled');
    // What did arrive is a gap-free prefix, in order; then the error, naming the way back.
    expect(received).toEqual(received.map((_, i) => i + 1));
    expect(received.length).toBeLessThan(sent);
    expect(errorOf(stalled, 'stalled')).toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
    expect(errorOf(stalled, 'stalled')!.message).toMatch(/fell too far behind.*fetch the messages after the last seq/);
    expect(parsed(stalled, 'stalled').at(-1)?.type).toBe('error');

    // The socket itself still works: a new subscription gets the next message, the stopped one does not.
    stalled.subscribe('again', MESSAGES);
    await live(bob, 1);
    await sendTo(server.url, alice, group.id, 'after');
    await waitFor(() => contents(stalled, 'again').includes('after'));
    expect(contents(stalled, 'stalled')).not.toContain('after');
    sockets.forEach((s) => s.close());
  }, 120_000);
});
