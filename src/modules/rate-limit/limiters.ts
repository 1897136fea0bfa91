import type { Redis } from 'ioredis';
import { createRedisRateLimiter } from './redis-token-bucket.js';
import { createRateLimiter, type RateLimiter } from './token-bucket.js';

export type LimiterFactory = (name: string, rule: { perSecond: number; burst: number }) => RateLimiter;

/**
 * With Redis, every limit is one bucket per key shared by all instances (two instances must not
 * allow twice the rate); without it, in this process's memory.
 */
export function limiterFactory(redis: { client: Redis; keyPrefix: string } | undefined): LimiterFactory {
  if (!redis) return (_name, rule) => createRateLimiter(rule);
  return (name, rule) => createRedisRateLimiter(redis.client, { name, keyPrefix: redis.keyPrefix, ...rule });
}
