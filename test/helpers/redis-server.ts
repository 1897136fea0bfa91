// Redis for the test run (used by test/global-setup.ts): answer "is this URL alive" and start a
// throwaway redis-server from PATH on a free port. No npm package ships a Redis server.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { getFreePort } from './free-port.js';

export const REDIS_INSTALL_HINT = 'install redis-server (`apt-get install -y redis-server`) or set REDIS_URL=redis://host:6379';

/** Resolves when `url` answers PING with PONG; rejects with the connection error otherwise. */
export async function pingRedis(url: string, timeoutMs = 2_000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // reported through the rejected connect/ping below
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${JSON.stringify(reply)}`);
  } finally {
    client.disconnect();
  }
}

/** Absolute path of an executable called `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `binary` on a free loopback port without persistence and waits until it answers PING.
 * Retries on a new port when another process took the chosen one first.
 */
export async function startRedisServer(binary: string, { attempts = 3, readyTimeoutMs = 10_000 } = {}): Promise<RedisServer> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const port = await getFreePort();
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', os.tmpdir(), '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // If the test process dies without teardown, do not leave the server behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);

    const url = `redis://127.0.0.1:${port}`;
    try {
      await waitUntilReady(child, url, readyTimeoutMs, () => output);
      return {
        url,
        port,
        async stop() {
          process.off('exit', killOnExit);
          await stopChild(child);
        },
      };
    } catch (error) {
      process.off('exit', killOnExit);
      await stopChild(child);
      lastError = error instanceof Error ? error : new Error(String(error));
      if (!/address already in use/i.test(output)) break;
    }
  }
  throw lastError ?? new Error('redis-server did not start');
}

async function waitUntilReady(child: ChildProcess, url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`redis-server exited before answering (code ${child.exitCode}): ${output().trim()}`);
    try {
      await pingRedis(url, 500);
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `redis-server did not answer PING on ${url} within ${timeoutMs} ms: ${(error as Error).message}; output: ${output().trim()}`,
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
