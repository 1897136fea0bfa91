// The figures the message worker keeps, and how they reach /metrics when it runs on a thread of its
// own: prom-client's registry lives on the main thread, so the thread counts and sends the counts.
import type { Metrics } from '../../infra/metrics.js';

/** What the worker records: a narrow slice of Metrics, so that a thread can stand in for it. */
export type WorkerMetrics = {
  messagesCommitted: { inc(): void };
  workerLag: { observe(seconds: number): void };
  workerBatchSize: { observe(size: number): void };
  deadLettered: { inc(): void };
};

/** One shipment of figures from the thread; observations in the order they were made. */
export type WorkerFigures = { committed: number; deadLettered: number; lags: number[]; batchSizes: number[] };

/** Above this many waiting observations, figures leave at once rather than at the end of the turn. */
const MAX_WAITING = 1000;

/**
 * Records on the worker's thread and ships what it recorded once per turn of its event loop (a
 * batch's figures leave together, before its answers go out over Redis): one message per batch.
 */
export function createFigureRecorder(ship: (figures: WorkerFigures) => void): WorkerMetrics & { flush(): void } {
  let figures: WorkerFigures = { committed: 0, deadLettered: 0, lags: [], batchSizes: [] };
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (figures.committed + figures.deadLettered + figures.lags.length + figures.batchSizes.length === 0) return;
    const out = figures;
    figures = { committed: 0, deadLettered: 0, lags: [], batchSizes: [] };
    ship(out);
  };
  const recorded = () => {
    if (figures.lags.length + figures.batchSizes.length >= MAX_WAITING) flush();
    else if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  };
  return {
    messagesCommitted: { inc: () => void ((figures.committed += 1), recorded()) },
    deadLettered: { inc: () => void ((figures.deadLettered += 1), recorded()) },
    workerLag: { observe: (seconds) => void (figures.lags.push(seconds), recorded()) },
    workerBatchSize: { observe: (size) => void (figures.batchSizes.push(size), recorded()) },
    flush,
  };
}

/** On the main thread: a shipment into the registry /metrics reads. */
export function applyFigures(metrics: Metrics, figures: WorkerFigures): void {
  if (figures.committed > 0) metrics.messagesCommitted.inc(figures.committed);
  if (figures.deadLettered > 0) metrics.deadLettered.inc(figures.deadLettered);
  for (const seconds of figures.lags) metrics.workerLag.observe(seconds);
  for (const size of figures.batchSizes) metrics.workerBatchSize.observe(size);
}
