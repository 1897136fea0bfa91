// A durable log read by a consumer group: the send path appends, the worker reads, commits, then
// acks. An entry stays pending (and claimable by another consumer) until it is acked.

export type StreamEntry = {
  id: string;
  payload: string;
  /** How many times the group has handed this entry out, this delivery included. */
  deliveries: number;
};

export type StreamStats = {
  length: number;
  /** Entries handed out and not yet acked, across all consumers. */
  pending: number;
  /** Entries appended but not yet handed to any consumer. */
  undelivered: number;
  /** Entries kept in the dead-letter store (at most its cap). */
  deadLetters: number;
};

/** The newest this many dead letters are kept; older ones are dropped (they were logged when they failed). */
export const DEFAULT_DEAD_LETTER_MAX = 10_000;

export interface MessageStream {
  /** Entries in the stream: pending, not yet read, or acked and not yet trimmed. */
  length(): Promise<number>;
  /** Appends one entry; resolves with its id once it is stored. */
  append(payload: string): Promise<string>;
  /** Creates the consumer group if missing. Idempotent. */
  ensureGroup(): Promise<void>;
  /** Entries never handed to the group, at most `count`, waiting at most `blockMs` for the first. */
  readNew(consumer: string, count: number, blockMs: number): Promise<StreamEntry[]>;
  /** Entries pending for at least `minIdleMs` on any consumer, transferred to `consumer`. */
  claimIdle(consumer: string, minIdleMs: number, count: number): Promise<StreamEntry[]>;
  ack(ids: readonly string[]): Promise<void>;
  /** Copies the entry to the dead-letter store (capped: the oldest go first) with the reason, then acks it. */
  deadLetter(entry: StreamEntry, reason: string): Promise<void>;
  /** Deletes entries below the oldest one that is pending or not yet delivered. Returns how many. */
  trimAcked(): Promise<number>;
  stats(): Promise<StreamStats>;
  /**
   * Removes consumers other than `self` that hold no pending entries and have not read for
   * `idleMs`: processes that are gone (each start joins under a new name). Returns their names.
   */
  pruneConsumers(self: string, idleMs: number): Promise<string[]>;
}
