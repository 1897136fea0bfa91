import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import type { RateLimiter } from './token-bucket.js';

// One bucket per key in Redis, shared by every instance: the same rule as the in-process limiter
// (burst at once, then perSecond), on Redis's clock so instances' clocks do not matter. A bucket
// expires once it would be full again: memory follows the active keys only.
// KEYS[1] bucket; ARGV: tokens per ms, burst. Returns 0 if taken, else the ms until a token is back.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate) else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return wait`;

export function createRedisRateLimiter(
  redis: Redis,
  { name, perSecond, burst, keyPrefix }: { name: string; perSecond: number; burst: number; keyPrefix: string },
): RateLimiter {
  if (perSecond <= 0) return { take: () => undefined };
  const perMs = perSecond / 1000;
  return {
    async take(key, what) {
      const wait = Number(await redis.eval(TAKE, 1, `${keyPrefix}rate:${name}:${key}`, perMs, burst));
      if (wait > 0) {
        throw new AppError('RATE_LIMITED', `Too many ${what}: retry in ${Math.ceil(wait / 1000)} s.`, { retryAfterMs: wait });
      }
    },
  };
}
