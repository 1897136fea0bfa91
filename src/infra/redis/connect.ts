import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';

/**
 * A Redis connection that is up before it is returned, with a message saying what to do when it
 * is not. Commands wait through reconnects rather than failing at the first blip.
 *
 * With `autoPipelining`, the commands issued in one turn of the event loop leave in one write
 * (ioredis sends them at setImmediate): the XADDs of concurrent sends, their publishes and acks,
 * cost one system call between them instead of one each. Not for blocking or subscriber connections.
 */
export async function connectRedis(
  url: string,
  name: string,
  logger: Logger,
  { timeoutMs = 5000, autoPipelining = false }: { timeoutMs?: number; autoPipelining?: boolean } = {},
): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    enableAutoPipelining: autoPipelining,
  });
  redis.on('error', (error) => logger.warn({ err: error, connection: name }, 'Redis connection error; reconnecting'));
  try {
    await withTimeout(redis.connect(), timeoutMs);
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Cannot reach Redis at ${redactUrl(url)} (${(error as Error).message}). Start Redis, fix REDIS_URL, or unset REDIS_URL to use the in-process engine.`,
    );
  }
  return redis;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
