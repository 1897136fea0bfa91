// PostgreSQL for when DATABASE_URL is unset: a cluster under <dataDir>/postgres, kept across
// restarts, served on a free loopback port chosen at each start. The server runs under
// scripts/embedded-postgres-server.mjs, a child process (see there why), which also stops it when
// this process dies without calling stop().
// To look inside: PGPASSWORD=$(cat .data/postgres.password) psql -h 127.0.0.1 -p <port logged at
// start> -U postgres chat
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../logger.js';
import { ensureDatabase } from './ensure-database.js';
import { packageRoot } from './package-root.js';

export interface EmbeddedPostgresHandle {
  /** postgresql:// URL of `database` (created on first start). */
  url: string;
  /** postgresql:// URL of the `postgres` database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  /** Stops PostgreSQL cleanly and waits for it. Safe to call twice. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in <dataDir>/postgres, its password in <dataDir>/postgres.password. */
  dataDir: string;
  logger: Logger;
  /** Database created if missing, that `url` points to. Default `chat`. */
  database?: string;
  /** Default 120 s: initdb on a slow disk takes a while. */
  startTimeoutMs?: number;
}

type ServerMessage =
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; source: 'postgres' | 'supervisor'; msg: string }
  | { type: 'ready'; port: number; pid: number }
  | { type: 'error'; message: string };

const STOP_TIMEOUT_MS = 30_000;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.logger.child({ component: 'embedded-postgres' });
  const dataDir = path.resolve(opts.dataDir);
  const clusterDir = path.join(dataDir, 'postgres');
  const database = opts.database ?? 'chat';
  const initialise = await needsInitdb(clusterDir);
  const password = await clusterPassword(dataDir, initialise);

  const started = Date.now();
  log.info(
    { clusterDir },
    initialise ? 'initialising embedded PostgreSQL (first start takes a few seconds)' : 'starting embedded PostgreSQL',
  );
  const server = await spawnServer({ clusterDir, password, initialise }, log, opts.startTimeoutMs ?? 120_000);

  const base = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${server.port}`;
  const adminUrl = `${base}/postgres`;
  try {
    if (await ensureDatabase(adminUrl, database)) log.info({ database }, 'created database');
  } catch (error) {
    await server.stop();
    throw error;
  }
  log.info({ port: server.port, database, ms: Date.now() - started }, 'embedded PostgreSQL ready');
  return { url: `${base}/${encodeURIComponent(database)}`, adminUrl, port: server.port, stop: server.stop };
}

/** initdb only where there is no cluster yet; a directory holding something else is not ours to wipe. */
async function needsInitdb(clusterDir: string): Promise<boolean> {
  const entries: string[] = await readdir(clusterDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length === 0) return true;
  if (entries.includes('PG_VERSION')) return false;
  throw new Error(
    `${clusterDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION): an interrupted first start? ` +
      'Move it away or delete it, and start again.',
  );
}

/**
 * A random password per cluster, so that other local users cannot log in on the loopback port,
 * kept beside the cluster (like the generated JWT secret) because the cluster remembers it.
 */
async function clusterPassword(dataDir: string, initialise: boolean): Promise<string> {
  const file = path.join(dataDir, 'postgres.password');
  if (initialise) {
    const password = randomBytes(18).toString('hex');
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new Error(
      `cannot read ${file}, the password of the embedded PostgreSQL cluster in ${path.join(dataDir, 'postgres')} ` +
        `(${(error as Error).message}). Restore the file, or delete the cluster directory to start with an empty database.`,
      { cause: error },
    );
  }
}

function spawnServer(
  config: { clusterDir: string; password: string; initialise: boolean },
  log: Logger,
  timeoutMs: number,
): Promise<{ port: number; stop(): Promise<void> }> {
  const script = path.join(packageRoot(), 'scripts', 'embedded-postgres-server.mjs');
  const child = spawn(process.execPath, [script], {
    // Its stdin is how it notices our death. Detached: a Ctrl-C in the terminal reaches only us,
    // and PostgreSQL stays up while we drain; we stop it last.
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, EMBEDDED_PG_CONFIG: JSON.stringify(config) },
  });
  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      setReferenced(child, true);
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        log.error({ pid: child.pid }, `embedded PostgreSQL did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing its supervisor`);
        child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      log.info('embedded PostgreSQL stopped');
    })());

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().finally(() => reject(new Error(`embedded PostgreSQL did not start: ${message}`)));
    };
    const timer = setTimeout(
      () => fail(`not ready within ${timeoutMs / 1000} s (raise the log level to debug to see PostgreSQL's own output)`),
      timeoutMs,
    );

    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = parse(line);
      if (!message) return log.warn({ line }, 'unexpected output from the embedded PostgreSQL supervisor');
      if (message.type === 'log') return log[message.level]({ source: message.source }, message.msg);
      if (message.type === 'error') {
        if (settled) return log.error(message.message);
        return fail(message.message);
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // From here on the child must not keep us alive: an app that exits without stop() closes
      // the child's stdin, and the child then stops PostgreSQL.
      setReferenced(child, false);
      log.debug({ port: message.port, pid: message.pid }, 'postmaster up');
      resolve({ port: message.port, stop });
    });
    // Only a crash of the supervisor itself writes here (a stack trace): keep its end for the error.
    const stderrTail: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.warn({ source: 'supervisor' }, line);
      if (stderrTail.push(line) > 20) stderrTail.shift();
    });
    child.once('error', (error) => fail(`cannot run ${script}: ${error.message}`));
    // 'close', not 'exit': by then its last stdout/stderr lines (the reason it failed) have been read.
    child.once('close', (code, signal) => {
      const output = stderrTail.length ? `; its output:\n${stderrTail.join('\n')}` : '';
      if (!settled) return fail(`its supervisor ${script} exited (code ${code}, signal ${signal}) before PostgreSQL was ready${output}`);
      if (!stopping) log.error({ code, signal }, 'embedded PostgreSQL stopped unexpectedly; database calls will fail');
    });
  });
}

function parse(line: string): ServerMessage | undefined {
  try {
    const value = JSON.parse(line) as ServerMessage;
    return typeof value === 'object' && value !== null && 'type' in value ? value : undefined;
  } catch {
    return undefined;
  }
}

function setReferenced(child: ChildProcess, referenced: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as Array<Partial<Pick<Socket, 'ref' | 'unref'>> | null>) {
    if (referenced) handle?.ref?.();
    else handle?.unref?.();
  }
}
