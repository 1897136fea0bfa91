// Applies prisma/migrations at start without Prisma's schema engine (a native download we cannot
// rely on). The history lives in Prisma's own `_prisma_migrations` table, written the way Prisma
// writes it, so `prisma migrate deploy` / `migrate status` run elsewhere see the same history.
// Unlike Prisma, each migration runs inside a transaction, so a failed one leaves nothing behind;
// statements PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY, ...) are not supported.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { defaultMigrationsDir, MigrationError, readMigrations, type MigrationFile } from './migration-files.js';

export { MigrationError };

/** The key `prisma migrate` locks, so our runner and Prisma's exclude each other too. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

// Prisma's DDL for PostgreSQL, column for column.
const CREATE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationOptions {
  /** Defaults to prisma/migrations of this package. */
  migrationsDir?: string;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Applies the migrations not applied yet, in name order, each in its own transaction, under
 * Prisma's advisory lock: of several instances starting together one applies, the others wait and
 * then find nothing to do. Refuses (MigrationError) when the history shows a failed migration or an
 * applied one whose file has since been edited.
 */
export async function migrate(databaseUrl: string, logger: Logger, opts: MigrationOptions = {}): Promise<{ applied: string[] }> {
  const files = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir());
  const client = await connect(databaseUrl);
  try {
    await acquireLock(client, logger);
    await client.query(CREATE_HISTORY_TABLE);
    const history = await readHistory(client);
    const done = checkHistory(files, history, logger);
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file.name)) continue;
      await applyMigration(client, file, logger);
      applied.push(file.name);
    }
    logger.info({ applied: applied.length, total: files.length }, applied.length ? 'database migrated' : 'database schema up to date');
    return { applied };
  } finally {
    // Ending the session releases the advisory lock.
    await client.end().catch(() => undefined);
  }
}

/** Names of the migrations on disk that are not applied successfully yet. Cheap: for GET /ready. */
export async function pendingMigrations(databaseUrl: string, opts: MigrationOptions = {}): Promise<string[]> {
  const files = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir());
  const client = await connect(databaseUrl);
  try {
    const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`);
    if (!rows[0]?.exists) return files.map((file) => file.name);
    const done = new Set(
      (await readHistory(client)).filter((row) => row.finished_at && !row.rolled_back_at).map((row) => row.migration_name),
    );
    return files.filter((file) => !done.has(file.name)).map((file) => file.name);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A client whose connection errors surface through the query being awaited. Without an 'error'
 * listener, a connection the server drops (restart, pg_terminate_backend) would crash the process.
 */
async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function acquireLock(client: pg.Client, logger: Logger): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [PRISMA_MIGRATE_LOCK_KEY]);
  if (rows[0]?.locked) return;
  logger.info('another process is migrating this database; waiting for it to finish');
  await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
}

async function readHistory(client: pg.Client): Promise<HistoryRow[]> {
  const { rows } = await client.query<HistoryRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at',
  );
  return rows;
}

/** Returns the names applied successfully; throws when the history forbids going on. */
function checkHistory(files: MigrationFile[], history: HistoryRow[], logger: Logger): Set<string> {
  const onDisk = new Map(files.map((file) => [file.name, file]));
  const problems: string[] = [];
  const done = new Set<string>();
  for (const row of history) {
    if (row.rolled_back_at) continue; // resolved with `prisma migrate resolve --rolled-back`: may run again
    const name = row.migration_name;
    if (!row.finished_at) {
      const logs = row.logs ? ` Its log: ${row.logs.trim().slice(0, 500)}` : '';
      problems.push(
        `migration ${name} is recorded as failed (started, never finished).${logs} Repair the database by hand, then mark it ` +
          `with \`npx prisma migrate resolve --rolled-back ${name}\` (or --applied), or delete its row from "_prisma_migrations".`,
      );
      continue;
    }
    done.add(name);
    const file = onDisk.get(name);
    if (!file) {
      logger.warn(
        { migration: name },
        'migration is applied in the database but missing from prisma/migrations (deleted, or an older build?)',
      );
    } else if (!file.acceptedChecksums.has(row.checksum)) {
      problems.push(
        `migration ${name} was edited after it was applied (checksum of migration.sql on disk ${file.checksum}, recorded ` +
          `${row.checksum}). Restore the applied version (see \`git log -p -- prisma/migrations/${name}\`) and put the change ` +
          'in a new migration.',
      );
    }
  }
  if (problems.length) throw new MigrationError(`refusing to migrate the database:\n- ${problems.join('\n- ')}`);
  return done;
}

async function applyMigration(client: pg.Client, file: MigrationFile, logger: Logger): Promise<void> {
  const started = Date.now();
  const id = randomUUID();
  try {
    await client.query('BEGIN');
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, file.checksum, file.name],
    );
    // No parameters: the simple query protocol, which runs a multi-statement script.
    await client.query(file.sql);
    await client.query('UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(
      `migration ${file.name} failed${describeFailure(error, file.sql)}. It was rolled back and nothing was recorded: ` +
        'fix migration.sql (it has not been applied anywhere yet) and start again.',
      { cause: error },
    );
  }
  logger.info({ migration: file.name, ms: Date.now() - started }, 'applied migration');
}

function describeFailure(error: unknown, sql: string): string {
  if (!(error instanceof Error)) return `: ${String(error)}`;
  const { position } = error as { position?: string };
  const line = position ? ` at line ${sql.slice(0, Number(position)).split('\n').length}` : '';
  return `${line}: ${error.message}`;
}
