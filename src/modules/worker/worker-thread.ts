// The message worker on a thread of its own (Redis mode). Its round trips to Redis and PostgreSQL
// wait on an event loop of their own instead of queuing behind socket traffic on the main one; under
// load that queuing was most of a send's latency (an XACK took 5 ms, a BEGIN 2 ms, at 2,400 sends/s).
// It opens its own connections: a pool, and two to Redis (commands, and the blocking read).
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { createLogger } from '../../infra/logger.js';
import { connectRedis } from '../../infra/redis/connect.js';
import { topics as makeTopics } from '../realtime/bus.js';
import { createRedisPublisher } from '../realtime/redis-bus.js';
import { createRedisStream, messageStreamKeys } from '../realtime/redis-stream.js';
import { startMessageWorker } from './message-worker.js';
import { createFigureRecorder, type WorkerFigures } from './worker-metrics.js';

export type WorkerThreadData = {
  databaseUrl: string;
  redisUrl: string;
  keyPrefix: string;
  deadLetterMax: number;
  /** The consumer name in the stream's group: the instance id. */
  consumer: string;
  batchSize: number;
  claimIdleMs: number;
  killAfterCommit: boolean;
  logLevel: string;
};

/** Thread to main: running (its connections are up), figures for /metrics, stopped (all flushed and closed). */
export type FromWorkerThread = { type: 'started' } | { type: 'figures'; figures: WorkerFigures } | { type: 'stopped' };
/** Main to thread: finish the batch in hand (commit, publish, ack), close, and end. */
export type ToWorkerThread = { type: 'stop' };

async function run(port: NonNullable<typeof parentPort>, data: WorkerThreadData) {
  const logger = createLogger(data.logLevel, { thread: 'message-worker' });
  const tell = (message: FromWorkerThread) => port.postMessage(message);
  const pool = new pg.Pool({ connectionString: data.databaseUrl, max: 2 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  const [commands, blocking] = await Promise.all([
    connectRedis(data.redisUrl, `chat:${data.consumer}:worker`, logger, { autoPipelining: true }),
    connectRedis(data.redisUrl, `chat:${data.consumer}:worker-blocking`, logger),
  ]);
  const metrics = createFigureRecorder((figures) => tell({ type: 'figures', figures }));
  const worker = startMessageWorker({
    stream: createRedisStream({
      redis: commands,
      blocking,
      ...messageStreamKeys(data.keyPrefix),
      deadLetterMax: data.deadLetterMax,
    }),
    consumer: data.consumer,
    pool,
    bus: createRedisPublisher(commands),
    topics: makeTopics(data.keyPrefix),
    logger,
    metrics,
    batchSize: data.batchSize,
    claimIdleMs: data.claimIdleMs,
    killAfterCommit: data.killAfterCommit,
  });
  port.once('message', (message: ToWorkerThread) => {
    if (message.type !== 'stop') return;
    void (async () => {
      await worker.stop();
      metrics.flush();
      await Promise.all([commands, blocking].map((c) => c.quit().catch(() => c.disconnect())));
      await pool.end();
      tell({ type: 'stopped' });
      port.close();
    })();
  });
  tell({ type: 'started' });
}

if (parentPort) await run(parentPort, workerData as WorkerThreadData);
