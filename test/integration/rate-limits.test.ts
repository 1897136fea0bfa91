import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/test-server.js';
import { errorCode, gql, registerUser, SEND } from '../helpers/graphql.js';

describe('rate limits', () => {
  const server = useTestServer({ env: { SEND_RATE_PER_SECOND: '0.01', SEND_RATE_BURST: '3', LOGIN_ATTEMPTS_PER_MINUTE: '3' } });

  it('when a user sends faster than the limit, then the extra send is RATE_LIMITED with retryAfterMs, and nothing is stored for it', async () => {
    const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    for (let i = 0; i < 3; i++) {
      const ok = await gql(server.url, SEND, { input: { recipientId: bob.id, content: `m${i}` } }, alice.accessToken);
      expect(ok.errors).toBeUndefined();
    }
    const limited = await gql(server.url, SEND, { input: { recipientId: bob.id, content: 'one too many' } }, alice.accessToken);
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    expect(limited.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(0);
    // Bob is not limited by Alice's sending.
    expect((await gql(server.url, SEND, { input: { recipientId: alice.id, content: 'reply' } }, bob.accessToken)).errors).toBeUndefined();
    const history = await gql(
      server.url,
      'query($c: ID!) { messages(conversationId: $c, last: 10) { edges { node { content } } } }',
      {
        c: (await gql(server.url, SEND, { input: { recipientId: alice.id, content: 'again' } }, bob.accessToken)).data.sendMessage
          .conversationId,
      },
      bob.accessToken,
    );
    expect(history.data.messages.edges.map((e: any) => e.node.content)).not.toContain('one too many');
  });

  it('when someone keeps guessing a password, then further attempts for that email are RATE_LIMITED, even the right one', async () => {
    const carol = await registerUser(server.url, 'carol');
    const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { user { id } } }';
    for (let i = 0; i < 3; i++) {
      expect(errorCode(await gql(server.url, LOGIN, { i: { email: carol.email, password: `wrong-password-${i}` } }))).toBe(
        'UNAUTHENTICATED',
      );
    }
    expect(errorCode(await gql(server.url, LOGIN, { i: { email: carol.email, password: carol.password } }))).toBe('RATE_LIMITED');
  });
});
