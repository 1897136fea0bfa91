import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, pendingMigrations } from '../../../src/infra/db/migrate.js';
import { createLogger } from '../../../src/infra/logger.js';
import { createTestDatabase } from '../../helpers/database.js';

const logger = createLogger('silent');
const repoMigrations = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emptyDatabase(): Promise<string> {
  const db = await createTestDatabase({ migrate: false });
  cleanups.push(db.drop);
  return db.url;
}

/** A scratch copy of prisma/migrations that a test may edit or extend. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(repoMigrations, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

async function migrationNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('migrate', () => {
  it('when the database is empty, then it creates the tables and records each migration with the sha256 of its file', async () => {
    const url = await emptyDatabase();
    const names = await migrationNames(repoMigrations);
    expect(names.length).toBeGreaterThan(0);

    const { applied } = await migrate(url, logger);

    expect(applied).toEqual(names);
    const tables = await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'conversation_members', 'conversations', 'messages', 'refresh_tokens', 'users']),
    );
    const rows = await query<{
      id: string;
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      logs: string | null;
      applied_steps_count: number;
    }>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    const expected = await Promise.all(
      names.map(async (name) => ({
        migration_name: name,
        checksum: createHash('sha256')
          .update(await readFile(path.join(repoMigrations, name, 'migration.sql')))
          .digest('hex'),
      })),
    );
    expect(rows.map(({ migration_name, checksum }) => ({ migration_name, checksum }))).toEqual(expected);
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("when it creates the history table, then the table is Prisma's, column for column", async () => {
    const url = await emptyDatabase();
    await migrate(url, logger);

    const columns = await query(
      url,
      `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', length: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', length: 64, is_nullable: 'NO', column_default: null },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'YES', column_default: null },
      { column_name: 'migration_name', data_type: 'character varying', length: 255, is_nullable: 'NO', column_default: null },
      { column_name: 'logs', data_type: 'text', length: null, is_nullable: 'YES', column_default: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'YES', column_default: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'applied_steps_count', data_type: 'integer', length: null, is_nullable: 'NO', column_default: '0' },
    ]);
  });

  it('when every migration is applied, then a second run applies nothing', async () => {
    const url = await emptyDatabase();
    await migrate(url, logger);

    const second = await migrate(url, logger);

    expect(second.applied).toEqual([]);
    const rows = await query<{ count: string }>(url, 'SELECT count(*) FROM "_prisma_migrations"');
    expect(Number(rows[0]?.count)).toBe((await migrationNames(repoMigrations)).length);
  });

  it('when two instances migrate the same empty database at once, then both succeed and each migration is applied exactly once', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    // A slow step widens the window in which the second instance must wait for the first.
    await addMigration(dir, '29991231000000_slow', 'SELECT pg_sleep(0.3);\nCREATE TABLE "slow_probe" ("id" INTEGER);\n');
    const names = await migrationNames(dir);

    const [a, b] = await Promise.all([migrate(url, logger, { migrationsDir: dir }), migrate(url, logger, { migrationsDir: dir })]);

    expect([...a.applied, ...b.applied].sort()).toEqual(names);
    const rows = await query<{ migration_name: string; n: string }>(
      url,
      'SELECT migration_name, count(*) AS n FROM "_prisma_migrations" GROUP BY migration_name ORDER BY migration_name',
    );
    expect(rows).toEqual(names.map((name) => ({ migration_name: name, n: '1' })));
  });

  it('when an applied migration has been edited, then it refuses to start and names the migration', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    const [first] = await migrationNames(dir);
    await migrate(url, logger, { migrationsDir: dir });

    await appendFile(path.join(dir, first!, 'migration.sql'), '\n-- an afterthought\n');

    await expect(migrate(url, logger, { migrationsDir: dir })).rejects.toThrow(
      new RegExp(`migration ${first} was edited after it was applied`),
    );
  });

  it('when an applied migration only changed line endings, then it is not an edit', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    const [first] = await migrationNames(dir);
    await migrate(url, logger, { migrationsDir: dir });
    const file = path.join(dir, first!, 'migration.sql');

    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));

    await expect(migrate(url, logger, { migrationsDir: dir })).resolves.toEqual({ applied: [] });
  });

  it('when a migration is recorded as failed, then it refuses to start and says how to resolve it', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(url, logger, { migrationsDir: dir });
    await query(
      url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ('00000000-0000-4000-8000-000000000000', 'x', '29991231000000_broken')`,
    );

    await expect(migrate(url, logger, { migrationsDir: dir })).rejects.toThrow(
      /29991231000000_broken is recorded as failed.*migrate resolve/s,
    );
  });

  it('when a migration fails, then it is rolled back, not recorded, and the error gives its name and line', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await addMigration(dir, '29991231000000_typo', 'CREATE TABLE "half_done" ("id" INTEGER);\nSELEC 1;\n');

    await expect(migrate(url, logger, { migrationsDir: dir })).rejects.toThrow(/migration 29991231000000_typo failed at line 2/);

    expect(await query(url, `SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
    expect(await pendingMigrations(url, { migrationsDir: dir })).toEqual(['29991231000000_typo']);
  });
});

describe('pendingMigrations', () => {
  it('when nothing was ever migrated, then it lists every migration on disk', async () => {
    const url = await emptyDatabase();

    expect(await pendingMigrations(url)).toEqual(await migrationNames(repoMigrations));
  });

  it('when a new migration arrives on disk, then it lists only that one until it is applied', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(url, logger, { migrationsDir: dir });
    expect(await pendingMigrations(url, { migrationsDir: dir })).toEqual([]);

    await addMigration(dir, '29991231000000_next', 'CREATE TABLE "next_probe" ("id" INTEGER);\n');

    expect(await pendingMigrations(url, { migrationsDir: dir })).toEqual(['29991231000000_next']);
    expect((await migrate(url, logger, { migrationsDir: dir })).applied).toEqual(['29991231000000_next']);
    expect(await pendingMigrations(url, { migrationsDir: dir })).toEqual([]);
  });
});
