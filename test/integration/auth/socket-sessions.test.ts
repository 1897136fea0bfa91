// Sockets that follow the account: closed when their token expires (unless renewed over the
// socket), and when their login is signed out, on every instance.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../../helpers/app.js';
import { createGroup, registerUsers, sendTo } from '../../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { createDeferred, waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, errorCode, gql, gqlOk, MESSAGE_RECEIVED, type TestUser } from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';
import { useTestServer } from '../../helpers/test-server.js';

const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      tokens {
        accessToken
        refreshToken
        accessTokenExpiresAt
      }
    }
  }
`;
const LOGOUT = /* GraphQL */ `
  mutation Logout($refreshToken: String!, $everywhere: Boolean) {
    logout(refreshToken: $refreshToken, everywhere: $everywhere)
  }
`;
const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String!) {
    refresh(refreshToken: $refreshToken) {
      tokens {
        accessToken
        refreshToken
      }
    }
  }
`;
const RENEW = /* GraphQL */ `
  mutation Renew($accessToken: String!) {
    renewSocket(accessToken: $accessToken)
  }
`;
const ME = /* GraphQL */ `
  query {
    me {
      id
    }
  }
`;

type Login = { accessToken: string; refreshToken: string; accessTokenExpiresAt: string };
const login = async (url: string, user: TestUser): Promise<Login> =>
  (await gqlOk(url, LOGIN, { input: { email: user.email, password: user.password } })).login.tokens;

/** A connected socket with its close code and reason, once closed. */
async function device(wsUrl: string, token: string) {
  const closed = createDeferred<{ code: number; reason: string }>();
  const socket = await connectWs(wsUrl, token);
  socket.on('closed', (event) => closed.resolve(event as { code: number; reason: string }));
  return { socket, closed: closed.promise, isClosed: () => closed.settled };
}

/** Runs a mutation over the socket itself. */
function overSocket(socket: Client, query: string, variables: Record<string, unknown>) {
  return new Promise<{ data?: any; errors?: any[] }>((resolve) => {
    let result: { data?: any; errors?: any[] } = {};
    socket.subscribe(
      { query, variables },
      {
        next: (value) => (result = value as typeof result),
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [error] }),
        complete: () => resolve(result),
      },
    );
  });
}

describe('a socket’s token lifetime', () => {
  const server = useTestServer({ env: { JWT_ACCESS_EXPIRY: '3s' } });
  let alice: TestUser, bob: TestUser;
  const sockets: Client[] = [];

  beforeAll(async () => {
    [alice, bob] = await registerUsers(server.url, ['alice', 'bob'] as const);
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });

  it('when its access token expires, then the socket is closed with 4403 and a reason saying to reconnect with a fresh token', async () => {
    const tokens = await login(server.url, alice);
    const d = await device(server.wsUrl, tokens.accessToken);
    sockets.push(d.socket);
    const { code, reason } = await d.closed;
    expect(code).toBe(4403);
    expect(reason).toMatch(/expired: reconnect with a fresh one/);
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(tokens.accessTokenExpiresAt).getTime());
    expect(Date.now()).toBeLessThan(new Date(tokens.accessTokenExpiresAt).getTime() + 2500);
  });

  it('when renewed over the socket with a fresh token of the same user, then it outlives the first token and keeps delivering', async () => {
    const first = await login(server.url, bob);
    const d = await device(server.wsUrl, first.accessToken);
    sockets.push(d.socket);
    const feed = collect(d.socket, MESSAGE_RECEIVED);
    // A fresh token that lives a minute (this server's own live 3 s): signed as the server signs them.
    const now = Date.now();
    const fresh = jwt.sign(
      { sub: bob.id, email: bob.email, typ: 'access', iat: Math.floor(now / 1000), iss_ms: now, exp: Math.floor(now / 1000) + 60 },
      TEST_JWT_SECRET,
      { algorithm: 'HS256' },
    );
    const renewed = await overSocket(d.socket, RENEW, { accessToken: fresh });
    expect(renewed.errors).toBeUndefined();
    const newExpiry = new Date(renewed.data.renewSocket).getTime();
    expect(newExpiry).toBeGreaterThan(new Date(first.accessTokenExpiresAt).getTime() + 50_000);

    await waitFor(() => Date.now() > new Date(first.accessTokenExpiresAt).getTime() + 1500, { timeoutMs: 6000 });
    expect(d.isClosed()).toBe(false);
    await waitFor(() => server.app.services.feeds.listenerCount(bob.id) === 1);
    const sender = { ...alice, accessToken: (await login(server.url, alice)).accessToken }; // tokens here live 3 s
    const group = await createGroup(server.url, sender, 'Renewed', [bob]);
    await sendTo(server.url, sender, group.id, 'still here');
    expect((await feed.until(1))[0].messageReceived.content).toBe('still here');
    expect(d.isClosed()).toBe(false);
  });

  it('when renewSocket is misused, then: over HTTP BAD_USER_INPUT, another user’s token FORBIDDEN, a bad token UNAUTHENTICATED', async () => {
    const tokens = await login(server.url, alice);
    expect(errorCode(await gql(server.url, RENEW, { accessToken: tokens.accessToken }, tokens.accessToken))).toBe('BAD_USER_INPUT');
    const d = await device(server.wsUrl, tokens.accessToken);
    sockets.push(d.socket);
    const other = await login(server.url, bob);
    expect((await overSocket(d.socket, RENEW, { accessToken: other.accessToken })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await overSocket(d.socket, RENEW, { accessToken: 'garbage' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('signing out closes the login’s sockets', () => {
  const server = useTestServer();
  let alice: TestUser;
  const sockets: Client[] = [];

  beforeAll(async () => {
    [alice] = await registerUsers(server.url, ['alice'] as const);
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });

  it('when one login signs out, then its sockets close with 4403 at once and its access token stops working; the other login stays', async () => {
    const [phone, laptop] = [await login(server.url, alice), await login(server.url, alice)];
    const onPhone = await device(server.wsUrl, phone.accessToken);
    const onLaptop = await device(server.wsUrl, laptop.accessToken);
    sockets.push(onPhone.socket, onLaptop.socket);

    const started = Date.now();
    expect((await gqlOk(server.url, LOGOUT, { refreshToken: phone.refreshToken })).logout).toBe(true);
    const { code, reason } = await onPhone.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(code).toBe(4403);
    expect(reason).toMatch(/signed out/);
    expect(errorCode(await gql(server.url, ME, {}, phone.accessToken))).toBe('UNAUTHENTICATED');
    await expect(connectWs(server.wsUrl, phone.accessToken)).rejects.toThrow(/4403/);

    expect((await gql(server.url, ME, {}, laptop.accessToken)).data.me.id).toBe(alice.id);
    expect(onLaptop.isClosed()).toBe(false);
  });

  it('when signing out everywhere, then every login of the user ends and all their sockets close', async () => {
    const [a, b] = [await login(server.url, alice), await login(server.url, alice)];
    const devices = [await device(server.wsUrl, a.accessToken), await device(server.wsUrl, b.accessToken)];
    sockets.push(...devices.map((d) => d.socket));
    expect((await gqlOk(server.url, LOGOUT, { refreshToken: a.refreshToken, everywhere: true })).logout).toBe(true);
    for (const d of devices) expect((await d.closed).code).toBe(4403);
    for (const t of [a, b]) {
      expect(errorCode(await gql(server.url, ME, {}, t.accessToken))).toBe('UNAUTHENTICATED');
      expect(errorCode(await gql(server.url, REFRESH, { refreshToken: t.refreshToken }))).toBe('UNAUTHENTICATED');
    }
  });

  it('when a used refresh token is presented again, then that login is revoked and its sockets close', async () => {
    const first = await login(server.url, alice);
    const d = await device(server.wsUrl, first.accessToken);
    sockets.push(d.socket);
    await gqlOk(server.url, REFRESH, { refreshToken: first.refreshToken });
    expect(errorCode(await gql(server.url, REFRESH, { refreshToken: first.refreshToken }))).toBe('UNAUTHENTICATED');
    expect((await d.closed).code).toBe(4403);
  });
});

describeRedis('signing out across instances', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let late: TestApp | undefined;
  let alice: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    [a, b] = await Promise.all([startTestApp({ databaseUrl: db.url, ...redis }), startTestApp({ databaseUrl: db.url, ...redis })]);
    [alice] = await registerUsers(a.url, ['alice'] as const);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), late?.stop()]);
    await db?.drop();
  });

  it('when a login signs out on instance A, then its socket on instance B closes within a second, and an instance started later refuses its token', async () => {
    const tokens = await login(a.url, alice);
    const onB = await device(b.wsUrl, tokens.accessToken);
    const started = Date.now();
    await gqlOk(a.url, LOGOUT, { refreshToken: tokens.refreshToken });
    expect((await onB.closed).code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1000);
    await onB.socket.dispose();

    late = await startTestApp({ databaseUrl: db.url, redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() });
    expect(errorCode(await gql(late.url, ME, {}, tokens.accessToken))).toBe('UNAUTHENTICATED');
  });
});
