// What exists: database, broker connections, bus, stream. Built once, closed once.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './infra/db/embedded-postgres.js';
import { migrate } from './infra/db/migrate.js';
import { createPrismaClient, type Db } from './infra/db/prisma.js';
import { loadOrCreateJwtSecret } from './infra/jwt-secret.js';
import type { Logger } from './infra/logger.js';
import { createMetrics, type Metrics } from './infra/metrics.js';
import { connectRedis, redactUrl } from './infra/redis/connect.js';
import { topics as makeTopics, type Bus, type Topics } from './modules/realtime/bus.js';
import { createMemoryBus } from './modules/realtime/memory-bus.js';
import { createMemoryStream } from './modules/realtime/memory-stream.js';
import { createRedisBus } from './modules/realtime/redis-bus.js';
import { createRedisStream, messageStreamKeys } from './modules/realtime/redis-stream.js';
import type { MessageStream } from './modules/realtime/stream.js';
import type { PresenceStore } from './modules/presence/presence-store.js';
import { createMemoryPresence } from './modules/presence/memory-presence.js';
import { createRedisPresence } from './modules/presence/redis-presence.js';
import { limiterFactory, type LimiterFactory } from './modules/rate-limit/limiters.js';
import type { FileStorage } from './modules/files/file-storage.js';
import { createLocalStorage, type LocalStorage } from './modules/files/local-storage.js';
import { createS3Storage } from './modules/files/s3-storage.js';
import path from 'node:path';

export type Deps = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  instanceId: string;
  databaseUrl: string;
  db: Db;
  /** Raw connections for the worker's batch commits. */
  pool: pg.Pool;
  bus: Bus;
  stream: MessageStream;
  presence: PresenceStore;
  /** Where uploaded files live: local disk (served by this server) or an S3-compatible store. */
  storage: FileStorage | LocalStorage;
  /** Rate limiters: shared through Redis when there is one, in-process otherwise. */
  limiter: LimiterFactory;
  topics: Topics;
  jwtSecret: string;
  engine: 'redis' | 'memory';
  /** PING for /ready; undefined in memory mode. */
  pingRedis?: () => Promise<void>;
  close(): Promise<void>;
};

export async function createDeps(config: Config, logger: Logger): Promise<Deps> {
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error) => logger.warn({ err: error }, 'error while closing'));
  };
  try {
    let embedded: EmbeddedPostgresHandle | undefined;
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
      closers.push(() => embedded!.stop());
      databaseUrl = embedded.url;
    }
    await migrate(databaseUrl, logger);

    const db = createPrismaClient(databaseUrl);
    closers.push(() => db.$disconnect());
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
    closers.push(() => pool.end());

    const instanceId = config.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    // In memory mode topics live in this process only; the prefix matters on a shared Redis.
    const topics = makeTopics(config.redis?.keyPrefix ?? '');
    let bus: Bus;
    let stream: MessageStream;
    let presence: PresenceStore;
    let limiter: LimiterFactory;
    let pingRedis: (() => Promise<void>) | undefined;
    if (config.redis) {
      const connections: Redis[] = [];
      closers.push(async () => Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect()))));
      const [commands, subscriber, blocking] = await Promise.all(
        ['commands', 'subscriber', 'blocking'].map((role) =>
          connectRedis(config.redis!.url, `chat:${instanceId}:${role}`, logger, { autoPipelining: role === 'commands' }),
        ),
      );
      connections.push(commands!, subscriber!, blocking!);
      bus = createRedisBus(commands!, subscriber!);
      stream = createRedisStream({
        redis: commands!,
        blocking: blocking!,
        ...messageStreamKeys(config.redis.keyPrefix),
        deadLetterMax: config.deadLetterMax,
      });
      presence = createRedisPresence(commands!, config.redis.keyPrefix);
      limiter = limiterFactory({ client: commands!, keyPrefix: config.redis.keyPrefix });
      pingRedis = async () => void (await commands!.ping());
      logger.info({ redis: redactUrl(config.redis.url) }, 'using Redis for pub/sub and the message stream');
    } else {
      bus = createMemoryBus();
      stream = createMemoryStream({ deadLetterMax: config.deadLetterMax });
      presence = createMemoryPresence();
      limiter = limiterFactory(undefined);
      logger.info('REDIS_URL not set: using the in-process bus and stream (one instance only)');
    }
    closers.push(() => bus.close());

    const jwtSecret = config.jwtSecret ?? (await loadOrCreateJwtSecret(config.dataDir, logger));
    const storage = config.files.s3
      ? createS3Storage(config.files.s3)
      : createLocalStorage({ dir: path.resolve(config.dataDir, 'files'), secret: jwtSecret });
    if (config.files.s3) closers.push(async () => (storage as ReturnType<typeof createS3Storage>).client.destroy());
    logger.info(
      config.files.s3
        ? { bucket: config.files.s3.bucket, endpoint: config.files.s3.endpoint }
        : { dir: path.resolve(config.dataDir, 'files') },
      config.files.s3 ? 'files go to S3' : 'files go to local disk (S3_BUCKET not set): one instance only',
    );
    return {
      config,
      logger,
      metrics: createMetrics(),
      instanceId,
      databaseUrl,
      db,
      pool,
      bus,
      stream,
      presence,
      storage,
      limiter,
      topics,
      jwtSecret,
      engine: config.redis ? 'redis' : 'memory',
      pingRedis,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
