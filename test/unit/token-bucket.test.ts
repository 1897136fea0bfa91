import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createRateLimiter } from '../../src/modules/rate-limit/token-bucket.js';

describe('rate limiter', () => {
  it('when a key spends its burst, then the next take is RATE_LIMITED with a retry hint, and a token returns after 1/rate s', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3, now: () => now });
    for (let i = 0; i < 3; i++) limiter.take('u1', 'messages');
    const error = (() => {
      try {
        limiter.take('u1', 'messages');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: 500 } });
    limiter.take('u2', 'messages'); // other keys are unaffected
    now = 500;
    limiter.take('u1', 'messages');
    expect(() => limiter.take('u1', 'messages')).toThrow(/Too many messages/);
  });

  it('when more keys are seen than maxKeys, then the least recently used are forgotten and memory stays bounded', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1, maxKeys: 3, now: () => 0 });
    for (const key of ['a', 'b', 'c']) limiter.take(key, 'attempts');
    expect(() => limiter.take('a', 'attempts')).toThrow(/Too many/); // a used again: most recent now
    limiter.take('d', 'attempts'); // evicts b, the least recently used
    expect(() => limiter.take('a', 'attempts')).toThrow(/Too many/);
    expect(() => limiter.take('c', 'attempts')).toThrow(/Too many/);
    limiter.take('b', 'attempts'); // forgotten: a fresh bucket
  });

  it('when the rate is 0, then nothing is limited', () => {
    const limiter = createRateLimiter({ perSecond: 0, burst: 1 });
    for (let i = 0; i < 1000; i++) limiter.take('u', 'messages');
  });
});
