// Cost must not grow with stored history: every statement a hot-path operation causes is planned
// against a database holding hundreds of thousands of rows, with fresh statistics, so that the
// planner would choose a sequential scan wherever no index fits, and no plan may contain one on the
// tables that grow with use.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedHistory } from '../../../scripts/seed-history.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { registerUser } from '../../helpers/graphql.js';
import { explain, isExplainable, sequentialScans } from '../../helpers/query-plans.js';
import { startSqlCaptureProxy, type CapturedStatement, type SqlCaptureProxy } from '../../helpers/sql-capture-proxy.js';
import { HOT_PATH_OPERATIONS, type HotPathContext } from './hot-path-operations.js';

/** Tables that grow with use; a full read of any of them on a hot path is a defect. */
const GROWING_TABLES = [
  'messages',
  'conversation_members',
  'refresh_tokens',
  'users',
  'conversations',
  'conversation_events',
  'membership_history',
  'uploads',
];
const SEEDED_MESSAGES = 300_000;

describe('hot-path query plans over a large stored history', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let proxy: SqlCaptureProxy;
  let server: TestApp;
  let context: HotPathContext;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // 15,000 users and conversations, 30,000 memberships, 15,000 refresh tokens, 300,000 messages.
    await seedHistory(pool, { messages: SEEDED_MESSAGES, perConversation: 20 });
    const target = new URL(db.url);
    proxy = await startSqlCaptureProxy(target.hostname, Number(target.port || 5432));
    server = await startTestApp({ databaseUrl: proxy.url(db.url) });
    const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM conversations WHERE direct_key IS NOT NULL ORDER BY direct_key LIMIT 1`,
    );
    const seededConversationId = rows[0]!.id;
    await pool.query('INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2)', [seededConversationId, alice.id]);
    context = {
      url: server.url,
      wsUrl: server.wsUrl,
      alice,
      bob,
      seededConversationId,
      runMaintenance: () => server.app.runMaintenance(),
      state: {},
    };
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await pool?.end();
    await db?.drop();
  });

  it('when seeded, then the tables are large enough for the planner to prefer an index', async () => {
    const { rows } = await pool.query<{ relname: string; n: string }>(
      `SELECT relname, reltuples::bigint AS n FROM pg_class WHERE relname = ANY($1) AND relkind = 'r'`,
      [GROWING_TABLES],
    );
    const sizes = Object.fromEntries(rows.map((r) => [r.relname, Number(r.n)]));
    expect(sizes.messages).toBeGreaterThanOrEqual(SEEDED_MESSAGES * 0.9);
    for (const table of GROWING_TABLES) expect(sizes[table], table).toBeGreaterThanOrEqual(table === 'membership_history' ? 3_000 : 10_000);
  });

  for (const operation of HOT_PATH_OPERATIONS) {
    it(`when running "${operation.name}", then no statement reads a growing table sequentially`, async () => {
      proxy.start();
      let recorded: CapturedStatement[];
      try {
        await operation.run(context);
      } finally {
        recorded = proxy.stop();
      }
      const statements = uniqueBySql(recorded.filter(isExplainable));
      expect(statements.length, 'statements captured').toBeGreaterThan(0);
      if (process.env.HOT_PATH_DEBUG)
        console.log(
          operation.name,
          statements.map((s) => s.sql),
        );
      const offenders: string[] = [];
      for (const statement of statements) {
        const scanned = sequentialScans(await explain(pool, statement)).filter((t) => GROWING_TABLES.includes(t));
        if (scanned.length > 0) offenders.push(`Seq Scan on ${scanned.join(', ')}:\n  ${statement.sql}`);
      }
      expect(offenders, offenders.join('\n\n')).toEqual([]);
    });
  }

  it('when the worker commits, then its statements were among those checked', async () => {
    const captured = async (name: string) => {
      proxy.start();
      await HOT_PATH_OPERATIONS.find((o) => o.name.includes(name))!.run(context);
      return proxy.stop().map((s) => s.sql);
    };
    const lookup = (sql: string) => /FROM messages/i.test(sql) && /client_message_id/.test(sql);
    // A new message is inserted without looking for earlier copies first.
    const fresh = await captured('worker commit');
    expect(fresh.some((sql) => /INSERT INTO messages/i.test(sql))).toBe(true);
    expect(fresh.some(lookup)).toBe(false);
    // A retry's insert conflicts; the batch is committed again, looking first.
    const retried = await captured('a retry with the same clientMessageId');
    expect(retried.some(lookup)).toBe(true);
  });
});

function uniqueBySql(statements: CapturedStatement[]): CapturedStatement[] {
  const seen = new Map<string, CapturedStatement>();
  for (const statement of statements) if (!seen.has(statement.sql)) seen.set(statement.sql, statement);
  return [...seen.values()];
}
