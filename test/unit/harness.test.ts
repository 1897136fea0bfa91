// The test harness itself: the servers global setup provides answer, and helpers do what they say.
import { createRequire } from 'node:module';
import { GraphQLError } from 'graphql';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createDeferred, waitFor } from '../helpers/deferred.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL for tests', () => {
  it('when global setup has run, then the provided server accepts a connection', async () => {
    const rows = await query<{ one: number }>(inject('databaseAdminUrl'), 'SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  describe('createTestDatabase', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('when created, then it is migrated', async () => {
      const tables = await query<{ table_name: string }>(
        db.url,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['_prisma_migrations', 'users']));
    });

    it('when dropped while a connection is open, then the database is gone', async () => {
      const other = await createTestDatabase({ migrate: false });
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      client.on('error', () => undefined); // the forced drop terminates this connection
      await other.drop();
      const name = new URL(other.url).pathname.slice(1);
      const rows = await query(inject('databaseAdminUrl'), `SELECT 1 FROM pg_database WHERE datname = '${name}'`);
      expect(rows).toHaveLength(0);
      await client.end().catch(() => undefined);
    });
  });
});

describeRedis('Redis for tests', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(redisUrlForTests()!, { lazyConnect: true });
  });
  afterAll(() => {
    redis?.disconnect();
  });

  it('when pinged, then it answers PONG', async () => {
    await expect(redis.ping()).resolves.toBe('PONG');
  });

  it('when two tests use unique prefixes, then they do not see each other’s keys', async () => {
    const [a, b] = [uniqueRedisPrefix(), uniqueRedisPrefix()];
    await redis.set(`${a}k`, '1', 'EX', 60);
    expect(a).not.toBe(b);
    expect(await redis.keys(`${b}*`)).toEqual([]);
  });
});

describe('test helpers', () => {
  it('when a deferred is resolved later, then waitFor keeps polling until then, and sees it', async () => {
    const deferred = createDeferred<number>();
    let seenAt: number | undefined;
    const seen = waitFor(() => deferred.settled, { intervalMs: 5 }).then((value) => ((seenAt = performance.now()), value));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seenAt).toBeUndefined(); // still waiting: not resolved before the deferred was
    const resolvedAt = performance.now();
    deferred.resolve(42);
    expect(await seen).toBe(true);
    expect(seenAt!).toBeGreaterThanOrEqual(resolvedAt);
    await expect(deferred.promise).resolves.toBe(42);
  });

  it('when the predicate never holds, then waitFor says what it waited for', async () => {
    await expect(waitFor(() => false, { timeoutMs: 50, description: 'the impossible' })).rejects.toThrow(
      /timed out after \d+ ms .* waiting for the impossible; last value: false/,
    );
  });

  it('when tests import graphql, then they get the same copy as Node-loaded libraries (yoga, Pothos)', () => {
    const nodeGraphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
    expect(GraphQLError).toBe(nodeGraphql.GraphQLError);
  });
});
