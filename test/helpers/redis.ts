// Redis in tests: one server per run (test/global-setup.ts), shared by all files; each test keeps
// its keys apart with uniqueRedisPrefix().
import { randomBytes } from 'node:crypto';
import { describe, inject } from 'vitest';
import { REDIS_INSTALL_HINT } from './redis-server.js';

/** The Redis tests use, or undefined when there is none. */
export function redisUrlForTests(): string | undefined {
  return inject('redisUrl') ?? undefined;
}

/**
 * A fresh key prefix such as `test:a1b2c3:3f9a1c2b7d4e:` (the run's prefix, then the test's), so
 * tests on one server never see each other's keys, and the run's teardown can delete them all.
 */
export function uniqueRedisPrefix(): string {
  return `${inject('redisKeyPrefix')}${randomBytes(6).toString('hex')}:`;
}

let noticePrinted = false;

/** `describe` without skipIf/runIf: what both `describe` and `describe.skip` are. */
type Describe = typeof describe.skip;

function resolveDescribe(): Describe {
  if (redisUrlForTests()) return describe;
  const reason = inject('redisUnavailableReason') ?? 'no Redis';
  if (inject('requireRedis')) {
    // Thrown while the file is collected: the whole file fails, it is never skipped.
    throw new Error(`CHAT_REQUIRE_REDIS=1 but there is no Redis for tests (${reason}); ${REDIS_INSTALL_HINT}.`);
  }
  if (!noticePrinted) {
    noticePrinted = true; // module state: once per test file (each file gets its own module graph)
    console.warn(`\n!!! SKIPPING REDIS TESTS in this file: ${reason}.\n!!! To run them: ${REDIS_INSTALL_HINT}.\n`);
  }
  return describe.skip;
}

/**
 * `describe` when Redis is available; otherwise `describe.skip` with a loud notice, or (with
 * CHAT_REQUIRE_REDIS=1) an error that fails the file.
 */
export const describeRedis: Describe = new Proxy<Describe>(describe, {
  apply(_target, thisArg, args: unknown[]) {
    return Reflect.apply(resolveDescribe(), thisArg, args);
  },
  get(_target, property) {
    return Reflect.get(resolveDescribe(), property);
  },
});
