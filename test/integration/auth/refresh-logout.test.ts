import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { connectWs, gql, gqlOk, registerUser, type GraphQLResponse, type TestUser } from '../../helpers/graphql.js';

const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String!) {
    refresh(refreshToken: $token) {
      user {
        id
      }
      tokens {
        accessToken
        refreshToken
        accessTokenExpiresAt
        refreshTokenExpiresAt
      }
    }
  }
`;

const LOGOUT = /* GraphQL */ `
  mutation Logout($token: String!) {
    logout(refreshToken: $token)
  }
`;

const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      tokens {
        accessToken
        refreshToken
      }
    }
  }
`;

const ME = /* GraphQL */ `
  query {
    me {
      id
    }
  }
`;

type Pair = { accessToken: string; refreshToken: string };

/** The one error of a failed response: no data, exactly one error. */
function onlyError(result: GraphQLResponse) {
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** Advisory lock key the race test holds to delay inserts into refresh_tokens. */
const INSERT_GATE = 7_240_531;

/** The socket's close code when connecting is refused (connectWs rejects with the close event). */
async function closeCodeOfConnecting(wsUrl: string, token: string | undefined): Promise<number | undefined> {
  const error = await connectWs(wsUrl, token).then(
    async (client) => {
      await client.dispose();
      throw new Error('the connection was acknowledged');
    },
    (rejection: { event?: { code?: number } }) => rejection,
  );
  return error.event?.code;
}

describe('refresh, logout and access tokens', () => {
  let db: TestDatabase;
  let server: TestApp;
  let sql: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestApp({ databaseUrl: db.url });
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
    await db?.drop();
  });

  const refresh = (token: string) => gql(server.url, REFRESH, { token });
  const refreshOk = async (token: string): Promise<Pair> => (await gqlOk(server.url, REFRESH, { token })).refresh.tokens;
  const logout = async (token: string): Promise<boolean> => (await gqlOk(server.url, LOGOUT, { token })).logout;
  const login = async (user: TestUser): Promise<Pair> =>
    (await gqlOk(server.url, LOGIN, { input: { email: user.email, password: user.password } })).login.tokens;
  const me = (accessToken: string) => gql(server.url, ME, {}, accessToken);

  describe('refresh', () => {
    it('when a refresh token is exchanged, then a new working pair comes back and the old refresh token stops working', async () => {
      const user = await registerUser(server.url, 'rotate');
      const data = await gqlOk(server.url, REFRESH, { token: user.refreshToken });
      const next: Pair = data.refresh.tokens;
      expect(data.refresh.user.id).toBe(user.id);
      expect(next.refreshToken).not.toBe(user.refreshToken);
      expect(next.accessToken).toEqual(expect.any(String));
      expect((await gqlOk(server.url, ME, {}, next.accessToken)).me.id).toBe(user.id);

      const reused = onlyError(await refresh(user.refreshToken));
      expect(reused.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('when a rotated refresh token is presented again, then it is refused and its whole family is revoked, the newest token included', async () => {
      const user = await registerUser(server.url, 'theft');
      const second = await refreshOk(user.refreshToken);
      const third = await refreshOk(second.refreshToken);

      const reused = onlyError(await refresh(user.refreshToken));
      expect(reused.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REFRESH_TOKEN_REUSED' });
      expect(reused.message).toMatch(/log in again/);

      const newest = onlyError(await refresh(third.refreshToken));
      expect(newest.extensions?.code).toBe('UNAUTHENTICATED');
      // Signed out: logout has nothing left to revoke.
      expect(await logout(third.refreshToken)).toBe(false);
    });

    it('when the same refresh token is presented twice at once and the winner’s new token is stored last, then that token is revoked too', async () => {
      // A stolen token raced against its owner. The loser detects the reuse and revokes the family;
      // the winner's successor token must not outlive that, even when its insert lands afterwards.
      // Inserts into refresh_tokens are held on an advisory lock this test owns, and released once
      // the loser has answered or is itself blocked behind the winner.
      const user = await registerUser(server.url, 'race');
      const holder = new pg.Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query(`
          CREATE FUNCTION hold_refresh_token_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_advisory_xact_lock(${INSERT_GATE}); RETURN NEW; END $$;
          CREATE TRIGGER hold_refresh_token_inserts BEFORE INSERT ON refresh_tokens
            FOR EACH ROW EXECUTE FUNCTION hold_refresh_token_inserts();`);
        await holder.query('SELECT pg_advisory_lock($1)', [INSERT_GATE]);

        let answered = 0;
        const racing = [refresh(user.refreshToken), refresh(user.refreshToken)].map((p) => p.finally(() => (answered += 1)));
        await waitFor(
          async () => {
            if (answered > 0) return true;
            const { rows } = await holder.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return rows[0]!.n >= 2;
          },
          { description: 'one refresh to answer, or both to wait on locks' },
        );
        await holder.query('SELECT pg_advisory_unlock($1)', [INSERT_GATE]);
        const results = await Promise.all(racing);

        const winners = results.filter((r) => r.data?.refresh);
        expect(winners).toHaveLength(1);
        const loser = onlyError(results.find((r) => !r.data?.refresh)!);
        expect(loser.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REFRESH_TOKEN_REUSED' });
        const { rows } = await sql.query('SELECT id FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
        expect(rows, 'live refresh tokens after a detected reuse').toEqual([]);
        expect(onlyError(await refresh(winners[0]!.data.refresh.tokens.refreshToken)).extensions?.code).toBe('UNAUTHENTICATED');
      } finally {
        // Let held inserts go first: dropping the trigger waits for them.
        await holder.query('SELECT pg_advisory_unlock_all()');
        await holder.query(`
          DROP TRIGGER IF EXISTS hold_refresh_token_inserts ON refresh_tokens;
          DROP FUNCTION IF EXISTS hold_refresh_token_inserts();`);
        await holder.end();
      }
    });

    it('when one login’s family is revoked for reuse, then another login of the same user keeps working', async () => {
      const user = await registerUser(server.url, 'devices');
      const otherDevice = await login(user);
      await refreshOk(user.refreshToken);
      expect(onlyError(await refresh(user.refreshToken)).extensions?.code).toBe('UNAUTHENTICATED');

      const stillValid = await refreshOk(otherDevice.refreshToken);
      expect((await gqlOk(server.url, ME, {}, stillValid.accessToken)).me.id).toBe(user.id);
    });

    it('when a refresh token is unknown, then it answers UNAUTHENTICATED', async () => {
      const error = onlyError(await refresh('not-a-refresh-token'));
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('when a refresh token has expired, then it answers UNAUTHENTICATED saying so', async () => {
      const user = await registerUser(server.url, 'stale');
      const { rowCount } = await sql.query(
        `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND rotated_at IS NULL AND revoked_at IS NULL`,
        [user.id],
      );
      expect(rowCount).toBe(1);
      const error = onlyError(await refresh(user.refreshToken));
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
      expect(error.message).toMatch(/expired/);
    });

    it('when refresh tokens are issued, then the database holds only their hashes, never the token itself', async () => {
      const user = await registerUser(server.url, 'hashed');
      const rotated = await refreshOk(user.refreshToken);
      const { rows } = await sql.query<{ row: string }>('SELECT row_to_json(t)::text AS row FROM refresh_tokens t WHERE user_id = $1', [
        user.id,
      ]);
      expect(rows).toHaveLength(2);
      for (const token of [user.refreshToken, rotated.refreshToken]) {
        for (const { row } of rows) expect(row).not.toContain(token);
      }
    });
  });

  describe('logout', () => {
    it('when logging out, then it answers true, the refresh token stops working, and a second logout answers false', async () => {
      const user = await registerUser(server.url, 'bye');
      expect(await logout(user.refreshToken)).toBe(true);
      const error = onlyError(await refresh(user.refreshToken));
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await logout(user.refreshToken)).toBe(false);
    });

    it('when logging out with an already rotated token, then the login’s current refresh token is revoked too', async () => {
      const user = await registerUser(server.url, 'byeold');
      const current = await refreshOk(user.refreshToken);
      expect(await logout(user.refreshToken)).toBe(true);
      expect(onlyError(await refresh(current.refreshToken)).extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('when logging out with an unknown token, then it answers false', async () => {
      expect(await logout('never-issued')).toBe(false);
    });
  });

  describe('access tokens', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(server.url, 'bearer');
    });

    const claims = () => ({ sub: user.id, typ: 'access', iat: nowSeconds(), exp: nowSeconds() + 600 });

    it('when a token is signed HS256 with the server’s secret, then it is accepted (the forging below is sound)', async () => {
      const token = jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS256' });
      expect((await gqlOk(server.url, ME, {}, token)).me.id).toBe(user.id);
    });

    it('when the access token has expired, then it answers UNAUTHENTICATED telling to use refresh', async () => {
      const token = jwt.sign({ ...claims(), iat: nowSeconds() - 960, exp: nowSeconds() - 60 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
      const error = onlyError(await me(token));
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
      expect(error.message).toMatch(/refresh/);
    });

    it.each<[string, () => string]>([
      ['unsigned (alg none)', () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`],
      ['signed HS512 with the right secret', () => jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS512' })],
      ['signed HS256 with another secret', () => jwt.sign(claims(), `${TEST_JWT_SECRET}-other`, { algorithm: 'HS256' })],
      [
        'signed HS256 but not an access token (typ refresh)',
        () => jwt.sign({ ...claims(), typ: 'refresh' }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
      ],
      [
        'with its payload altered after signing',
        () => {
          const [header, , signature] = jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS256' }).split('.');
          return `${header}.${base64url({ ...claims(), sub: '00000000-0000-0000-0000-000000000000' })}.${signature}`;
        },
      ],
      [
        'claiming HS256 but signed with an HMAC over a different header',
        () => {
          const body = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims())}`;
          const signature = createHmac('sha256', TEST_JWT_SECRET).update(`${body}x`).digest('base64url');
          return `${body}.${signature}`;
        },
      ],
      ['not a JWT at all', () => 'garbage'],
    ])('when the access token is %s, then it is refused as invalid', async (_what, forge) => {
      const error = onlyError(await me(forge()));
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' });
    });
  });

  describe('graphql-ws connection_init', () => {
    let user: TestUser;
    const clients: Client[] = [];
    beforeAll(async () => {
      user = await registerUser(server.url, 'socket');
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
    });

    it('when the token is valid, then the connection is acknowledged', async () => {
      clients.push(await connectWs(server.wsUrl, user.accessToken));
    });

    it.each<[string, () => string | undefined]>([
      ['a bad token', () => 'not-a-token'],
      [
        'a token signed with another secret',
        () => jwt.sign({ sub: user.id, typ: 'access' }, `${TEST_JWT_SECRET}-other`, { expiresIn: 600 }),
      ],
      [
        'an expired token',
        () =>
          jwt.sign({ sub: user.id, typ: 'access', iat: nowSeconds() - 960, exp: nowSeconds() - 60 }, TEST_JWT_SECRET, {
            algorithm: 'HS256',
          }),
      ],
      ['no token at all', () => undefined],
    ])('when connecting with %s, then the socket closes with 4403', async (_what, token) => {
      expect(await closeCodeOfConnecting(server.wsUrl, token())).toBe(4403);
    });
  });
});
