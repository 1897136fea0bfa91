import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';
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

describe('registrations per client address', () => {
  const REGISTER = 'mutation($i: RegisterInput!) { register(input: $i) { user { id } } }';
  const register = (url: string, name: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        query: REGISTER,
        variables: { i: { email: `${name}@example.test`, username: name, password: 'long enough password' } },
      }),
    }).then((r) => r.json() as Promise<{ data?: any; errors?: { extensions?: { code?: string; retryAfterMs?: number } }[] }>);
  const unique = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 10)}`;

  describe('without a trusted proxy', () => {
    const server = useTestServer({ env: { REGISTER_RATE_PER_HOUR: '2' } });

    it('when one address registers past the limit, then RATE_LIMITED with retryAfterMs; a forged X-Forwarded-For does not help', async () => {
      for (let i = 0; i < 2; i++) expect((await register(server.url, unique('r'))).data?.register.user.id).toBeTruthy();
      const limited = await register(server.url, unique('r'), { 'x-forwarded-for': '203.0.113.7' });
      expect(limited.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(limited.errors?.[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
    });
  });

  describe('behind one trusted proxy (TRUST_PROXY=1)', () => {
    const server = useTestServer({ env: { REGISTER_RATE_PER_HOUR: '1', TRUST_PROXY: '1' } });

    it('when clients behind the proxy register, then each address the proxy reports has its own limit, and entries left of it are ignored', async () => {
      expect((await register(server.url, unique('p'), { 'x-forwarded-for': '198.51.100.1' })).data?.register).toBeTruthy();
      expect((await register(server.url, unique('p'), { 'x-forwarded-for': '198.51.100.2' })).data?.register).toBeTruthy();
      // The client made up the left entry; the proxy appended the real one: the real one counts.
      const forged = await register(server.url, unique('p'), { 'x-forwarded-for': '192.0.2.99, 198.51.100.1' });
      expect(forged.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    });
  });
});

describeRedis('limits shared by instances', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    const env = { SEND_RATE_PER_SECOND: '0.01', SEND_RATE_BURST: '3', LOGIN_ATTEMPTS_PER_MINUTE: '2' };
    [a, b] = await Promise.all([
      startTestApp({ databaseUrl: db.url, ...redis, env }),
      startTestApp({ databaseUrl: db.url, ...redis, env }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('when a user sends through two instances, then together they allow the burst once, not twice', async () => {
    const [alice, bob] = await Promise.all([registerUser(a.url, 'alice'), registerUser(a.url, 'bob')]);
    const results = [];
    for (let i = 0; i < 6; i++) {
      const server = i % 2 === 0 ? a : b;
      results.push(errorCode(await gql(server.url, SEND, { input: { recipientId: bob.id, content: `m${i}` } }, alice.accessToken)) ?? 'ok');
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('when a password is guessed through two instances, then the per-email limit counts both', async () => {
    const carol = await registerUser(a.url, 'carol');
    const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { user { id } } }';
    const codes = [];
    for (let i = 0; i < 4; i++) {
      codes.push(errorCode(await gql((i % 2 === 0 ? a : b).url, LOGIN, { i: { email: carol.email, password: `wrong-${i}-password` } })));
    }
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});
