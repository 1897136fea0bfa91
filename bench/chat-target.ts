// The chat server as a Target: built as `npm start` builds it, then dist/src/main.js in a child
// process (Redis mode when the environment configures Redis), users registered over HTTP, DMs
// opened by a first send, groups written to the DB.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { seedHistory } from '../scripts/seed-history.js';
import { loadConfig } from '../src/config.js';
import { mapLimit } from './async-utils.js';
import { buildChatServer } from './build.js';
import { readRssBytes, spawnChildServer, type ChildServer, type ServerMemory } from './child-process.js';
import { connectGraphqlWs } from './clients.js';
import type { BenchDatabase } from './database.js';
import type { BenchUser, RedisStats, Target } from './target.js';

export type ChatTargetOptions = {
  repoRoot: string;
  database: BenchDatabase;
  /** The server's DATA_DIR: a temp dir (embedded PostgreSQL lives there when used). */
  dataDir: string;
  /** How it is named in the output (default "chat server"). */
  label?: string;
  /** Instances on one Redis and one database (default 1); user number i connects to instance i mod N. */
  instances?: number;
};

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      user {
        id
      }
      tokens {
        accessToken
      }
    }
  }
`;
const CREATE_GROUP = /* GraphQL */ `
  mutation CreateGroup($input: CreateConversationInput!) {
    createConversation(input: $input) {
      id
    }
  }
`;
const FIRST_DM = /* GraphQL */ `
  mutation FirstDm($input: SendMessageInput!) {
    sendMessage(input: $input) {
      conversationId
    }
  }
`;

const builds = new Map<string, Promise<string>>();
/** One build per checkout per bench run, whatever number of servers it starts. */
const builtEntry = (repoRoot: string) => {
  let build = builds.get(repoRoot);
  if (!build) builds.set(repoRoot, (build = buildChatServer(repoRoot)));
  return build;
};

export async function startChatTarget({
  repoRoot,
  database,
  dataDir,
  label = 'chat server',
  instances = 1,
}: ChatTargetOptions): Promise<Target> {
  const runTag = randomBytes(3).toString('hex');
  const entry = await builtEntry(repoRoot);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    SERVER_PORT: '0',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    BCRYPT_COST: '4',
    LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `bench-${runTag}:`,
    // A closed loop sends as fast as answers come: the per-user limit (20/s by default) would be
    // all it measured. Off unless the caller sets it.
    SEND_RATE_PER_SECOND: process.env.SEND_RATE_PER_SECOND || '0',
    // The bench registers thousands of users from one address.
    REGISTER_RATE_PER_HOUR: process.env.REGISTER_RATE_PER_HOUR || '0',
  };
  if (database.url) env.DATABASE_URL = database.url;
  else delete env.DATABASE_URL;
  const redisUrl = loadConfig(env).redis?.url;

  let embeddedPort: number | undefined;
  let userSerial = 0;
  const launch = () =>
    spawnChildServer({
      label,
      entry,
      cwd: repoRoot,
      env,
      isReady: (line) => typeof line.msg === 'string' && line.msg.startsWith('chat server ready') && typeof line.url === 'string',
      onLine: (line) => {
        if (line.msg === 'embedded PostgreSQL ready' && typeof line.port === 'number') embeddedPort = line.port;
      },
      // A first embedded start runs initdb.
      startTimeoutMs: database.url ? 60_000 : 180_000,
    });
  const launchAll = async () => {
    const first = await launch(); // alone: a first embedded start runs initdb
    return [first, ...(await Promise.all(Array.from({ length: instances - 1 }, () => launch())))];
  };
  let children: ChildServer[] = await launchAll();
  let earlierErrors = { count: 0, first: [] as string[] };
  let urls = children.map((c) => c.ready.url as string);
  let url = urls[0]!;
  const databaseUrl = database.url ?? (await embeddedUrl(dataDir, embeddedPort));
  const stopped = new WeakSet<ChildServer>();
  const stopChildren = async () => {
    const codes = await Promise.all(
      children.map(async (current) => {
        if (stopped.has(current)) return 0;
        stopped.add(current);
        const code = await current.stop();
        const errors = current.errors();
        earlierErrors = { count: earlierErrors.count + errors.count, first: [...earlierErrors.first, ...errors.first].slice(0, 3) };
        return code;
      }),
    );
    const failed = codes.find((code) => code !== 0);
    if (failed !== undefined) throw new Error(`chat server exited with code ${failed} on SIGTERM`);
  };
  /** Which instance each user's socket goes to: by the order users were made. */
  const instanceOf = new Map<string, number>();
  let redis: Redis | undefined;
  const redisClient = async () => {
    if (!redis) {
      redis = new Redis(redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
    }
    return redis;
  };
  const sumMemory = (list: ServerMemory[]): ServerMemory => ({
    rssBytes: list.reduce((sum, m) => sum + m.rssBytes, 0),
    youngGenerationBytes: list.reduce((sum, m) => sum + m.youngGenerationBytes, 0),
    jsBytes: list.reduce((sum, m) => sum + m.jsBytes, 0),
    nativeBytes: list.reduce((sum, m) => sum + m.nativeBytes, 0),
  });

  const post = async <T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (!body.data || body.errors?.length)
      throw new Error(`chat server: ${body.errors?.map((e) => e.message).join('; ') ?? response.status}`);
    return body.data;
  };

  return {
    name: label,
    usesDatabase: true,
    facts: {
      engine: String(children[0]!.ready.engine ?? 'unknown'),
      ...(instances > 1 ? { instances: `${instances}, one Redis and one database; user i's socket on instance i mod ${instances}` } : {}),
      database: database.description,
      'send rate limit':
        env.SEND_RATE_PER_SECOND === '0' ? 'off (SEND_RATE_PER_SECOND=0)' : `SEND_RATE_PER_SECOND=${env.SEND_RATE_PER_SECOND}`,
    },
    createUsers: (count) =>
      mapLimit(
        Array.from({ length: count }, (_, i) => i),
        8,
        async (): Promise<BenchUser> => {
          // Unique across calls: stored-history mode creates a new set of users at each level.
          const username = `b${runTag}_${userSerial++}`;
          const input = { email: `${username}@bench.test`, username, password: 'bench-password-1' };
          const serial = userSerial - 1;
          const data = await post<{ register: { user: { id: string }; tokens: { accessToken: string } } }>(REGISTER, { input });
          instanceOf.set(data.register.user.id, serial % instances);
          return { id: data.register.user.id, token: data.register.tokens.accessToken };
        },
      ),
    async createDirect(a, b) {
      const input = { recipientId: b.id, content: 'hello', clientMessageId: `open-${b.id}` };
      const data = await post<{ sendMessage: { conversationId: string } }>(FIRST_DM, { input }, a.token);
      return data.sendMessage.conversationId;
    },
    async createGroup(members) {
      // As an app would: the first member creates it with createConversation.
      const [creator, ...others] = members;
      const input = { title: 'bench fan-out', memberIds: others.map((m) => m.id) };
      const data = await post<{ createConversation: { id: string } }>(CREATE_GROUP, { input }, creator!.token);
      return data.createConversation.id;
    },
    graphql: (query, variables, token) => post(query, variables, token),
    async storeHistory(messages, progress) {
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      try {
        const result = await seedHistory(pool, { messages, progress });
        progress(
          `stored ${result.messages.toLocaleString('en')} more messages in ${result.conversations.toLocaleString('en')} conversations ` +
            `of ${result.users.toLocaleString('en')} new users in ${(result.ms / 1000).toFixed(1)} s`,
        );
      } finally {
        await pool.end();
      }
    },
    async restartAfterSetup() {
      // Registering users leaves garbage in the server's heap that a GC may hand back to the OS
      // while sockets connect: a fresh process (same database, same JWT secret) keeps the baseline still.
      await stopChildren();
      children = await launchAll();
      urls = children.map((c) => c.ready.url as string);
      url = urls[0]!;
    },
    connect: (user) => connectGraphqlWs(urls[instanceOf.get(user.id) ?? 0]!.replace(/^http/, 'ws'), user),
    memory: async () => sumMemory(await Promise.all(children.map((c) => c.memory()))),
    cpuSeconds: () => children.reduce((sum, c) => sum + c.cpuSeconds(), 0),
    rssNow: () => children.reduce((sum, c) => sum + readRssBytes(c.pid), 0),
    serverErrors: () => {
      const errors = children.map((c) => c.errors());
      const first = [...earlierErrors.first, ...errors.flatMap((e) => e.first)].slice(0, 3);
      return { count: earlierErrors.count + errors.reduce((sum, e) => sum + e.count, 0), first };
    },
    ...(redisUrl ? { redisStats: async () => readRedisStats(await redisClient()) } : {}),
    async stop() {
      try {
        await stopChildren();
      } finally {
        redis?.disconnect();
        if (redisUrl) await deleteKeys(redisUrl, env.REDIS_KEY_PREFIX!);
      }
    },
  };
}

/** Where the server's embedded PostgreSQL listens (its log gives the port; the password is kept in DATA_DIR). */
async function embeddedUrl(dataDir: string, port: number | undefined): Promise<string> {
  if (port === undefined)
    throw new Error('the chat server started embedded PostgreSQL but did not log its port ("embedded PostgreSQL ready")');
  const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/chat`;
}

/** Commands run so far (every command but INFO, which only the bench sends) and Redis's CPU. */
async function readRedisStats(redis: Redis): Promise<RedisStats> {
  const [commandstats, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  let commands = 0;
  for (const [, name, calls] of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (name !== 'info') commands += Number(calls);
  const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? Number.NaN);
  return { commands, cpuSeconds: seconds('used_cpu_sys') + seconds('used_cpu_user') };
}

/** Removes this run's keys (the message stream and its consumer group) from a shared Redis. */
async function deleteKeys(redisUrl: string, prefix: string) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    for (let round = 0; round < 1000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}
