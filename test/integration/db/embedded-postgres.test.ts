// Slow by nature: each data directory pays for an initdb (about a second here, more on a cold
// CI disk), hence the generous timeouts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../../src/infra/db/embedded-postgres.js';
import { createLogger } from '../../../src/infra/logger.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const TIMEOUT = 120_000;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'embedded-pg-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dataDir: string): Promise<EmbeddedPostgresHandle> {
  const handle = await startEmbeddedPostgres({ dataDir, logger });
  cleanups.push(() => handle.stop());
  return handle;
}

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Pids of the processes whose command line mentions `dir` (postmaster, backends, supervisor). */
async function processesUsing(dir: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const found: number[] = [];
  for (const pid of pids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(Number(pid));
  }
  return found;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(process.platform === 'linux')('embedded PostgreSQL', () => {
  it(
    'when stopped and started again, then the data is still there and no PostgreSQL process is left behind',
    async () => {
      const dataDir = await tempDataDir();
      const clusterDir = path.join(dataDir, 'postgres');

      const first = await start(dataDir);
      expect(new URL(first.url).pathname).toBe('/chat');
      await query(first.url, 'CREATE TABLE notes (body text NOT NULL)');
      await query(first.url, `INSERT INTO notes VALUES ('kept across restarts')`);
      await first.stop();

      expect(await processesUsing(clusterDir)).toEqual([]);
      expect(existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(false);

      const second = await start(dataDir);
      expect(await query(second.url, 'SELECT body FROM notes')).toEqual([{ body: 'kept across restarts' }]);
      expect(await query(second.adminUrl, 'SELECT current_database() AS db')).toEqual([{ db: 'postgres' }]);
      await second.stop();
      await second.stop(); // twice is harmless

      expect(await processesUsing(clusterDir)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'when the process that started it dies without stopping it, then PostgreSQL stops too',
    async () => {
      const dataDir = await tempDataDir();
      const script = path.join(dataDir, 'owner.mts');
      const modulePath = fileURLToPath(new URL('../../../src/infra/db/embedded-postgres.ts', import.meta.url));
      const loggerPath = fileURLToPath(new URL('../../../src/infra/logger.ts', import.meta.url));
      await writeFile(
        script,
        `import { startEmbeddedPostgres } from ${JSON.stringify(modulePath)};
         import { createLogger } from ${JSON.stringify(loggerPath)};
         const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, logger: createLogger('silent') });
         process.stdout.write('ready ' + pg.port + '\\n');
         setInterval(() => {}, 1000);`,
      );
      const owner = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      cleanups.push(async () => owner.kill('SIGKILL'));
      const port = await new Promise<number>((resolve, reject) => {
        owner.stdout.on('data', (chunk: Buffer) => {
          const match = /ready (\d+)/.exec(chunk.toString());
          if (match) resolve(Number(match[1]));
        });
        owner.once('exit', (code) => reject(new Error(`owner exited with code ${code} before PostgreSQL was ready`)));
      });
      expect(await processesUsing(path.join(dataDir, 'postgres'))).not.toEqual([]);

      owner.kill('SIGKILL');

      await eventually(async () => (await processesUsing(path.join(dataDir, 'postgres'))).length === 0);
      const probe = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 2_000 });
      await expect(probe.connect()).rejects.toThrow();
    },
    TIMEOUT,
  );

  it(
    'when a previous run left a postmaster.pid of a dead process, then it starts anyway',
    async () => {
      const dataDir = await tempDataDir();
      const first = await start(dataDir);
      await first.stop();
      const lockFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      // The pid of a process that has certainly exited.
      const dead = spawn(process.execPath, ['-e', '0']);
      await new Promise((resolve) => dead.once('exit', resolve));
      await writeFile(lockFile, `${dead.pid}\n${path.join(dataDir, 'postgres')}\n0\n5432\n\n127.0.0.1\n  0 0\nready\n`);

      const second = await start(dataDir);

      expect(await query(second.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    },
    TIMEOUT,
  );
});
