// A real server on a free port, over a real database (and Redis when given), as a test's peer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/infra/logger.js';

/** Shared by every instance of a test, so a token from one is valid on the other. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export type TestApp = {
  url: string;
  wsUrl: string;
  port: number;
  app: App;
  deps: Deps;
  stop(): Promise<void>;
};

export type TestAppOptions = {
  databaseUrl: string;
  redisUrl?: string;
  redisPrefix?: string;
  /** Extra environment, as the process would see it (e.g. SEND_TIMEOUT). */
  env?: Record<string, string>;
  /** false: this instance runs no stream worker. */
  worker?: boolean;
};

/** The environment every test server starts from (in process or as a child process). */
export function testServerEnv(dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    SERVER_PORT: '0',
    HOST: '127.0.0.1',
    BCRYPT_COST: '4',
    // Limits are off unless a test turns them on: tests send far faster than people do.
    SEND_RATE_PER_SECOND: '0',
    LOGIN_ATTEMPTS_PER_MINUTE: '0',
    REGISTER_RATE_PER_HOUR: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: dataDir,
  };
}

export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chat-test-'));
  const config = loadConfig({
    ...testServerEnv(dataDir),
    DATABASE_URL: options.databaseUrl,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: options.redisPrefix ?? 'test:' } : {}),
    ...options.env,
  });
  const deps = await createDeps(config, createLogger(config.logLevel));
  const app = buildApp(deps, { worker: options.worker ?? true });
  const { url, port } = await app.start();
  let stopped = false;
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    app,
    deps,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.stop();
      await deps.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
