import { AppError } from '../../errors.js';

export type RateLimiter = {
  /** Takes one token for `key`, or throws (or rejects with) RATE_LIMITED saying when to retry. */
  take(key: string, what: string): void | Promise<void>;
};

/**
 * Per-key token buckets, in this instance's memory: `burst` at once, then `perSecond`. With
 * several instances each one limits on its own (a client spread over N instances gets up to N
 * times the rate); good enough against floods, not an exact global quota. perSecond <= 0: off.
 * At most `maxKeys` buckets are kept, least recently used dropped first: a spray of distinct keys
 * (login attempts for a million emails) costs bounded memory, at the price of forgetting the
 * oldest keys' spending.
 */
export function createRateLimiter({
  perSecond,
  burst,
  maxKeys = 100_000,
  now = Date.now,
}: {
  perSecond: number;
  burst: number;
  maxKeys?: number;
  now?: () => number;
}): RateLimiter {
  if (perSecond <= 0) return { take: () => undefined };
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = now();

  return {
    take(key, what) {
      const at = now();
      if (at - lastSweep > 60_000) {
        // Full buckets carry no information: forget them so memory follows active keys only.
        for (const [k, b] of buckets) if (b.tokens + ((at - b.at) / 1000) * perSecond >= burst) buckets.delete(k);
        lastSweep = at;
      }
      const bucket = buckets.get(key) ?? { tokens: burst, at };
      bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * perSecond);
      bucket.at = at;
      // Re-inserted, so that the Map's order is least recently used first.
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens < 1) {
        const retryAfterMs = Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
        throw new AppError('RATE_LIMITED', `Too many ${what}: retry in ${Math.ceil(retryAfterMs / 1000)} s.`, { retryAfterMs });
      }
      bucket.tokens -= 1;
    },
  };
}
