// The only reader of process.env. Everything is validated at start; a bad value stops the process
// with a message that names the variable and says what to put there.
import { z } from 'zod';

const duration = z
  .string()
  .trim()
  .regex(/^\d+(ms|s|m|h|d)$/, 'use a number with a unit: ms, s, m, h or d (e.g. 15m, 168h)')
  .transform(parseDurationMs);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().trim().min(1).default('./.data'),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_ADDR: z
    .string()
    .trim()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port, e.g. localhost:6379')
    .optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_DB: z.coerce.number().int().min(0).max(15).optional(),
  REDIS_KEY_PREFIX: z.string().default('chat:'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  JWT_ACCESS_EXPIRY: duration.prefault('15m'),
  JWT_REFRESH_EXPIRY: duration.prefault('168h'),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEND_TIMEOUT: duration.prefault('5s'),
  SHUTDOWN_TIMEOUT: duration.prefault('10s'),
  SHUTDOWN_GRACE: duration.prefault('0s'),
  INSTANCE_ID: z.string().trim().min(1).optional(),
  SEND_RATE_PER_SECOND: z.coerce.number().min(0).default(20),
  SEND_RATE_BURST: z.coerce.number().int().min(1).default(50),
  LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().min(0).default(10),
  REGISTER_RATE_PER_HOUR: z.coerce.number().min(0).default(10),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(256),
  WORKER_CLAIM_IDLE: duration.prefault('5s'),
  WORKER_THREAD: z.enum(['true', 'false'], 'must be true or false').default('false'),
  DEAD_LETTER_MAX: z.coerce.number().int().min(1).default(10_000),
  STREAM_MAX_BACKLOG: z.coerce.number().int().min(1).default(100_000),
  GROUP_MAX_MEMBERS: z.coerce.number().int().min(2).max(100_000).default(5000),
  PRESENCE_LEASE: duration.prefault('30s'),
  WS_KEEPALIVE: duration.prefault('12s'),
  WS_FAST_PATH: z.enum(['true', 'false'], 'must be true or false').default('true'),
  WEB_DIR: z.string().trim().min(1).optional(),
  DASHBOARD_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 16`)').optional(),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(5 * 2 ** 30)
    .default(25 * 2 ** 20),
  UPLOAD_URL_TTL: duration.prefault('15m'),
  DOWNLOAD_URL_TTL: duration.prefault('15m'),
  UPLOAD_TTL: duration.prefault('24h'),
  UPLOAD_RATE_PER_MINUTE: z.coerce.number().min(0).default(30),
  DOWNLOAD_RATE_PER_MINUTE: z.coerce.number().min(0).default(600),
  S3_BUCKET: z.string().trim().min(1).optional(),
  S3_ENDPOINT: z
    .string()
    .trim()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .optional(),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false'], 'must be true or false').default('false'),
  PUBLIC_URL: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^/]+$/, 'must be an origin such as https://chat.example.com (no path)')
    .optional(),
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false'], 'must be true or false').optional(),
  /** Fault injection for crash tests only: `kill-after-commit` SIGKILLs the process between commit and ack. */
  CHAT_FAILPOINT: z.enum(['kill-after-commit']).optional(),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Unset: embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Unset: the in-process bus and stream. */
  redis: Readonly<{ url: string; keyPrefix: string }> | undefined;
  /** Unset outside production: generated once and kept under dataDir. */
  jwtSecret: string | undefined;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  bcryptCost: number;
  logLevel: string;
  /** How long sendMessage waits for the worker's commit before answering UNAVAILABLE. */
  sendTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** On SIGTERM, how long to keep serving while /ready answers 503, so a load balancer can stop routing here first. */
  shutdownGraceMs: number;
  instanceId: string | undefined;
  /** Per user (shared by instances with Redis); 0 turns the limit off. */
  sendRate: Readonly<{ perSecond: number; burst: number }>;
  /** Per email (shared by instances with Redis); 0 turns the limit off. */
  loginAttemptsPerMinute: number;
  /** Registrations per client address; 0 turns the limit off. */
  registerRatePerHour: number;
  /** How many proxies in front of the server to trust for X-Forwarded-For (0: use the socket's address). */
  trustProxy: number;
  workerBatchSize: number;
  /** Entries pending this long on a consumer are taken over by another. */
  workerClaimIdleMs: number;
  /** With Redis: the message worker runs on a thread of its own (default false: on the main event loop, see README). */
  workerThread: boolean;
  /** The dead-letter stream keeps the newest this many entries. */
  deadLetterMax: number;
  /** Past this many entries in the stream (the worker or the database is behind), sends are refused. */
  streamMaxBacklog: number;
  /** Members per group, its creator included. */
  groupMaxMembers: number;
  /** Files: sizes, link lifetimes, how long unattached uploads are kept, and where bytes live. */
  files: Readonly<{
    maxUploadBytes: number;
    uploadUrlTtlMs: number;
    downloadUrlTtlMs: number;
    uploadTtlMs: number;
    uploadsPerMinute: number;
    downloadsPerMinute: number;
    /** Unset: local disk under dataDir/files. */
    s3: Readonly<{ bucket: string; endpoint?: string; region: string; forcePathStyle: boolean }> | undefined;
  }>;
  /** This server's origin as clients reach it, for the links it makes; unset: from each request. */
  publicUrl: string | undefined;
  /** Sockets are pinged this often; one that has not answered by the next ping is closed. */
  wsKeepAliveMs: number;
  /** Subscription events written by the live delivery engine (false: by graphql-ws, one execution per subscriber). */
  wsFastPath: boolean;
  /** How long an instance's claim that a user is online lasts unless renewed (a killed instance's users go offline by then). */
  presenceLeaseMs: number;
  /** The built web client (and dashboard page) served at /; unset: dist/web beside the server. */
  webDir: string | undefined;
  /** The token that opens /dashboard; unset: /dashboard is closed. */
  dashboardToken: string | undefined;
  /** Schema introspection (and GraphiQL, which needs it); off by default in production. */
  introspection: boolean;
  failpoint: 'kill-after-commit' | undefined;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) {
    throw new ConfigError(
      'JWT_SECRET is required when NODE_ENV=production: set it to 32+ random characters (e.g. `openssl rand -hex 32`).',
    );
  }
  const redisUrl = e.REDIS_URL ?? redisUrlFromAddr(e.REDIS_ADDR, e.REDIS_PASSWORD, e.REDIS_DB);
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.SERVER_PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redis: redisUrl ? Object.freeze({ url: redisUrl, keyPrefix: e.REDIS_KEY_PREFIX }) : undefined,
    jwtSecret: e.JWT_SECRET,
    accessTokenTtlMs: e.JWT_ACCESS_EXPIRY,
    refreshTokenTtlMs: e.JWT_REFRESH_EXPIRY,
    bcryptCost: e.BCRYPT_COST,
    logLevel: e.LOG_LEVEL,
    sendTimeoutMs: e.SEND_TIMEOUT,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    shutdownGraceMs: e.SHUTDOWN_GRACE,
    instanceId: e.INSTANCE_ID,
    sendRate: Object.freeze({ perSecond: e.SEND_RATE_PER_SECOND, burst: e.SEND_RATE_BURST }),
    loginAttemptsPerMinute: e.LOGIN_ATTEMPTS_PER_MINUTE,
    registerRatePerHour: e.REGISTER_RATE_PER_HOUR,
    trustProxy: e.TRUST_PROXY,
    workerBatchSize: e.WORKER_BATCH_SIZE,
    workerClaimIdleMs: e.WORKER_CLAIM_IDLE,
    workerThread: e.WORKER_THREAD === 'true',
    deadLetterMax: e.DEAD_LETTER_MAX,
    streamMaxBacklog: e.STREAM_MAX_BACKLOG,
    groupMaxMembers: e.GROUP_MAX_MEMBERS,
    presenceLeaseMs: e.PRESENCE_LEASE,
    wsKeepAliveMs: e.WS_KEEPALIVE,
    wsFastPath: e.WS_FAST_PATH === 'true',
    files: Object.freeze({
      maxUploadBytes: e.MAX_UPLOAD_BYTES,
      uploadUrlTtlMs: e.UPLOAD_URL_TTL,
      downloadUrlTtlMs: e.DOWNLOAD_URL_TTL,
      uploadTtlMs: e.UPLOAD_TTL,
      uploadsPerMinute: e.UPLOAD_RATE_PER_MINUTE,
      downloadsPerMinute: e.DOWNLOAD_RATE_PER_MINUTE,
      s3: e.S3_BUCKET
        ? Object.freeze({
            bucket: e.S3_BUCKET,
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
          })
        : undefined,
    }),
    publicUrl: e.PUBLIC_URL,
    webDir: e.WEB_DIR,
    dashboardToken: e.DASHBOARD_TOKEN,
    introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
    failpoint: e.CHAT_FAILPOINT,
  });
}

/** Variables where an empty value is a deliberate setting (no key prefix), not "unset". */
const EMPTY_IS_A_VALUE = new Set(['REDIS_KEY_PREFIX']);

/**
 * `FOO=` in an env or compose file sets an empty string, which means "not set": left in, numbers
 * would coerce it to 0 (SERVER_PORT= would listen on a random port, a rate of 0 turns a limit off).
 */
function withoutEmptyValues(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name, value]) => value === undefined || value.trim() !== '' || EMPTY_IS_A_VALUE.has(name)),
  );
}

/** The seed's REDIS_ADDR / REDIS_PASSWORD / REDIS_DB, as a URL. */
function redisUrlFromAddr(addr: string | undefined, password: string | undefined, db: number | undefined) {
  if (!addr) return undefined;
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  return `redis://${auth}${addr}/${db ?? 0}`;
}

export function parseDurationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new ConfigError(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
