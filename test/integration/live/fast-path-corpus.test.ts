// The live delivery engine must send exactly what graphql-ws's own per-subscriber execution sends,
// byte for byte. Two instances share one database and one Redis: one with the engine
// (WS_FAST_PATH=true), one without. The same users subscribe the same corpus of documents on both,
// with the same operation ids; a third instance takes the writes. Every frame of every
// subscription must be identical on the two, errors (with their paths) included.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.js';
import { startTestApp } from '../../helpers/app.js';
import { ADD_MEMBERS, MARK_READ, REMOVE_MEMBER, RENAME, createGroup, registerUsers, sendTo } from '../../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { connectWs, gqlOk, SEND, type TestUser } from '../../helpers/graphql.js';
import { openRawGraphQLSocket, type RawGraphQLSocket } from '../../helpers/raw-graphql-ws.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

type Entry = { id: string; query: string; variables?: (ids: Ids) => Record<string, unknown>; operationName?: string };
type Ids = { group: string; direct: string; dave: string };

const MESSAGE_END = 'the end';
const NO_SUCH_ID = '0190a0a0-0000-7000-8000-000000000000';

/** Documents as clients write them, odd ones included. Each is subscribed by every user on both instances. */
const CORPUS: Entry[] = [
  { id: 'plain', query: 'subscription { messageReceived { id seq content createdAt conversationId clientMessageId } }' },
  {
    id: 'aliases',
    query: `subscription Aliased { m: messageReceived { __typename key: id n: seq text: content at: createdAt
      who: sender { __typename uid: id name: username } } }`,
  },
  {
    id: 'fragments',
    query: `subscription WithFragments { messageReceived { ...MessageParts ... on Message { seq __typename } } }
      fragment MessageParts on Message { id content sender { ...UserParts } attachments { id url fileName } }
      fragment UserParts on User { id username }`,
  },
  {
    id: 'directives-a',
    query: `subscription Directives($withSender: Boolean!, $skipSeq: Boolean = false) {
      messageReceived { id seq @skip(if: $skipSeq) content @include(if: $withSender) sender @include(if: $withSender) { username } } }`,
    variables: () => ({ withSender: true, skipSeq: true }),
  },
  // The same variables in another order: one cohort with directives-a.
  {
    id: 'directives-b',
    query: `subscription Directives($withSender: Boolean!, $skipSeq: Boolean = false) {
      messageReceived { id seq @skip(if: $skipSeq) content @include(if: $withSender) sender @include(if: $withSender) { username } } }`,
    variables: () => ({ skipSeq: true, withSender: true }),
  },
  {
    id: 'directives-c',
    query: `subscription Directives($withSender: Boolean!, $skipSeq: Boolean = false) {
      messageReceived { id seq @skip(if: $skipSeq) content @include(if: $withSender) sender @include(if: $withSender) { username } } }`,
    variables: () => ({ withSender: false }),
  },
  // Another user's email is null, your own is not: the same document gives each viewer their own bytes.
  { id: 'viewer', query: 'subscription { messageReceived { id content sender { id username email } } }' },
  {
    id: 'one-conversation',
    query: 'subscription OneConversation($c: ID!) { messageReceived(conversationId: $c) { id content } }',
    variables: (ids) => ({ c: ids.group }),
  },
  // carol is no member of the direct conversation: an error when subscribing, for her only.
  {
    id: 'not-a-member',
    query: 'subscription ($c: ID!) { messageReceived(conversationId: $c) { id } }',
    variables: (ids) => ({ c: ids.direct }),
  },
  {
    id: 'two-operations',
    query: 'subscription A { typing { typing } } subscription B { messageReceived { seq } }',
    operationName: 'B',
  },
  { id: 'invalid', query: 'subscription { messageReceived { nope } }' },
  { id: 'missing-variable', query: 'subscription ($c: ID!) { messageReceived(conversationId: $c) { id } }' },
  {
    id: 'inbox',
    query: `subscription { inbox { __typename cursor conversationId
      ... on MessageAdded { message { id seq content sender { username email } } }
      ... on ReadStateChanged { userId lastReadSeq }
      ... on ConversationUpdated { change userIds conversation { id title type memberCount members { role user { username email } } } }
      ... on RemovedFromConversation { reason } } }`,
  },
  { id: 'inbox-lean', query: 'subscription { inbox { conversationId ... on MessageAdded { message { id } } } }' },
  { id: 'typing', query: 'subscription { typing { conversationId typing expiresAt user { id username email } } }' },
  // dave shares no conversation with anyone at first: he is left out until he is added.
  {
    id: 'presence',
    query: 'subscription ($u: [ID!]) { presence(userIds: $u) { online lastSeenAt user { id username } } }',
    variables: (ids) => ({ u: [ids.dave] }),
  },
  // Queries and mutations over the socket: answered at once (next, complete) or refused (error).
  { id: 'query-me', query: 'query Me { me { __typename id username email } }' },
  { id: 'query-not-found', query: `{ conversation(id: "${NO_SUCH_ID}") { id title } }` },
  { id: 'query-invalid', query: '{ me { nope } }' },
  { id: 'query-which-one', query: 'query A { me { id } } query B { me { username } }' },
  {
    id: 'mutation-error',
    query: 'mutation MarkRead($c: ID!) { markRead(conversationId: $c, seq: 1) { lastReadSeq } }',
    variables: () => ({ c: NO_SUCH_ID }),
  },
];

describeRedis('the live delivery engine against graphql-ws’s own execution', () => {
  let db: TestDatabase;
  let proxies: TcpProxy[];
  let writer: TestApp;
  let fast: TestApp;
  let plain: TestApp;
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser;
  const sockets: RawGraphQLSocket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    const target = new URL(db.url);
    proxies = await Promise.all([0, 1].map(() => startTcpProxy(target.hostname, Number(target.port || 5432))));
    // The same public origin on both, so that anything that depends on it agrees.
    const env = { PUBLIC_URL: 'http://chat.test' };
    [writer, fast, plain] = await Promise.all([
      startTestApp({ databaseUrl: db.url, ...redis, env }),
      startTestApp({ databaseUrl: proxies[0]!.url(db.url), ...redis, worker: false, env: { ...env, WS_FAST_PATH: 'true' } }),
      startTestApp({ databaseUrl: proxies[1]!.url(db.url), ...redis, worker: false, env: { ...env, WS_FAST_PATH: 'false' } }),
    ]);
    [alice, bob, carol, dave] = await registerUsers(writer.url, ['alice', 'bob', 'carol', 'dave'] as const);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all([writer?.stop(), fast?.stop(), plain?.stop()]);
    await Promise.all((proxies ?? []).map((proxy) => proxy.close()));
    await db?.drop();
  });

  it('when the corpus is subscribed on both and events of every kind happen, then every frame is the same, byte for byte', async () => {
    const group = await createGroup(writer.url, alice, 'Corpus', [bob, carol]);
    const ids: Ids = { group: group.id, direct: await directWith(writer.url, alice, bob), dave: dave.id };
    const users = [alice, bob, carol];
    const devices = new Map<string, { fast: RawGraphQLSocket; plain: RawGraphQLSocket }>();
    for (const user of users) {
      const device = {
        fast: await openRawGraphQLSocket(fast.wsUrl, user.accessToken),
        plain: await openRawGraphQLSocket(plain.wsUrl, user.accessToken),
      };
      sockets.push(device.fast, device.plain);
      for (const socket of [device.fast, device.plain])
        for (const entry of CORPUS) socket.subscribe(entry.id, entry.query, entry.variables?.(ids), entry.operationName);
      devices.set(user.id, device);
    }
    // Live on both: every entry but invalid and missing-variable, and not-a-member for carol.
    const listening = (user: TestUser) => (user === carol ? 13 : 14);
    await waitFor(() =>
      users.every(
        (u) =>
          fast.app.services.feeds.listenerCount(u.id) === listening(u) && plain.app.services.feeds.listenerCount(u.id) === listening(u),
      ),
    );
    const framesOf = (id: string, server: 'fast' | 'plain', user: TestUser) => devices.get(user.id)![server].frames(id);
    const bothHave = (id: string, user: TestUser, predicate: (texts: string[]) => boolean) =>
      (['fast', 'plain'] as const).every((server) => predicate(framesOf(id, server, user).map((f) => f.text)));

    // Messages, with text that tests escaping: quotes, backslash, newline, emoji, U+2028, markup.
    await sendTo(writer.url, alice, group.id, 'héllo "quoted" \\ \n 😀 \u2028 </script>');
    await sendTo(writer.url, bob, ids.direct, 'a direct one');
    // Typing, on and off.
    await gqlOk(writer.url, SET_TYPING, { c: group.id, typing: true }, carol.accessToken);
    await gqlOk(writer.url, SET_TYPING, { c: group.id, typing: false }, carol.accessToken);
    // Read state, and a membership change (its conversation read from the database).
    await gqlOk(writer.url, MARK_READ, { conversationId: group.id, seq: 1 }, bob.accessToken);
    await gqlOk(writer.url, ADD_MEMBERS, { conversationId: group.id, userIds: [dave.id] }, alice.accessToken);
    await waitFor(() => users.every((u) => bothHave('inbox', u, (texts) => texts.some((t) => t.includes('MEMBERS_ADDED')))));
    // Presence: dave, now shared, is offline; he comes online and goes again.
    const presenceSeen = (online: boolean, times: number) =>
      users.every((u) => bothHave('presence', u, (texts) => texts.filter((t) => t.includes(`"online":${online}`)).length === times));
    await waitFor(() => presenceSeen(false, 1));
    const daveOnline = await connectWs(writer.wsUrl, dave.accessToken);
    await waitFor(() => presenceSeen(true, 1));
    await daveOnline.dispose();
    await waitFor(() => presenceSeen(false, 2));

    // With the database out of reach of both, the next change's conversation cannot be read: an
    // error with its path, masked the same way.
    await Promise.all(proxies.map((proxy) => proxy.cut()));
    await gqlOk(writer.url, RENAME, { conversationId: group.id, title: 'Renamed' }, alice.accessToken);
    await waitFor(() =>
      users.every((u) => bothHave('inbox', u, (texts) => texts.some((t) => t.includes('"path":["inbox","conversation"]')))),
    );
    await Promise.all(proxies.map((proxy) => proxy.restore()));

    await sendTo(writer.url, carol, group.id, MESSAGE_END);
    await waitFor(
      () =>
        users.every(
          (u) =>
            bothHave('plain', u, (texts) => texts.some((t) => t.includes(MESSAGE_END))) &&
            bothHave('inbox', u, (texts) => texts.some((t) => t.includes(MESSAGE_END))),
        ),
      { timeoutMs: 15_000 },
    );
    // carol is removed: her subscription to the group ends with an error (the stream's own failure).
    await gqlOk(writer.url, REMOVE_MEMBER, { conversationId: group.id, userId: carol.id }, alice.accessToken);
    await waitFor(() => bothHave('one-conversation', carol, (texts) => texts.some((t) => t.includes('"type":"error"'))));
    await waitFor(() =>
      users.every((u) =>
        bothHave('inbox', u, (texts) => texts.some((t) => t.includes(u === carol ? 'RemovedFromConversation' : 'MEMBER_REMOVED'))),
      ),
    );
    await waitFor(() => users.every((u) => CORPUS.every((e) => framesOf(e.id, 'fast', u).length === framesOf(e.id, 'plain', u).length)));

    for (const user of users) {
      for (const entry of CORPUS) {
        const [fastFrames, plainFrames] = [framesOf(entry.id, 'fast', user), framesOf(entry.id, 'plain', user)];
        expect(
          fastFrames.map((f) => f.text),
          `${entry.id} for ${user.username}`,
        ).toEqual(plainFrames.map((f) => f.text));
        expect(fastFrames.every((f) => !f.binary)).toBe(true);
      }
    }

    // The corpus did exercise what it claims to.
    const viewerFrames = (user: TestUser) => framesOf('viewer', 'fast', user).map((f) => f.text);
    expect(viewerFrames(bob).find((t) => t.includes('héllo'))).toContain('"email":null');
    expect(viewerFrames(alice).find((t) => t.includes('héllo'))).toContain(`"email":"${alice.email}"`);
    expect(framesOf('not-a-member', 'fast', carol)[0]?.text).toContain('"errors"');
    expect(framesOf('invalid', 'fast', alice)[0]?.text).toContain('"type":"error"');
    expect(framesOf('typing', 'fast', alice).length).toBe(2);
    expect(framesOf('one-conversation', 'fast', carol).at(-1)?.text).toContain('"code":"FORBIDDEN"');
    expect(framesOf('query-me', 'fast', alice).map((f) => JSON.parse(f.text).type)).toEqual(['next', 'complete']);
    expect(framesOf('query-not-found', 'fast', alice)[0]?.text).toContain('"code":"NOT_FOUND"');
    expect(framesOf('query-which-one', 'fast', alice)[0]?.text).toContain('Unable to identify operation');
    expect(framesOf('mutation-error', 'fast', alice)[0]?.text).toContain('"path":["markRead"]');
    // And it went through the engine on one instance only, sharing executions among subscribers.
    const [frames, executions] = [await counted(fast, 'liveFrames'), await counted(fast, 'liveExecutions')];
    expect(frames).toBeGreaterThan(100);
    expect(executions).toBeLessThan(frames * 0.75);
    expect(await counted(plain, 'liveFrames')).toBe(0);
  });
});

const SET_TYPING = /* GraphQL */ `
  mutation Typing($c: ID!, $typing: Boolean!) {
    setTyping(conversationId: $c, typing: $typing)
  }
`;

/** Opens the direct conversation with a first message; its id. */
async function directWith(url: string, from: TestUser, to: TestUser): Promise<string> {
  const data = await gqlOk(url, SEND, { input: { recipientId: to.id, content: 'hello' } }, from.accessToken);
  return data.sendMessage.conversationId as string;
}

async function counted(server: TestApp, name: 'liveFrames' | 'liveExecutions'): Promise<number> {
  const metric = await server.app.services.metrics[name].get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}
