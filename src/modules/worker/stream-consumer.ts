import type { Logger } from '../../infra/logger.js';
import type { MessageStream, StreamEntry } from '../realtime/stream.js';

/**
 * What a batch handler says of each entry: done (ack it), failed (leave it pending, retry later) or
 * poison (can never succeed: dead-letter it now).
 */
export type BatchOutcome = { done: string[]; failed: Map<string, Error>; poison?: Map<string, Error> };

export type StreamConsumerOptions = {
  stream: MessageStream;
  consumer: string;
  handleBatch: (entries: StreamEntry[]) => Promise<BatchOutcome>;
  logger: Logger;
  batchSize?: number;
  /** Upper bound of one blocking read, so that stop() is honoured within it. */
  blockMs?: number;
  /** Entries pending this long on a consumer are taken over (their consumer is presumed dead). */
  claimIdleMs?: number;
  /** How often to look for idle entries and trim the stream. */
  maintenanceEveryMs?: number;
  /** Longest wait between retries after failures (the wait doubles from 100 ms up to this). */
  maxBackoffMs?: number;
  /** A failing entry handed out this many times goes to the dead-letter stream. */
  maxDeliveries?: number;
  onBatch?: (info: { size: number; claimed: boolean; ms: number }) => void;
  onDeadLetter?: (entry: StreamEntry, error: Error) => void;
  /**
   * Failures that mean "the database is away" rather than "this entry is bad": such entries are
   * never dead-lettered, however often they fail, and the consumer backs off before reading on.
   */
  isTransient?: (error: Error) => boolean;
};

export type StreamConsumer = {
  /** Stops reading, lets the batch in hand finish (commit, publish, ack), then resolves. */
  stop(): Promise<void>;
};

const PRUNE_EVERY_MS = 60_000;
/** Far above any live consumer's idle time (at most blockMs plus one batch). */
const PRUNE_IDLE_MS = 10 * 60_000;

/**
 * The generic consumer-group loop. Acks only after the handler reports an entry done, so a crash
 * anywhere before that leaves the entry pending for another consumer to claim. Never throws out of
 * the loop: a failing read or handler is logged and retried with backoff.
 */
export function startStreamConsumer(options: StreamConsumerOptions): StreamConsumer {
  const {
    stream,
    consumer,
    handleBatch,
    logger,
    batchSize = 256,
    blockMs = 1000,
    claimIdleMs = 5000,
    maintenanceEveryMs = 1000,
    maxBackoffMs = 5000,
    maxDeliveries = 5,
    onBatch,
    onDeadLetter,
    isTransient = () => false,
  } = options;
  const log = logger.child({ component: 'stream-consumer', consumer });
  let stopping = false;
  let lastMaintenance = 0;
  let lastPrune = 0;
  /** Ends a backoff wait early: a backoff (up to 5 s) must not hold stop() longer than a read would. */
  let wakeFromBackoff: (() => void) | undefined;

  const handle = async (entries: StreamEntry[], claimed: boolean) => {
    const started = performance.now();
    let outcome: BatchOutcome;
    try {
      outcome = await handleBatch(entries);
    } catch (error) {
      outcome = { done: [], failed: new Map(entries.map((e) => [e.id, error as Error])) };
    }
    if (outcome.done.length > 0) await stream.ack(outcome.done);
    let outage: Error | undefined;
    for (const entry of entries) {
      const poison = outcome.poison?.get(entry.id);
      const error = poison ?? outcome.failed.get(entry.id);
      if (!error) continue;
      if (!poison && isTransient(error)) {
        outage ??= error;
        continue;
      }
      if (poison || entry.deliveries >= maxDeliveries) {
        onDeadLetter?.(entry, error);
        log.error(
          { err: error, entryId: entry.id, deliveries: entry.deliveries },
          'stream entry keeps failing; moved to the dead-letter stream',
        );
        await stream.deadLetter(entry, error.message);
      } else {
        log.warn(
          { err: error, entryId: entry.id, deliveries: entry.deliveries },
          'stream entry failed; it stays pending and will be retried',
        );
      }
    }
    onBatch?.({ size: entries.length, claimed, ms: performance.now() - started });
    if (outage) {
      // Thrown to the loop, which logs it and backs off; the entries stay pending for a retry.
      throw new Error(`the store is unavailable (${outage.message}); ${entries.length - outcome.done.length} entries stay pending`, {
        cause: outage,
      });
    }
  };

  const maintain = async () => {
    lastMaintenance = Date.now();
    const idle = await stream.claimIdle(consumer, claimIdleMs, batchSize);
    if (idle.length > 0) {
      log.info({ count: idle.length }, 'claimed entries left idle by another consumer');
      await handle(idle, true);
    }
    await stream.trimAcked();
    if (lastMaintenance - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = lastMaintenance;
      const gone = await stream.pruneConsumers(consumer, PRUNE_IDLE_MS);
      if (gone.length > 0) log.info({ consumers: gone }, 'forgot stream consumers that are gone (idle, nothing pending)');
    }
  };

  const loop = async () => {
    let groupReady = false;
    let backoffMs = Math.min(100, maxBackoffMs);
    while (!stopping) {
      try {
        if (!groupReady) {
          await stream.ensureGroup();
          groupReady = true;
        }
        if (Date.now() - lastMaintenance >= maintenanceEveryMs) await maintain();
        const entries = await stream.readNew(consumer, batchSize, blockMs);
        if (entries.length > 0) await handle(entries, false);
        backoffMs = Math.min(100, maxBackoffMs);
      } catch (error) {
        log.error({ err: error, retryInMs: backoffMs }, 'stream consumer iteration failed; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          wakeFromBackoff = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeFromBackoff = undefined;
        backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
      }
    }
  };

  const done = loop().catch((error) => log.fatal({ err: error }, 'stream consumer stopped unexpectedly'));

  return {
    async stop() {
      stopping = true;
      wakeFromBackoff?.();
      await done;
    },
  };
}
