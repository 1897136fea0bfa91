// Counting inside the measured window, and latency percentiles.

/** Nearest-rank percentile (p in 0..100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Latency samples kept beyond this are dropped (memory stays bounded); the count says so. */
const MAX_SAMPLES = 5_000_000;

export type WindowFigures = {
  seconds: number;
  sends: number;
  deliveries: number;
  failedSends: number;
  /** Latencies kept (send start inside the window, event received inside it). */
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  firstError: string | undefined;
};

/**
 * Counts what happens between `open()` and `close()`. Times are performance.now() of this process,
 * which both sends and receives, so a timestamp carried in the message measures send → receive.
 */
export class WindowRecorder {
  private start = Number.POSITIVE_INFINITY;
  private end = Number.POSITIVE_INFINITY;
  private sends = 0;
  private deliveries = 0;
  private failedSends = 0;
  private firstError: string | undefined;
  private latencies = new Float64Array(1024);
  private count = 0;

  open(now = performance.now()) {
    this.start = now;
  }

  close(now = performance.now()) {
    this.end = now;
  }

  private inside(now: number) {
    return now >= this.start && now <= this.end;
  }

  sendAnswered(now: number) {
    if (this.inside(now)) this.sends += 1;
  }

  sendFailed(now: number, error: unknown) {
    this.firstError ??= error instanceof Error ? error.message : String(error);
    if (this.inside(now)) this.failedSends += 1;
  }

  /** An event on some subscribed socket; `sentAt` is set for another user's message (a latency sample). */
  delivered(now: number, sentAt: number | undefined) {
    if (!this.inside(now)) return;
    this.deliveries += 1;
    if (sentAt === undefined || sentAt < this.start || this.count >= MAX_SAMPLES) return;
    if (this.count === this.latencies.length) {
      const grown = new Float64Array(Math.min(MAX_SAMPLES, this.latencies.length * 2));
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.count++] = now - sentAt;
  }

  figures(): WindowFigures {
    const sorted = this.latencies.slice(0, this.count).sort();
    return {
      seconds: (this.end - this.start) / 1000,
      sends: this.sends,
      deliveries: this.deliveries,
      failedSends: this.failedSends,
      samples: this.count,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: this.count ? sorted[this.count - 1]! : Number.NaN,
      firstError: this.firstError,
    };
  }
}
