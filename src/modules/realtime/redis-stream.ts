import type { Redis } from 'ioredis';
import { DEFAULT_DEAD_LETTER_MAX, type MessageStream, type StreamEntry } from './stream.js';

/** Where a deployment's send requests queue (its key prefix keeps deployments apart), and who consumes them. */
export const messageStreamKeys = (keyPrefix: string) => ({ key: `${keyPrefix}stream:messages`, group: 'persisters' });

export type RedisStreamOptions = {
  /** Normal commands: XADD, XACK, XCLAIM, XTRIM... */
  redis: Redis;
  /** Used only for blocking XREADGROUP, which holds its connection for up to blockMs. */
  blocking: Redis;
  key: string;
  group: string;
  /** Cap of the `<key>:dead` stream. */
  deadLetterMax?: number;
};

type RawEntry = [id: string, fields: string[]] | null;

/** Redis Streams engine: one stream, one consumer group, a sibling `<key>:dead` stream. */
export function createRedisStream({
  redis,
  blocking,
  key,
  group,
  deadLetterMax = DEFAULT_DEAD_LETTER_MAX,
}: RedisStreamOptions): MessageStream {
  const deadKey = `${key}:dead`;

  const toEntry = (raw: RawEntry, deliveries: number): StreamEntry | undefined => {
    if (!raw) return undefined; // deleted while pending (XCLAIM reports such ids as nil)
    const [id, fields] = raw;
    const at = fields.indexOf('p');
    return { id, payload: at >= 0 ? (fields[at + 1] ?? '') : '', deliveries };
  };

  const ensureGroup = async () => {
    try {
      await redis.xgroup('CREATE', key, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
  };

  return {
    length: () => redis.xlen(key),
    async append(payload) {
      const id = await redis.xadd(key, '*', 'p', payload);
      if (!id) throw new Error(`XADD to ${key} returned no id`);
      return id;
    },
    ensureGroup,
    async readNew(consumer, count, blockMs) {
      const read = () =>
        blocking.call(
          'XREADGROUP',
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'BLOCK',
          Math.max(1, blockMs),
          'STREAMS',
          key,
          '>',
        ) as Promise<[string, RawEntry[]][] | null>;
      let reply;
      try {
        reply = await read();
      } catch (error) {
        // The group disappears when a Redis without persistence restarts; recreate it and go on.
        if (!String((error as Error).message).includes('NOGROUP')) throw error;
        await ensureGroup();
        reply = await read();
      }
      const raw = reply?.[0]?.[1] ?? [];
      return raw.map((r) => toEntry(r, 1)).filter((e): e is StreamEntry => e !== undefined);
    },
    async claimIdle(consumer, minIdleMs, count) {
      const idle = (await redis.call('XPENDING', key, group, 'IDLE', minIdleMs, '-', '+', count)) as [string, string, number, number][];
      if (idle.length === 0) return [];
      const deliveries = new Map(idle.map(([id, , , times]) => [id, times + 1]));
      const claimed = (await redis.call('XCLAIM', key, group, consumer, minIdleMs, ...idle.map(([id]) => id))) as RawEntry[];
      return claimed.map((raw) => toEntry(raw, raw ? (deliveries.get(raw[0]) ?? 2) : 0)).filter((e): e is StreamEntry => e !== undefined);
    },
    async ack(ids) {
      if (ids.length > 0) await redis.xack(key, group, ...ids);
    },
    async deadLetter(entry, reason) {
      // Copy, then ack; not one MULTI: there a failed XADD (OOM at maxmemory) does not stop the
      // XACK, and the entry would vanish unrecorded. A crash in between leaves it pending, so at
      // worst it is dead-lettered twice.
      // An exact MAXLEN (not ~): dead letters are rare, and a small cap must hold exactly.
      await redis.xadd(
        deadKey,
        'MAXLEN',
        '=',
        deadLetterMax,
        '*',
        'id',
        entry.id,
        'p',
        entry.payload,
        'reason',
        reason,
        'deliveries',
        String(entry.deliveries),
      );
      await redis.xack(key, group, entry.id);
    },
    async trimAcked() {
      // Everything below the oldest pending entry, or with none pending, up to the last entry handed
      // out, is acked. Read that last id *before* the pending summary: another consumer may read in
      // between, and entries it takes then lie above the id read first (or show up as pending).
      const groups = (await redis.call('XINFO', 'GROUPS', key)) as unknown[][];
      const info = groups.map(pairsToObject).find((g) => g.name === group);
      const lastDelivered = typeof info?.['last-delivered-id'] === 'string' ? info['last-delivered-id'] : '0-0';
      const [count, oldestPending] = (await redis.call('XPENDING', key, group)) as [number, string | null, string | null, unknown];
      const minId = count > 0 && oldestPending ? oldestPending : lastDelivered === '0-0' ? undefined : nextId(lastDelivered);
      if (!minId) return 0;
      return Number(await redis.call('XTRIM', key, 'MINID', minId));
    },
    async stats() {
      const [length, summary, groups, deadLetters] = await Promise.all([
        redis.xlen(key),
        redis.call('XPENDING', key, group) as Promise<[number, ...unknown[]]>,
        redis.call('XINFO', 'GROUPS', key) as Promise<unknown[][]>,
        // A figure for /metrics: a damaged dead-letter key must not take the stream's stats with it.
        redis.xlen(deadKey).catch(() => 0),
      ]);
      const info = groups.map(pairsToObject).find((g) => g.name === group);
      const lag = typeof info?.lag === 'number' ? info.lag : 0;
      return { length, pending: Number(summary[0]), undelivered: lag, deadLetters };
    },
    async pruneConsumers(self, idleMs) {
      const consumers = ((await redis.call('XINFO', 'CONSUMERS', key, group)) as unknown[][]).map(pairsToObject);
      const gone = consumers
        .filter((c) => c.name !== self && Number(c.pending) === 0 && Number(c.idle) >= idleMs)
        .map((c) => String(c.name));
      // Only consumers with nothing pending (DELCONSUMER would drop their entries); one that is not
      // gone after all is re-created by its next read.
      for (const name of gone) await redis.xgroup('DELCONSUMER', key, group, name);
      return gone;
    },
  };
}

/** The smallest id after `id` (MINID keeps `id` itself; with nothing pending, it can go too). */
function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}

function pairsToObject(pairs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = pairs[i + 1];
  return out;
}
