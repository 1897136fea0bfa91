// Many sockets doing nothing: N users, paired into direct conversations as the DM workload pairs
// them, one socket each (on the chat server with two subscriptions: messageReceived and inbox).
// Once every subscription is live: the server's memory per socket, and its CPU over a window in
// which nobody sends anything (what keeps N idle sockets alive: pings, timers, leases).
import { readFileSync } from 'node:fs';
import { delay, mapLimit, signal } from './async-utils.js';
import type { ServerMemory } from './child-process.js';
import type { BenchConnection } from './clients.js';
import { subscribeAll, waitUntilLive, warmSocketPath } from './measure.js';
import { UsageError, type BenchOptions } from './options.js';
import { postgresCpuBetween, snapshotPostgresCpu } from './postgres-cpu.js';
import { WindowRecorder } from './stats.js';
import { redisBetween, type BenchUser, type Target } from './target.js';
import { workload } from './workloads.js';

export type IdleMeasurement = {
  facts: Readonly<Record<string, string>>;
  sockets: number;
  /** Subscriptions opened on each socket: messageReceived, and inbox where the target has it. */
  subscriptionsPerSocket: number;
  /** After setup and one warm-up socket, before the measured sockets connect. */
  beforeSockets: ServerMemory;
  /** Every socket connected, every subscription live; nothing sent since. */
  socketsIdle: ServerMemory;
  /** After the idle window. */
  afterIdle: ServerMemory;
  /** Wall time to connect every socket, then until every subscription had received a probe. */
  connectSeconds: number;
  liveSeconds: number;
  /** The idle window: its length, and the CPU the server process and PostgreSQL used in it. */
  idleSeconds: number;
  serverCpuSeconds: number;
  databaseCpuSeconds: number;
  /** Commands Redis ran in the idle window, and its CPU (NaN without Redis). */
  redisCommands: number;
  redisCpuSeconds: number;
  feedErrors: number;
  serverErrors: { count: number; first: string[] };
};

/** Users are created, and conversations opened, in batches of this many, with a progress line after each. */
const PROGRESS_EVERY = 1000;
/**
 * Connects in flight at once. Each is a WebSocket upgrade plus connection_init (a JWT check, the
 * user's feed and presence) on the server: well under the listen backlog, and enough to keep a
 * 2-core server busy, so 10,000 sockets connect in seconds rather than minutes.
 */
const CONNECT_CONCURRENCY = 64;
/** Descriptors beyond the sockets: the server's database pool, Redis, log pipes, the bench's HTTP pool. */
const FD_MARGIN = 512;
/** After the last probe and the memory reading (a full GC): let stragglers finish before the idle window opens. */
const SETTLE_MS = 1000;

/**
 * Fails early, with what to change, when this box cannot hold `sockets` sockets: the bench process
 * and the server (which inherits its limits) each keep one descriptor per socket, and every socket
 * goes to one address and port, so each needs a local port of its own.
 */
export function checkIdleLimits(sockets: number): void {
  const limits = readProc('/proc/self/limits');
  const match = limits && /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (match && match[1] !== 'unlimited' && sockets + FD_MARGIN > Number(match[1])) {
    throw new UsageError(
      `--idle-sockets ${sockets} needs about ${sockets + FD_MARGIN} open files in the bench and in the server, but ulimit -n is ${match[1]} ` +
        `(hard limit ${match[2]}): raise it in this shell first, e.g. \`ulimit -n ${Math.max(sockets + FD_MARGIN, 65_536)}\`, or give fewer sockets`,
    );
  }
  const range = readProc('/proc/sys/net/ipv4/ip_local_port_range')?.trim().split(/\s+/).map(Number);
  if (range?.length === 2 && sockets + FD_MARGIN > range[1]! - range[0]! + 1) {
    throw new UsageError(
      `--idle-sockets ${sockets}: every socket needs a local port to the one server address, and ip_local_port_range ` +
        `(${range[0]}-${range[1]}) has ${range[1]! - range[0]! + 1}; widen it (sysctl net.ipv4.ip_local_port_range) or give fewer sockets`,
    );
  }
}

export async function measureIdle(target: Target, options: BenchOptions, progress: (line: string) => void): Promise<IdleMeasurement> {
  const count = options.idleSockets;
  // The DM workload's pairs, all of them idle: every pair's first user sends the probes.
  const load = workload('dm', { ...options, dmSenders: 1, dmUsers: count });

  progress(`${target.name}: creating ${count.toLocaleString('en')} users…`);
  const users: BenchUser[] = [];
  while (users.length < count) {
    users.push(...(await target.createUsers(Math.min(PROGRESS_EVERY, count - users.length))));
    if (count > PROGRESS_EVERY) progress(`${target.name}: ${users.length.toLocaleString('en')} of ${count.toLocaleString('en')} users`);
  }
  const directs = Math.ceil(count / 2);
  progress(`${target.name}: opening ${directs.toLocaleString('en')} direct conversations…`);
  let opened = 0;
  const counting: Target = {
    ...target,
    async createDirect(a, b) {
      const id = await target.createDirect(a, b);
      if (++opened % PROGRESS_EVERY === 0)
        progress(`${target.name}: ${opened.toLocaleString('en')} of ${directs.toLocaleString('en')} conversations`);
      return id;
    },
  };
  const { senders, probes } = await load.arrange(counting, users);

  progress(`${target.name}: RSS baseline (fresh process, one warm-up socket)…`);
  await target.restartAfterSetup();
  await warmSocketPath(target, senders[0]!, { inbox: true });
  const beforeSockets = await target.memory();

  progress(`${target.name}: connecting ${count.toLocaleString('en')} sockets (${CONNECT_CONCURRENCY} at a time)…`);
  const open: BenchConnection[] = [];
  let failed = false;
  try {
    const connectStarted = performance.now();
    const connections = await mapLimit(users, CONNECT_CONCURRENCY, async (user) => {
      if (failed) throw new Error('another socket failed to connect');
      try {
        const connection = await target.connect(user);
        open.push(connection);
        if (open.length % PROGRESS_EVERY === 0 && open.length < count)
          progress(`${target.name}: ${open.length.toLocaleString('en')} of ${count.toLocaleString('en')} sockets connected`);
        return connection;
      } catch (error) {
        failed = true;
        throw new Error(`${target.name}: socket ${open.length + 1} of ${count} did not connect: ${(error as Error).message}`);
      }
    });
    const connectSeconds = (performance.now() - connectStarted) / 1000;

    const liveStarted = performance.now();
    const subscriptionsPerSocket = connections[0]?.subscribeInbox ? 2 : 1;
    const inboxesLive = subscriptionsPerSocket === 2 ? subscribeInboxes(connections) : Promise.resolve();
    const messagesLive = subscribeAll(connections, new WindowRecorder());
    progress(
      `${target.name}: ${connections.length.toLocaleString('en')} sockets connected in ${connectSeconds.toFixed(1)} s; ` +
        `waiting for every subscription (${subscriptionsPerSocket} per socket) to receive a probe from ${probes.length.toLocaleString('en')} senders…`,
    );
    await waitUntilLive(
      connections,
      probes,
      Promise.all([messagesLive, inboxesLive]).then(() => undefined),
    );
    const liveSeconds = (performance.now() - liveStarted) / 1000;
    const socketsIdle = await target.memory();

    progress(`${target.name}: every subscription live; ${options.durationMs / 1000} s with no sends…`);
    await delay(SETTLE_MS);
    const cpuAtOpen = target.cpuSeconds();
    const databaseAtOpen = snapshotPostgresCpu();
    const redisAtOpen = await target.redisStats?.();
    const openedAt = performance.now();
    await delay(options.durationMs);
    const redis = redisBetween(redisAtOpen, await target.redisStats?.());
    const serverCpuSeconds = target.cpuSeconds() - cpuAtOpen;
    const idleSeconds = (performance.now() - openedAt) / 1000;
    const databaseCpuSeconds = postgresCpuBetween(target.usesDatabase ? databaseAtOpen : undefined, snapshotPostgresCpu()).total;
    const afterIdle = await target.memory();

    return {
      facts: target.facts,
      sockets: connections.length,
      subscriptionsPerSocket,
      beforeSockets,
      socketsIdle,
      afterIdle,
      connectSeconds,
      liveSeconds,
      idleSeconds,
      serverCpuSeconds,
      databaseCpuSeconds,
      redisCommands: redis.commands,
      redisCpuSeconds: redis.cpuSeconds,
      feedErrors: connections.reduce((sum, c) => sum + c.feedErrors, 0),
      serverErrors: target.serverErrors(),
    };
  } finally {
    if (open.length > PROGRESS_EVERY) progress(`${target.name}: closing ${open.length.toLocaleString('en')} sockets…`);
    await mapLimit(open, 50, (c) => c.close().catch(() => undefined));
  }
}

/** Opens every socket's inbox subscription; resolves once each has received at least one event. */
function subscribeInboxes(connections: readonly BenchConnection[]): Promise<void> {
  const live = new Set<number>();
  const all = signal();
  connections.forEach((connection, index) =>
    connection.subscribeInbox!(() => {
      if (live.has(index)) return;
      live.add(index);
      if (live.size === connections.length) all.resolve();
    }),
  );
  return all.promise;
}

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
