// The dashboard's reading of /metrics: prom-client's own text parsed back, percentiles as PromQL's
// histogram_quantile gives them, and rates that survive a restart of the server.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { computeFigures, type Reading } from '../../web/src/dashboard/figures.js';
import { bucketsOf, parsePrometheus, quantile, valueOf } from '../../web/src/dashboard/prometheus.js';

function registry() {
  const registers = [new Registry()];
  return {
    registry: registers[0]!,
    sent: new Counter({ name: 'chat_messages_sent_total', help: 'h', registers }),
    sockets: new Gauge({ name: 'chat_ws_open_sockets', help: 'h', registers }),
    latency: new Histogram({ name: 'chat_delivery_latency_seconds', help: 'h', buckets: [0.01, 0.1, 1], registers }),
    labelled: new Gauge({ name: 'odd_labels', help: 'h', labelNames: ['name'], registers }),
  };
}

describe('the dashboard reading /metrics', () => {
  it('when prom-client writes counters, gauges, labels with escapes and histograms, then they are read back', async () => {
    const m = registry();
    m.sent.inc(3);
    m.sockets.set(7);
    m.labelled.set({ name: 'a "quoted", back\\slashed\nname' }, 2);
    m.labelled.set({ name: 'plain' }, 5);
    for (const seconds of [0.005, 0.05, 0.05, 0.5]) m.latency.observe(seconds);
    const scrape = parsePrometheus(await m.registry.metrics());
    expect(valueOf(scrape, 'chat_messages_sent_total')).toBe(3);
    expect(valueOf(scrape, 'chat_ws_open_sockets')).toBe(7);
    expect(valueOf(scrape, 'odd_labels', { name: 'a "quoted", back\\slashed\nname' })).toBe(2);
    expect(valueOf(scrape, 'odd_labels')).toBe(7);
    expect(bucketsOf(scrape, 'chat_delivery_latency_seconds')).toEqual([
      { le: 0.01, count: 1 },
      { le: 0.1, count: 3 },
      { le: 1, count: 4 },
      { le: Infinity, count: 4 },
    ]);
  });

  it('when percentiles are asked of buckets, then they interpolate within the bucket as histogram_quantile does', () => {
    const buckets = [
      { le: 0.01, count: 1 },
      { le: 0.1, count: 3 },
      { le: 1, count: 4 },
      { le: Infinity, count: 4 },
    ];
    expect(quantile(buckets, 0.5)).toBeCloseTo(0.01 + 0.09 * 0.5); // rank 2 of 4: halfway through (0.01, 0.1]
    expect(quantile(buckets, 0.99)).toBeCloseTo(0.1 + 0.9 * 0.96);
    expect(
      quantile(
        [
          { le: 1, count: 0 },
          { le: Infinity, count: 2 },
        ],
        0.5,
      ),
    ).toBe(1); // beyond the last bound
    expect(quantile([{ le: Infinity, count: 0 }], 0.5)).toBeUndefined();
  });

  it('when readings follow each other, then rates are per second over the interval, percentiles cover the window, and a restart counts from zero', async () => {
    const m = registry();
    const read = async (at: number): Promise<Reading> => ({ at, scrape: parsePrometheus(await m.registry.metrics()) });
    m.sent.inc(10);
    m.latency.observe(5); // before the window: not in the percentiles below
    const first = await read(0);
    expect(computeFigures([first]).sendsPerSecond).toBeUndefined();
    m.sent.inc(6);
    m.latency.observe(0.05);
    const second = await read(2000);
    const figures = computeFigures([first, second]);
    expect(figures.sendsPerSecond).toBe(3);
    expect(figures.deliveryCount).toBe(1);
    expect(figures.deliveryLatency!.p99).toBeLessThanOrEqual(0.1);

    const restarted = registry();
    restarted.sent.inc(4);
    const third = { at: 4000, scrape: parsePrometheus(await restarted.registry.metrics()) };
    expect(computeFigures([first, second, third]).sendsPerSecond).toBe(2);
  });
});
