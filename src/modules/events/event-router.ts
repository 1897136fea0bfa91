import type { Logger } from '../../infra/logger.js';
import type { Bus, Topics, Unsubscribe } from '../realtime/bus.js';
import type { UserFeeds } from '../realtime/user-feeds.js';
import { decodeBatch, type CommittedBatch, type CommittedEvent } from './committed-events.js';

export type EventRouter = ReturnType<typeof createEventRouter>;

export type EventRouterOptions = {
  bus: Bus;
  topics: Topics;
  feeds: Pick<UserFeeds<CommittedEvent>, 'dispatch' | 'listeningUsers'>;
  /** The last committed position (event_clock). */
  readClock: () => Promise<number>;
  /** A user's events at positions (after, upTo], from the database, in order. */
  replay: (userId: string, after: number, upTo: number) => Promise<CommittedEvent[]>;
  logger: Logger;
  /** Side effects of an event on this instance (cache invalidation...), before it reaches anyone. */
  onEvent?: (event: CommittedEvent) => void;
  /**
   * Send-to-delivery latency, observed once per message event that reached a listener here (not
   * once per listener: the hot path stays one clock read per message and instance).
   */
  deliveryLatency?: { observe(seconds: number): void };
  /** How long a missing range may stay missing before it is read from the database. */
  gapWaitMs?: number;
  /** How often the clock is read, to notice a commit whose batch never came. */
  pollEveryMs?: number;
  /** Batches held while waiting for a missing one; past this the gap is filled at once. */
  maxPending?: number;
};

/**
 * One per instance: receives every committed batch from the bus and hands each event to the local
 * feeds of its recipients, in position order, each position once. Batches can arrive out of order
 * (workers on several instances publish after their commits) or not at all (a worker killed between
 * commit and publish, a bus outage): a batch that is ahead waits for the missing range, and a range
 * still missing after gapWaitMs is read from PostgreSQL for every user listening here. So what a
 * subscriber sees live is what a replay from the database would give: the same events, in the same
 * order, with no gap and no repeat.
 */
export function createEventRouter(options: EventRouterOptions) {
  const {
    bus,
    topics,
    feeds,
    readClock,
    replay,
    logger,
    onEvent,
    deliveryLatency,
    gapWaitMs = 1000,
    pollEveryMs = 1000,
    maxPending = 10_000,
  } = options;
  const log = logger.child({ component: 'event-router' });
  /** Every position at or below this has been handed to the local feeds. Undefined until started. */
  let delivered: number | undefined;
  const pending = new Map<number, CommittedBatch>();
  /** Highest position known to be committed (from batches or the clock). */
  let known = 0;
  let gapSince: number | undefined;
  let filling: Promise<void> | undefined;
  let unsubscribe: Unsubscribe | undefined;
  let poller: NodeJS.Timeout | undefined;
  let stopped = false;

  /** From the append (or, for an event read back from the database, the commit) to now. */
  const observeLatency = (event: CommittedEvent) => {
    if (event.kind !== 'message' || !deliveryLatency) return;
    const sentAt = event.sentAt ?? event.message.createdAt.getTime();
    deliveryLatency.observe(Math.max(0, Date.now() - sentAt) / 1000);
  };

  const dispatch = (event: CommittedEvent) => {
    onEvent?.(event);
    let reached = false;
    for (const userId of event.recipients) if (feeds.dispatch(userId, event)) reached = true;
    if (reached) observeLatency(event);
  };

  const drain = () => {
    if (delivered === undefined || filling) return;
    for (let next = pending.get(delivered); next; next = pending.get(delivered)) {
      pending.delete(delivered);
      for (const event of next.events) dispatch(event);
      delivered = next.to;
    }
    // Duplicates of what was filled from the database are dropped here.
    for (const [from, batch] of pending) if (batch.to <= delivered) pending.delete(from);
    gapSince = pending.size > 0 || known > delivered ? (gapSince ?? Date.now()) : undefined;
    if (pending.size > maxPending) void fill();
  };

  const onBatch = (batch: CommittedBatch) => {
    known = Math.max(known, batch.to);
    if (delivered !== undefined && batch.to <= delivered) return; // seen already
    pending.set(batch.from, batch);
    drain();
  };

  /** Reads (delivered, target] from the database for every user listening here, then goes on. */
  const fill = (): Promise<void> => {
    if (filling || delivered === undefined || stopped) return filling ?? Promise.resolve();
    const from = delivered;
    const target = Math.min(known, ...[...pending.keys()].filter((f) => f > from));
    if (!(target > from)) return Promise.resolve();
    filling = (async () => {
      const users = feeds.listeningUsers();
      log.warn({ from, to: target, users: users.length }, 'events missing from the bus; reading them from the database');
      // Read per user, but each message's latency observed once, as on the live path.
      const observed = new Set<number>();
      for (const userId of users) {
        for (const event of await replay(userId, from, target)) {
          onEvent?.(event);
          if (feeds.dispatch(userId, event) && !observed.has(event.pos)) {
            observed.add(event.pos);
            observeLatency(event);
          }
        }
      }
      delivered = target;
    })()
      .catch((error) => log.error({ err: error, from, to: target }, 'could not read missing events; trying again'))
      .finally(() => {
        filling = undefined;
        gapSince = undefined;
        drain();
      });
    return filling;
  };

  const tick = async () => {
    if (delivered === undefined) return;
    try {
      known = Math.max(known, await readClock());
    } catch (error) {
      log.debug({ err: error }, 'could not read the event clock');
    }
    drain();
    if (gapSince !== undefined && Date.now() - gapSince >= gapWaitMs) await fill();
  };

  return {
    /** Subscribes, then takes the clock as the starting point: what was committed before is history. */
    async start() {
      unsubscribe = await bus.subscribe(topics.events, (payload) => {
        try {
          onBatch(decodeBatch(payload));
        } catch (error) {
          log.error({ err: error }, 'undecodable event batch dropped');
        }
      });
      delivered = await readClock();
      known = Math.max(known, delivered);
      drain();
      const loop = () => {
        if (stopped) return;
        poller = setTimeout(() => void tick().finally(loop), Math.min(pollEveryMs, gapWaitMs));
        poller.unref();
      };
      loop();
    },
    /** The position up to which every event has reached the local feeds. */
    get delivered() {
      return delivered ?? 0;
    },
    /** Whether live delivery works now (the bus connection is up). */
    isLive: () => bus.isLive(),
    async stop() {
      stopped = true;
      clearTimeout(poller);
      await unsubscribe?.();
      await filling;
    },
  };
}
