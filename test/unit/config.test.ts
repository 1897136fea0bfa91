import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDurationMs } from '../../src/config.js';

const SECRET = 'x'.repeat(32);

/** The ConfigError loadConfig throws for this environment (fails the test if it does not throw one). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('when nothing is set, then it uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 8080,
      host: '0.0.0.0',
      accessTokenTtlMs: 15 * 60_000,
      refreshTokenTtlMs: 168 * 3_600_000,
      bcryptCost: 12,
      databaseUrl: undefined,
      redis: undefined,
      jwtSecret: undefined,
    });
    expect(config.accessTokenTtlMs).toBe(900_000);
  });

  it('when values are set, then they are parsed into the config', () => {
    const config = loadConfig({
      SERVER_PORT: '9090',
      HOST: '127.0.0.1',
      JWT_ACCESS_EXPIRY: '30s',
      JWT_REFRESH_EXPIRY: '7d',
      BCRYPT_COST: '10',
      JWT_SECRET: SECRET,
      DATABASE_URL: 'postgresql://chat@db:5432/chat',
    });
    expect(config).toMatchObject({
      port: 9090,
      host: '127.0.0.1',
      accessTokenTtlMs: 30_000,
      refreshTokenTtlMs: 7 * 86_400_000,
      bcryptCost: 10,
      jwtSecret: SECRET,
      databaseUrl: 'postgresql://chat@db:5432/chat',
    });
  });

  it('when loaded, then the config is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
  });

  describe('Redis', () => {
    it('when only REDIS_ADDR is set, then the URL uses database 0 and no password', () => {
      expect(loadConfig({ REDIS_ADDR: 'cache:6379' }).redis?.url).toBe('redis://cache:6379/0');
    });

    it('when REDIS_ADDR, REDIS_PASSWORD and REDIS_DB are set, then they build one URL, the password escaped', () => {
      const config = loadConfig({ REDIS_ADDR: 'cache:6380', REDIS_PASSWORD: 'p@ss:w/rd', REDIS_DB: '3', REDIS_KEY_PREFIX: 'app:' });
      expect(config.redis).toEqual({ url: 'redis://:p%40ss%3Aw%2Frd@cache:6380/3', keyPrefix: 'app:' });
      // The URL round-trips to the original password.
      expect(decodeURIComponent(new URL(config.redis!.url).password)).toBe('p@ss:w/rd');
    });

    it('when REDIS_URL and REDIS_ADDR are both set, then REDIS_URL wins', () => {
      const config = loadConfig({ REDIS_URL: 'rediss://primary:6390/2', REDIS_ADDR: 'other:6379', REDIS_DB: '5' });
      expect(config.redis?.url).toBe('rediss://primary:6390/2');
    });
  });

  describe('invalid values', () => {
    it.each([
      ['SERVER_PORT', 'eighty'],
      ['SERVER_PORT', '70000'],
      ['SERVER_PORT', '80.5'],
      ['SERVER_PORT', '-1'],
      ['NODE_ENV', 'staging'],
      ['DATABASE_URL', 'mysql://db/chat'],
      ['REDIS_URL', 'http://cache:6379'],
      ['REDIS_ADDR', 'cache'],
      ['REDIS_DB', '16'],
      ['REDIS_DB', 'one'],
      ['JWT_ACCESS_EXPIRY', '15'],
      ['JWT_ACCESS_EXPIRY', '15 minutes'],
      ['JWT_REFRESH_EXPIRY', '1w'],
      ['BCRYPT_COST', '3'],
      ['BCRYPT_COST', '16'],
      ['BCRYPT_COST', 'twelve'],
      ['LOG_LEVEL', 'verbose'],
    ])('when %s is %j, then a ConfigError names the variable', (name, value) => {
      const error = configError({ [name]: value });
      expect(error.message).toMatch(new RegExp(`\\b${name}\\b`));
    });

    it('when a duration lacks its unit, then the message says which units to use', () => {
      expect(configError({ JWT_ACCESS_EXPIRY: '900' }).message).toMatch(/JWT_ACCESS_EXPIRY: .*ms, s, m, h or d/);
    });

    it('when several variables are invalid, then the message names each of them', () => {
      const { message } = configError({ SERVER_PORT: 'x', BCRYPT_COST: '99', REDIS_ADDR: 'nope' });
      for (const name of ['SERVER_PORT', 'BCRYPT_COST', 'REDIS_ADDR']) expect(message).toContain(name);
    });
  });

  describe('JWT_SECRET', () => {
    it('when NODE_ENV=production has no JWT_SECRET, then it fails saying how to set one', () => {
      const { message } = configError({ NODE_ENV: 'production' });
      expect(message).toContain('JWT_SECRET');
      expect(message).toContain('NODE_ENV=production');
      expect(message).toMatch(/32\+? .*characters/);
      expect(message).toContain('openssl rand -hex 32');
    });

    it('when NODE_ENV=production has a 32-character JWT_SECRET, then it loads', () => {
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).jwtSecret).toBe(SECRET);
    });

    it.each(['development', 'production'])('when JWT_SECRET is shorter than 32 characters (NODE_ENV=%s), then it is rejected', (env) => {
      const { message } = configError({ NODE_ENV: env, JWT_SECRET: 'x'.repeat(31) });
      expect(message).toMatch(/JWT_SECRET: .*at least 32 characters/);
    });

    it('when NODE_ENV=production has an empty JWT_SECRET, then it fails saying the secret is required', () => {
      expect(configError({ NODE_ENV: 'production', JWT_SECRET: '' }).message).toMatch(/JWT_SECRET is required when NODE_ENV=production/);
    });
  });

  describe('empty variables', () => {
    // `FOO=` in an env file or compose file sets an empty string: it means "not set", not 0.
    it('when SERVER_PORT is empty, then the default port is used rather than a random one', () => {
      expect(loadConfig({ SERVER_PORT: '' }).port).toBe(8080);
    });

    it('when optional variables are empty, then they count as unset', () => {
      const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '', REDIS_ADDR: ' ', JWT_SECRET: '', BCRYPT_COST: '' });
      expect(config).toMatchObject({ databaseUrl: undefined, redis: undefined, jwtSecret: undefined, bcryptCost: 12 });
    });

    it('when REDIS_KEY_PREFIX is empty, then keys get no prefix (an empty prefix is a setting)', () => {
      expect(loadConfig({ REDIS_ADDR: 'cache:6379', REDIS_KEY_PREFIX: '' }).redis?.keyPrefix).toBe('');
    });
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['1s', 1_000],
    ['15m', 900_000],
    ['168h', 604_800_000],
    ['2d', 172_800_000],
  ])('when given %s, then it answers %i ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('when given a number without a unit, then it throws a ConfigError', () => {
    expect(() => parseDurationMs('15')).toThrow(ConfigError);
  });
});
