import { DEFAULT_DEAD_LETTER_MAX, type MessageStream, type StreamEntry } from './stream.js';

type Pending = { consumer: string; deliveredAt: number; deliveries: number };

/**
 * The in-process stream: the same consumer-group semantics as the Redis engine (pending entries,
 * claiming idle ones, dead letters, trimming only what is acked), kept in memory for one process.
 */
export function createMemoryStream({
  now = Date.now,
  deadLetterMax = DEFAULT_DEAD_LETTER_MAX,
}: { now?: () => number; deadLetterMax?: number } = {}): MessageStream & { deadLetters: () => readonly DeadLetter[] } {
  const entries: { id: string; payload: string }[] = [];
  const pending = new Map<string, Pending>();
  const dead: DeadLetter[] = [];
  /** Index in `entries` of the next entry never handed out. */
  let nextIndex = 0;
  let lastMs = 0;
  let lastSeq = 0;
  let waiters: (() => void)[] = [];

  const nextId = () => {
    const ms = Math.max(now(), lastMs);
    lastSeq = ms === lastMs ? lastSeq + 1 : 0;
    lastMs = ms;
    return `${ms}-${lastSeq}`;
  };

  const handOut = (consumer: string, count: number): StreamEntry[] => {
    const out: StreamEntry[] = [];
    while (nextIndex < entries.length && out.length < count) {
      const entry = entries[nextIndex++]!;
      pending.set(entry.id, { consumer, deliveredAt: now(), deliveries: 1 });
      out.push({ ...entry, deliveries: 1 });
    }
    return out;
  };

  return {
    length: async () => entries.length,
    async append(payload) {
      const id = nextId();
      entries.push({ id, payload });
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
      return id;
    },
    async ensureGroup() {},
    async readNew(consumer, count, blockMs) {
      const ready = handOut(consumer, count);
      if (ready.length > 0 || blockMs <= 0) return ready;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== wake);
          resolve();
        }, blockMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(wake);
      });
      return handOut(consumer, count);
    },
    async claimIdle(consumer, minIdleMs, count) {
      const out: StreamEntry[] = [];
      const at = now();
      for (const entry of entries) {
        if (out.length >= count) break;
        const p = pending.get(entry.id);
        if (!p || at - p.deliveredAt < minIdleMs) continue;
        p.consumer = consumer;
        p.deliveredAt = at;
        p.deliveries += 1;
        out.push({ ...entry, deliveries: p.deliveries });
      }
      return out;
    },
    async ack(ids) {
      for (const id of ids) pending.delete(id);
    },
    async deadLetter(entry, reason) {
      dead.push({ id: entry.id, payload: entry.payload, reason, deliveries: entry.deliveries });
      if (dead.length > deadLetterMax) dead.splice(0, dead.length - deadLetterMax);
      pending.delete(entry.id);
    },
    async trimAcked() {
      let cut = 0;
      while (cut < nextIndex && !pending.has(entries[cut]!.id)) cut++;
      entries.splice(0, cut);
      nextIndex -= cut;
      return cut;
    },
    async stats() {
      return { length: entries.length, pending: pending.size, undelivered: entries.length - nextIndex, deadLetters: dead.length };
    },
    async pruneConsumers() {
      return []; // one process, one consumer: nobody to forget
    },
    deadLetters: () => dead,
  };
}

export type DeadLetter = { id: string; payload: string; reason: string; deliveries: number };
