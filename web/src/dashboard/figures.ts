// From successive scrapes of /metrics to the figures the dashboard shows: rates from counters over
// the last interval, percentiles from histogram buckets over a recent window, gauges as they are.
import { bucketDelta, bucketsOf, quantile, valueOf, type Scrape } from './prometheus.js';

/** One scrape and when it was read (ms, the page's monotonic clock). */
export type Reading = { at: number; scrape: Scrape };

/** Percentiles are taken over what was observed in about this long: an interval alone holds too few. */
export const PERCENTILE_WINDOW_MS = 10_000;

export type Percentiles = { p50: number; p95: number; p99: number };

export type Figures = {
  sockets?: number;
  sendsPerSecond?: number;
  committedPerSecond?: number;
  deliveriesPerSecond?: number;
  sentTotal?: number;
  deliveredTotal?: number;
  /** Seconds, send to delivery, over the window. */
  deliveryLatency?: Percentiles;
  deliveryCount?: number;
  /** Seconds, append to commit, over the window. */
  workerLag?: Percentiles;
  pending?: number;
  undelivered?: number;
  deadLetters?: number;
  deadLetteredTotal?: number;
  /** Percent of one core. */
  cpuPercent?: number;
  rssBytes?: number;
  heapUsedBytes?: number;
  heapTotalBytes?: number;
  eventLoopLagP99Seconds?: number;
};

/** A counter's increase per second between two readings; a restart in between counts from zero. */
function rate(previous: Reading | undefined, current: Reading, name: string): number | undefined {
  const now = valueOf(current.scrape, name);
  const before = previous && valueOf(previous.scrape, name);
  if (!previous || now === undefined || before === undefined) return undefined;
  const seconds = (current.at - previous.at) / 1000;
  if (!(seconds > 0)) return undefined;
  return Math.max(0, now >= before ? now - before : now) / seconds;
}

function percentiles(base: Reading | undefined, current: Reading, name: string): { values?: Percentiles; count: number } {
  const after = bucketsOf(current.scrape, name);
  if (!after) return { count: 0 };
  const observed = bucketDelta(base && bucketsOf(base.scrape, name), after);
  const count = observed.at(-1)?.count ?? 0;
  const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(observed, q));
  return { count, values: p50 === undefined ? undefined : { p50, p95: p95!, p99: p99! } };
}

/**
 * `history` is the readings so far, oldest first, the current one last. Before a second reading
 * there are no rates; percentiles then cover everything since the server started.
 */
export function computeFigures(history: readonly Reading[]): Figures {
  const current = history.at(-1);
  if (!current) return {};
  const previous = history.at(-2);
  const base = history.find((reading) => current.at - reading.at <= PERCENTILE_WINDOW_MS && reading !== current) ?? previous;
  const { scrape } = current;
  const latency = percentiles(base, current, 'chat_delivery_latency_seconds');
  const cpu = rate(previous, current, 'process_cpu_seconds_total');
  return {
    sockets: valueOf(scrape, 'chat_ws_open_sockets'),
    sendsPerSecond: rate(previous, current, 'chat_messages_sent_total'),
    committedPerSecond: rate(previous, current, 'chat_messages_committed_total'),
    deliveriesPerSecond: rate(previous, current, 'chat_messages_delivered_total'),
    sentTotal: valueOf(scrape, 'chat_messages_sent_total'),
    deliveredTotal: valueOf(scrape, 'chat_messages_delivered_total'),
    deliveryLatency: latency.values,
    deliveryCount: latency.count,
    workerLag: percentiles(base, current, 'chat_worker_lag_seconds').values,
    pending: valueOf(scrape, 'chat_stream_pending'),
    undelivered: valueOf(scrape, 'chat_stream_undelivered'),
    deadLetters: valueOf(scrape, 'chat_stream_dead_letters'),
    deadLetteredTotal: valueOf(scrape, 'chat_stream_dead_lettered_total'),
    cpuPercent: cpu === undefined ? undefined : cpu * 100,
    rssBytes: valueOf(scrape, 'process_resident_memory_bytes'),
    heapUsedBytes: valueOf(scrape, 'nodejs_heap_size_used_bytes'),
    heapTotalBytes: valueOf(scrape, 'nodejs_heap_size_total_bytes'),
    eventLoopLagP99Seconds: valueOf(scrape, 'nodejs_eventloop_lag_p99_seconds'),
  };
}
