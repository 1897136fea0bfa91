// A database of its own for each test file (or test): created on the server global setup provides,
// migrated with the app's own runner, dropped afterwards. Tests never share tables.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../src/infra/db/migrate.js';
import { createLogger } from '../../src/infra/logger.js';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Drops the database, first disconnecting whatever still uses it. Safe to call twice. */
  drop(): Promise<void>;
}

export async function createTestDatabase({ migrate: runMigrations = true }: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const name = `${inject('databaseNamePrefix')}${process.env.VITEST_POOL_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));

  const url = databaseUrl(adminUrl, name);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await withAdmin(adminUrl, async (client) => {
      // pg's pool.end() resolves before its sockets are closed: give them a moment, because a
      // forced drop kills them with an error that a pool without an 'error' listener throws.
      for (let i = 0; i < 100; i++) {
        const { rows: active } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (Number(active[0]?.n) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { rows } = await client.query<{ v: string }>('SHOW server_version_num');
      if (Number(rows[0]?.v) >= 130000) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } else {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      }
    });
  };

  if (runMigrations) {
    try {
      await migrate(url, createLogger(process.env.TEST_LOG_LEVEL ?? 'warn'));
    } catch (error) {
      await drop().catch(() => undefined);
      throw error;
    }
  }
  return { url, drop };
}

async function withAdmin<T>(adminUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

function quoteIdent(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
