// Input PostgreSQL cannot store is refused up front with BAD_USER_INPUT; and if an entry the
// database refuses reaches the worker anyway, its sender gets a definite error at once (not a
// timeout that says a retry is safe), and the entry is dead-lettered.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSendRequest } from '../../../src/modules/messages/message-event.js';
import { call, CREATE_GROUP, createGroup, registerUsers } from '../../helpers/chat.js';
import { waitFor } from '../../helpers/deferred.js';
import { errorCode, gql, SEND, type TestUser } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';

const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      user {
        id
      }
    }
  }
`;
const SEARCH = /* GraphQL */ `
  query Search($q: String!) {
    searchUsers(query: $q) {
      id
    }
    userByUsername(username: $q) {
      id
    }
  }
`;

describe('input PostgreSQL cannot store', () => {
  const server = useTestServer();
  let alice: TestUser, bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = await registerUsers(server.url, ['alice', 'bob'] as const);
  });

  it('when text holds a NUL character, then BAD_USER_INPUT at once, naming the field, and nothing is stored', async () => {
    const started = performance.now();
    const content = await gql(server.url, SEND, { input: { recipientId: bob.id, content: 'a\u0000b' } }, alice.accessToken);
    const clientId = await gql(
      server.url,
      SEND,
      { input: { recipientId: bob.id, content: 'ok', clientMessageId: 'x\u0000' } },
      alice.accessToken,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errorCode(content)).toBe('BAD_USER_INPUT');
    expect(content.errors![0]!.extensions!.field).toBe('content');
    expect(errorCode(clientId)).toBe('BAD_USER_INPUT');
    expect(errorCode(await call(server.url, alice, CREATE_GROUP, { input: { title: 'a\u0000', memberIds: [] } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await call(server.url, alice, SEARCH, { q: 'al\u0000' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(server.url, LOGIN, { input: { email: alice.email, password: `${alice.password}\u0000x` } }))).toBe(
      'BAD_USER_INPUT',
    );
    const stored = await server.deps.pool.query('SELECT count(*)::int AS n FROM messages');
    expect(stored.rows[0].n).toBe(0);
  });

  it('when the database refuses an entry in the worker, then its sender gets a definite BAD_USER_INPUT at once and it is dead-lettered', async () => {
    const group = await createGroup(server.url, alice, 'Refused', [bob]);
    // Past sendMessage's checks, as an older instance or a bug could append it.
    const id = randomUUID();
    const { send } = server.app.services;
    const waiting = send.commits.wait(id, 10_000);
    const started = performance.now();
    await send.stream.append(
      encodeSendRequest({
        id,
        conversationId: group.id,
        senderId: alice.id,
        content: 'refused \u0000 by PostgreSQL',
        clientMessageId: null,
        replyTo: server.deps.instanceId,
        sentAt: Date.now(),
      }),
    );
    const reply = await waiting.reply;
    expect(performance.now() - started).toBeLessThan(3000);
    expect(reply).toMatchObject({ ok: false, code: 'BAD_USER_INPUT' });
    await waitFor(async () => (await server.deps.stream.stats()).deadLetters === 1, { description: 'the entry dead-lettered' });
    // The worker goes on: the next message is stored.
    const next = await gql(server.url, SEND, { input: { conversationId: group.id, content: 'fine' } }, alice.accessToken);
    expect(next.data?.sendMessage.seq).toBe(1);
  });
});
