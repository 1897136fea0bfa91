// Refresh tokens are not kept forever: once expired (rotated and revoked ones too) they are deleted
// by the periodic job, in batches, and live ones stay usable.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteExpiredRefreshTokens } from '../../../src/modules/auth/refresh-token-retention.js';
import { errorCode, gql, gqlOk, registerUser } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';

const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String!) {
    refresh(refreshToken: $token) {
      tokens {
        refreshToken
      }
    }
  }
`;

describe('refresh token retention', () => {
  const server = useTestServer();
  let sql: pg.Client;

  beforeAll(async () => {
    sql = new pg.Client({ connectionString: server.db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
  });

  const count = async () => Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM refresh_tokens')).rows[0]!.n);

  it('when tokens have expired, then the periodic job deletes them, rotated and revoked ones too, and live ones keep working', async () => {
    const expiring = await registerUser(server.url, 'expiring');
    const rotated = await gqlOk(server.url, REFRESH, { token: expiring.refreshToken }); // the first is rotated now
    const live = await registerUser(server.url, 'live');
    await sql.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [expiring.id]);
    const before = await count();

    await server.app.runMaintenance();

    expect(await count()).toBe(before - 2);
    const afterwards = await gql(server.url, REFRESH, { token: rotated.refresh.tokens.refreshToken });
    expect(errorCode(afterwards)).toBe('UNAUTHENTICATED');
    expect((await gqlOk(server.url, REFRESH, { token: live.refreshToken })).refresh.tokens.refreshToken).toBeTruthy();
  });

  it('when thousands have expired, then they are deleted in batches until none is left', async () => {
    const user = await registerUser(server.url, 'many');
    await sql.query(
      `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
       SELECT gen_random_uuid(), $1, gen_random_uuid(), md5(g::text || random()::text), now() - interval '1 hour'
         FROM generate_series(1, 2500) g`,
      [user.id],
    );
    expect(await deleteExpiredRefreshTokens(server.deps.db, { batch: 1000 })).toBe(2500);
    expect(await deleteExpiredRefreshTokens(server.deps.db, { batch: 1000 })).toBe(0);
  });
});
