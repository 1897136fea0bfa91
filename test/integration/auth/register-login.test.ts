import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../helpers/test-server.js';
import { waitFor } from '../../helpers/deferred.js';
import { gql, gqlOk, REGISTER, registerUser, SEND, type GraphQLResponse } from '../../helpers/graphql.js';

const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      user {
        id
        username
        email
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

const ME = /* GraphQL */ `
  query {
    me {
      id
      username
      email
      createdAt
    }
  }
`;

const HISTORY = /* GraphQL */ `
  query History($c: ID!) {
    messages(conversationId: $c, last: 10) {
      edges {
        node {
          id
          content
          sender {
            id
            username
            email
          }
        }
      }
    }
  }
`;

/** Advisory lock key the race test holds to delay inserts into users. */
const INSERT_GATE = 7_240_532;

/** A fresh, valid set of credentials; tests change the part they are about. */
function credentials(overrides: Partial<{ email: string; username: string; password: string }> = {}) {
  const id = randomBytes(4).toString('hex');
  return { email: `user_${id}@example.test`, username: `user_${id}`, password: 'correct horse battery', ...overrides };
}

/** The one error of a failed response: no data, exactly one error. */
function onlyError(result: GraphQLResponse) {
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!;
}

describe('register and login', () => {
  const server = useTestServer();

  const register = (input: ReturnType<typeof credentials>) => gql(server.url, REGISTER, { input });
  const login = (input: { email: string; password: string }) => gql(server.url, LOGIN, { input });

  describe('register', () => {
    it('when a user registers with a padded, upper-case email, then it answers the user and a token pair, the email stored trimmed and lowercased', async () => {
      const input = credentials();
      const started = Date.now();
      const data = await gqlOk(server.url, REGISTER, { input: { ...input, email: `  ${input.email.toUpperCase()}\t` } });

      expect(data.register.user).toMatchObject({ id: expect.any(String), username: input.username });
      const me = await gqlOk(server.url, ME, {}, data.register.tokens.accessToken);
      expect(me.me).toMatchObject({ id: data.register.user.id, email: input.email });
      const { accessToken, refreshToken, accessTokenExpiresAt, refreshTokenExpiresAt } = data.register.tokens;
      expect(refreshToken).toEqual(expect.any(String));
      expect(refreshToken).not.toEqual(accessToken);

      // HS256, for this user, expiring after the 15 minute default; the refresh token after 168 hours.
      const decoded = jwt.decode(accessToken, { complete: true });
      expect(decoded?.header.alg).toBe('HS256');
      expect((decoded?.payload as jwt.JwtPayload).sub).toBe(data.register.user.id);
      const accessTtl = Date.parse(accessTokenExpiresAt) - started;
      expect(accessTtl).toBeGreaterThan(15 * 60_000 - 5_000);
      expect(accessTtl).toBeLessThanOrEqual(15 * 60_000 + 5_000);
      const refreshTtl = Date.parse(refreshTokenExpiresAt) - started;
      expect(refreshTtl).toBeGreaterThan(168 * 3_600_000 - 5_000);
      expect(refreshTtl).toBeLessThanOrEqual(168 * 3_600_000 + 5_000);
    });

    it('when the new user asks for me with the access token, then it answers them with their own email', async () => {
      const input = credentials();
      const data = await gqlOk(server.url, REGISTER, { input });
      const me = await gqlOk(server.url, ME, {}, data.register.tokens.accessToken);
      expect(me.me).toMatchObject({ id: data.register.user.id, username: input.username, email: input.email });
    });

    it('when a user registers or logs in, then the payload’s user shows their own email, as they are its viewer', async () => {
      const input = credentials();
      const registered = await gqlOk(server.url, REGISTER, { input: { ...input, email: input.email.toUpperCase() } });
      expect(registered.register.user.email).toBe(input.email);
      const loggedIn = await gqlOk(server.url, LOGIN, { input: { email: input.email, password: input.password } });
      expect(loggedIn.login.user.email).toBe(input.email);
    });

    it('when me is asked without a token, then it answers UNAUTHENTICATED', async () => {
      const error = onlyError(await gql(server.url, ME));
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('when a user reads a message from another user, then the sender’s email is null for them but shown to the sender', async () => {
      const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
      const sent = await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: 'hi bob' } }, alice.accessToken);
      const conversation = sent.sendMessage.conversationId;

      const asBob = await gqlOk(server.url, HISTORY, { c: conversation }, bob.accessToken);
      expect(asBob.messages.edges.map((e: any) => e.node.sender)).toEqual([{ id: alice.id, username: alice.username, email: null }]);
      const asAlice = await gqlOk(server.url, HISTORY, { c: conversation }, alice.accessToken);
      expect(asAlice.messages.edges.map((e: any) => e.node.sender)).toEqual([
        { id: alice.id, username: alice.username, email: alice.email },
      ]);
    });

    it('when an email is registered again differing only in case and spaces, then it answers CONFLICT on email', async () => {
      const first = credentials({ email: `Mixed.${randomBytes(3).toString('hex')}@Example.test` });
      await gqlOk(server.url, REGISTER, { input: first });
      const error = onlyError(await register(credentials({ email: ` ${first.email.toUpperCase()} ` })));
      expect(error.extensions).toMatchObject({ code: 'CONFLICT', field: 'email' });
      expect(error.message).toMatch(/email/i);
    });

    it('when two registrations of one email race past the availability check, then the loser still answers CONFLICT on email', async () => {
      // Inserts into users wait on an advisory lock this test holds until both registrations are
      // blocked there, so both have passed the pre-check and the unique index decides.
      const holder = new pg.Client({ connectionString: server.db.url });
      await holder.connect();
      try {
        await holder.query(`
          CREATE FUNCTION hold_user_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_advisory_xact_lock(${INSERT_GATE}); RETURN NEW; END $$;
          CREATE TRIGGER hold_user_inserts BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION hold_user_inserts();`);
        await holder.query('SELECT pg_advisory_lock($1)', [INSERT_GATE]);
        const first = credentials();
        const racing = [register(first), register(credentials({ email: first.email.toUpperCase() }))];
        await waitFor(
          async () => {
            const { rows } = await holder.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
            );
            return rows[0]!.n === 2;
          },
          { description: 'both registrations to wait at the insert' },
        );
        await holder.query('SELECT pg_advisory_unlock($1)', [INSERT_GATE]);
        const results = await Promise.all(racing);

        expect(results.filter((r) => r.data?.register)).toHaveLength(1);
        const loser = onlyError(results.find((r) => !r.data?.register)!);
        expect(loser.extensions).toMatchObject({ code: 'CONFLICT', field: 'email' });
      } finally {
        // Let held inserts go first: dropping the trigger waits for them.
        await holder.query('SELECT pg_advisory_unlock_all()');
        await holder.query('DROP TRIGGER IF EXISTS hold_user_inserts ON users; DROP FUNCTION IF EXISTS hold_user_inserts();');
        await holder.end();
      }
    });

    it('when a username is registered again, then it answers CONFLICT on username', async () => {
      const first = credentials();
      await gqlOk(server.url, REGISTER, { input: first });
      const error = onlyError(await register(credentials({ username: first.username })));
      expect(error.extensions).toMatchObject({ code: 'CONFLICT', field: 'username' });
      expect(error.message).toContain(first.username);
    });

    it('when a username is registered again in other letter case, then it answers CONFLICT on username, and the first keeps its spelling', async () => {
      const first = credentials();
      const mixed = `Mixed_${first.username}`;
      const registered = await gqlOk(server.url, REGISTER, { input: { ...first, username: mixed } });
      expect(registered.register.user.username).toBe(mixed);
      const error = onlyError(await register(credentials({ username: mixed.toLowerCase() })));
      expect(error.extensions).toMatchObject({ code: 'CONFLICT', field: 'username' });
    });

    it.each([
      ['a 2-character username', { username: 'ab' }, 'username'],
      ['a 33-character username', { username: 'u'.repeat(33) }, 'username'],
      ['a username with a space', { username: 'has space' }, 'username'],
      ['a username with a character outside [A-Za-z0-9_.-]', { username: 'bad!name' }, 'username'],
      ['a username with a non-ASCII letter', { username: 'josé_x' }, 'username'],
      ['an email without @', { email: 'not-an-email' }, 'email'],
      ['an empty email', { email: '   ' }, 'email'],
      ['a 7-character password', { password: 'seven77' }, 'password'],
      ['a password of 4 emoji (8 UTF-16 units, 4 characters)', { password: '😀😀😀😀' }, 'password'],
      ['a 37-character password of 74 bytes', { password: 'é'.repeat(37) }, 'password'],
      ['a 73-byte ASCII password', { password: 'a'.repeat(73) }, 'password'],
    ])('when registering with %s, then it answers BAD_USER_INPUT naming the field', async (_what, override, field) => {
      const error = onlyError(await register(credentials(override)));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(error.message).toContain(field);
    });

    it('when registering boundary values (3 and 32 character usernames, an 8-character password), then they are accepted', async () => {
      const id = randomBytes(2).toString('hex');
      await gqlOk(server.url, REGISTER, { input: credentials({ username: `a.${id.slice(0, 1)}`, password: '12345678' }) });
      await gqlOk(server.url, REGISTER, { input: credentials({ username: `${id}_-.${'z'.repeat(25)}` }) });
    });
  });

  describe('passwords at bcrypt’s 72-byte limit', () => {
    // 36 two-byte characters: 72 bytes, so a multi-byte password sits exactly at the limit.
    const password72 = 'é'.repeat(36);
    let account: ReturnType<typeof credentials>;

    beforeAll(async () => {
      account = credentials({ password: password72 });
      await gqlOk(server.url, REGISTER, { input: account });
    });

    it('when a 72-byte password is registered, then logging in with it succeeds', async () => {
      expect(Buffer.byteLength(password72)).toBe(72);
      const data = await gqlOk(server.url, LOGIN, { input: { email: account.email, password: password72 } });
      const me = await gqlOk(server.url, ME, {}, data.login.tokens.accessToken);
      expect(me.me.email).toBe(account.email);
    });

    it('when logging in with the 72 bytes plus more, then it is refused as over 72 bytes instead of matching bcrypt’s truncation', async () => {
      for (const extra of ['x', 'é', 'anything else']) {
        const result = await login({ email: account.email, password: password72 + extra });
        const error = onlyError(result);
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
        expect(error.message).toMatch(/72 bytes/);
      }
    });
  });

  describe('login', () => {
    let account: ReturnType<typeof credentials>;
    let userId: string;

    beforeAll(async () => {
      account = credentials();
      userId = (await gqlOk(server.url, REGISTER, { input: account })).register.user.id;
    });

    it('when logging in with the right password, then it answers the user and a new token pair that works for me', async () => {
      const data = await gqlOk(server.url, LOGIN, { input: { email: account.email, password: account.password } });
      expect(data.login.user).toMatchObject({ id: userId, username: account.username });
      const me = await gqlOk(server.url, ME, {}, data.login.tokens.accessToken);
      expect(me.me).toMatchObject({ id: userId, email: account.email });
    });

    it('when the email is given in another case with spaces around, then login still succeeds', async () => {
      const data = await gqlOk(server.url, LOGIN, { input: { email: `  ${account.email.toUpperCase()} `, password: account.password } });
      expect(data.login.user.id).toBe(userId);
    });

    it('when the password is wrong or the email unknown, then both answer the same UNAUTHENTICATED error', async () => {
      const wrongPassword = await login({ email: account.email, password: `${account.password}!` });
      const unknownEmail = await login({ email: `nobody_${randomBytes(4).toString('hex')}@example.test`, password: account.password });

      const error = onlyError(wrongPassword);
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
      expect(unknownEmail).toEqual(wrongPassword);
    });

    it('when the password differs only in case, then login is refused', async () => {
      const error = onlyError(await login({ email: account.email, password: account.password.toUpperCase() }));
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
