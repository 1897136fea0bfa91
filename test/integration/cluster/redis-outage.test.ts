import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { connectWs, errorCode, gql, gqlOk, registerUser, SEND } from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

// Redis is reached through a TCP proxy the test cuts and restores: an outage of the broker while
// PostgreSQL stays up. Nothing may hang, and nothing sent may be lost or doubled.
describeRedis('when Redis goes away and comes back', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = new URL(redisUrlForTests()!);
    proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
    server = await startTestApp({
      databaseUrl: db.url,
      redisUrl: proxy.url(redisUrlForTests()!),
      redisPrefix: uniqueRedisPrefix(),
      env: { SEND_TIMEOUT: '1s' },
    });
  });
  afterAll(async () => {
    await proxy?.restore().catch(() => undefined);
    await server?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('then a send answers UNAVAILABLE within its bound, a new socket is closed with 1013 (retry), and after it the retried send is stored once', async () => {
    const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: 'before' } }, alice.accessToken);
    const ready = () => fetch(server.url.replace(/\/graphql$/, '/ready')).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await ready()).toMatchObject({ status: 200, body: { redis: { ok: true } } });

    await proxy.cut();
    const notReady = await ready();
    expect(notReady).toMatchObject({ status: 503, body: { status: 'not ready', redis: { ok: false }, postgres: { ok: true } } });
    expect(typeof notReady.body.redis.error).toBe('string');
    const clientMessageId = randomUUID();
    const started = Date.now();
    const during = await gql(server.url, SEND, { input: { recipientId: bob.id, content: 'during', clientMessageId } }, alice.accessToken);
    expect(errorCode(during)).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3_000);
    const closed = await connectWs(server.wsUrl, bob.accessToken).then(
      () => undefined,
      (error: { event?: { code?: number } }) => error.event?.code,
    );
    expect(closed).toBe(1013);

    await proxy.restore();
    await waitFor(async () => (await ready()).status === 200, { timeoutMs: 20_000, description: '/ready once Redis is back' });
    const retried = await waitFor(
      async () => {
        const result = await gql(
          server.url,
          SEND,
          { input: { recipientId: bob.id, content: 'during', clientMessageId } },
          alice.accessToken,
        );
        return result.data?.sendMessage;
      },
      { timeoutMs: 20_000, intervalMs: 200, description: 'the retried send to succeed once Redis is back' },
    );
    expect(retried).toMatchObject({ content: 'during', clientMessageId, seq: 2 });

    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const { rows } = await check.query('SELECT content, seq FROM messages ORDER BY seq');
      expect(rows).toEqual([
        { content: 'before', seq: 1 },
        { content: 'during', seq: 2 },
      ]);
    } finally {
      await check.end();
    }
  }, 60_000);
});
