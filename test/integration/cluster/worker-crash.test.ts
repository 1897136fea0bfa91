import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

// Instance A takes the sends but runs no worker; process B is the only worker and SIGKILLs itself
// right after its first commit, before publishing or acking. Instance C, started afterwards, must
// claim B's pending entries and finish them: every send answered, stored once, delivered once.
// B's worker runs on its own thread (WORKER_THREAD), C's on the main event loop: both ways are covered.
describeRedis('a worker killed with SIGKILL mid-batch', () => {
  let db: TestDatabase;
  let a: TestApp | undefined;
  let b: ServerProcess | undefined;
  let c: TestApp | undefined;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await b?.kill('SIGKILL');
    await Promise.all([a?.stop(), c?.stop()]);
    await db?.drop();
  });

  it('when the worker dies between commit and ack, then a live instance claims its entries: nothing lost, nothing doubled', async () => {
    const redis = { REDIS_URL: redisUrlForTests()!, REDIS_KEY_PREFIX: uniqueRedisPrefix() };
    a = await startTestApp({
      databaseUrl: db.url,
      redisUrl: redis.REDIS_URL,
      redisPrefix: redis.REDIS_KEY_PREFIX,
      worker: false,
      env: { SEND_TIMEOUT: '30s' },
    });
    [alice, bob] = await Promise.all([registerUser(a.url, 'alice'), registerUser(a.url, 'bob')]);
    const bobDevice = await connectWs(a.wsUrl, bob.accessToken);
    const feed = collect(bobDevice, MESSAGE_RECEIVED);
    await waitFor(() => a!.app.services.feeds.listenerCount(bob.id) === 1);

    b = await startServerProcess({
      ...redis,
      DATABASE_URL: db.url,
      CHAT_FAILPOINT: 'kill-after-commit',
      WORKER_CLAIM_IDLE: '1s',
      WORKER_THREAD: 'true',
    });
    const count = 20;
    const sends = Array.from({ length: count }, (_, i) =>
      gqlOk(a!.url, SEND, { input: { recipientId: bob.id, content: `m${i}`, clientMessageId: randomUUID() } }, alice.accessToken),
    );
    const death = await b.exited;
    expect(death.signal).toBe('SIGKILL');

    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const committedBeforeRecovery = Number((await pool.query('SELECT count(*) FROM messages')).rows[0].count);
      expect(committedBeforeRecovery).toBeGreaterThan(0); // B did commit before it died

      c = await startTestApp({
        databaseUrl: db.url,
        redisUrl: redis.REDIS_URL,
        redisPrefix: redis.REDIS_KEY_PREFIX,
        env: { WORKER_CLAIM_IDLE: '1s' },
      });
      const answers = (await Promise.all(sends)).map((r) => r.sendMessage);

      const rows = (await pool.query('SELECT id, seq FROM messages ORDER BY seq')).rows;
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(new Set(answers.map((m) => m.id))).toEqual(new Set(rows.map((r) => r.id)));

      const events = await feed.until(count, 15_000);
      expect(new Set(events.map((e) => e.messageReceived.id)).size).toBe(count);
      // A later message proves no late duplicate is still on its way.
      const last = await gqlOk(a.url, SEND, { input: { recipientId: bob.id, content: 'after' } }, alice.accessToken);
      await waitFor(() => feed.events.some((e) => e.messageReceived.id === last.sendMessage.id));
      expect(feed.events).toHaveLength(count + 1);
    } finally {
      await pool.end();
      await bobDevice.dispose();
    }
  }, 90_000);
});
