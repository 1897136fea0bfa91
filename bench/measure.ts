// One measurement: connect every user's socket, wait until every subscription is live, read the
// server's RSS, then run the senders in a closed loop (send, await the answer, send again) through a
// warm-up and the measured window.
import { delay, mapLimit, signal, withTimeout } from './async-utils.js';
import type { ServerMemory } from './child-process.js';
import type { BenchConnection } from './clients.js';
import type { BenchOptions } from './options.js';
import { WindowRecorder, type WindowFigures } from './stats.js';
import { redisBetween, type Target } from './target.js';
import type { Sender, Workload } from './workloads.js';
import { postgresCpuBetween, snapshotPostgresCpu, type PostgresCpu } from './postgres-cpu.js';

export type Measurement = {
  facts: Readonly<Record<string, string>>;
  window: WindowFigures;
  /** CPU the server process used in the measured window (its database and Redis not included). */
  serverCpuSeconds: number;
  /** CPU of every PostgreSQL process on this machine in the window (NaN when none is visible). */
  databaseCpuSeconds: number;
  /** The same, by kind of process. */
  databaseCpu: PostgresCpu;
  /** Commands Redis ran in the window, and its CPU (NaN without Redis). */
  redisCommands: number;
  redisCpuSeconds: number;
  sockets: number;
  /** After setup and one warm-up socket, before the measured sockets connect. */
  beforeSockets: ServerMemory;
  /** Every socket connected, subscribed and live; no load yet. */
  socketsIdle: ServerMemory;
  afterLoad: ServerMemory;
  feedErrors: number;
  serverErrors: { count: number; first: string[] };
};

/** A send not answered in this time counts as failed (the chat server gives up after 5 s itself). */
const SEND_TIMEOUT_MS = 15_000;
const LIVE_ROUNDS = 10;
const CONTENT_PREFIX = 'bench@';

export async function measure(
  target: Target,
  load: Workload,
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<Measurement> {
  progress(`${target.name}: creating ${load.users} users…`);
  const users = await target.createUsers(load.users);
  const { senders, probes } = await load.arrange(target, users);
  progress(`${target.name}: RSS baseline (fresh process, one warm-up socket)…`);
  await target.restartAfterSetup();
  await warmSocketPath(target, senders[0]!);
  const beforeSockets = await target.memory();

  progress(`${target.name}: connecting ${users.length} sockets…`);
  const connections = await mapLimit(users, 20, (user) => target.connect(user));
  try {
    const recorder = new WindowRecorder();
    const everyoneLive = subscribeAll(connections, recorder);
    progress(`${target.name}: waiting for every subscription to receive a probe…`);
    await waitUntilLive(connections, probes, everyoneLive);
    const socketsIdle = await target.memory();

    progress(
      `${target.name}: load with ${senders.length} closed-loop sender(s): ${options.warmupMs / 1000} s warm-up, then measuring ${options.durationMs / 1000} s…`,
    );
    const byUser = new Map(connections.map((c) => [c.userId, c]));
    let stopped = false;
    const loops = senders.map((sender) => closedLoop(byUser.get(sender.user.id)!, sender.conversationId, recorder, () => stopped));
    await delay(options.warmupMs);
    const cpuAtOpen = target.cpuSeconds();
    const databaseAtOpen = snapshotPostgresCpu();
    const redisAtOpen = await target.redisStats?.();
    recorder.open();
    await delay(options.durationMs);
    recorder.close();
    const serverCpuSeconds = target.cpuSeconds() - cpuAtOpen;
    const databaseCpu = postgresCpuBetween(target.usesDatabase ? databaseAtOpen : undefined, snapshotPostgresCpu());
    const databaseCpuSeconds = databaseCpu.total;
    const redis = redisBetween(redisAtOpen, await target.redisStats?.());
    stopped = true;
    await withTimeout(Promise.all(loops), SEND_TIMEOUT_MS + 5_000, 'senders did not stop');
    const afterLoad = await target.memory();

    return {
      facts: target.facts,
      window: recorder.figures(),
      serverCpuSeconds,
      databaseCpuSeconds,
      databaseCpu,
      redisCommands: redis.commands,
      redisCpuSeconds: redis.cpuSeconds,
      sockets: connections.length,
      beforeSockets,
      socketsIdle,
      afterLoad,
      feedErrors: connections.reduce((sum, c) => sum + c.feedErrors, 0),
      serverErrors: target.serverErrors(),
    };
  } finally {
    await mapLimit(connections, 50, (c) => c.close().catch(() => undefined));
  }
}

/** Subscribes every socket; resolves once each has received at least one event. */
export function subscribeAll(connections: readonly BenchConnection[], recorder: WindowRecorder): Promise<void> {
  const live = new Set<number>();
  const all = signal();
  connections.forEach((connection, index) => {
    connection.subscribe((event) => {
      const now = performance.now();
      if (live.size < connections.length && !live.has(index)) {
        live.add(index);
        if (live.size === connections.length) all.resolve();
      }
      recorder.delivered(now, event.senderId === connection.userId ? undefined : sentAt(event.content));
    });
  });
  return all.promise;
}

/**
 * graphql-ws has no "subscribed" answer, so a subscription is known to be live once an event
 * reaches it: each sender sends a probe, again each second, until every socket has had one.
 */
export async function waitUntilLive(connections: readonly BenchConnection[], senders: readonly Sender[], everyoneLive: Promise<void>) {
  const byUser = new Map(connections.map((c) => [c.userId, c]));
  let done = false;
  void everyoneLive.then(() => (done = true));
  for (let round = 0; round < LIVE_ROUNDS && !done; round++) {
    await Promise.all(
      senders.map((s, i) =>
        withTimeout(byUser.get(s.user.id)!.send(s.conversationId, 'probe', `probe-${round}-${i}`), SEND_TIMEOUT_MS, 'probe not answered'),
      ),
    );
    await Promise.race([everyoneLive, delay(1000)]);
  }
  if (!done) throw new Error(`not every subscription received a probe within ${LIVE_ROUNDS} rounds`);
}

/**
 * One socket through the whole path (connect, subscribe, send, own echo), then closed: the server's
 * one-time costs (lazy modules, compiled code, first buffers) land before the RSS baseline, not in
 * the per-socket figure. With `inbox`, the socket's inbox subscription (where there is one) is
 * opened too, and must see the message as well.
 */
export async function warmSocketPath(target: Target, sender: Sender, { inbox = false } = {}) {
  const connection = await target.connect(sender.user);
  try {
    const echoed = signal();
    connection.subscribe(() => echoed.resolve());
    const inInbox = signal();
    if (inbox && connection.subscribeInbox) connection.subscribeInbox(() => inInbox.resolve());
    else inInbox.resolve();
    const both = Promise.all([echoed.promise, inInbox.promise]);
    let done = false;
    void both.then(() => (done = true));
    for (let round = 0; round < LIVE_ROUNDS && !done; round++) {
      await withTimeout(connection.send(sender.conversationId, 'warm-up', `warm-${round}`), SEND_TIMEOUT_MS, 'warm-up send not answered');
      await Promise.race([both, delay(1000)]);
    }
    if (!done) throw new Error(`${target.name}: a warm-up socket never received its own message`);
  } finally {
    await connection.close();
  }
}

async function closedLoop(connection: BenchConnection, conversationId: string, recorder: WindowRecorder, stopped: () => boolean) {
  for (let n = 0; !stopped(); n++) {
    const startedAt = performance.now();
    try {
      await withTimeout(
        connection.send(conversationId, `${CONTENT_PREFIX}${startedAt.toFixed(3)}`, `m-${n}`),
        SEND_TIMEOUT_MS,
        `no answer within ${SEND_TIMEOUT_MS / 1000} s`,
      );
      recorder.sendAnswered(performance.now());
    } catch (error) {
      recorder.sendFailed(performance.now(), error);
      // A server that fails fast must not turn the loop into a spin.
      await delay(50);
    }
  }
}

function sentAt(content: string): number | undefined {
  return content.startsWith(CONTENT_PREFIX) ? Number(content.slice(CONTENT_PREFIX.length)) : undefined;
}
