// The Prometheus text exposition format (version 0.0.4), as prom-client writes it: enough to read
// counters, gauges and histograms. Comments (# HELP, # TYPE) are skipped; the names say the kind.

export type Labels = Readonly<Record<string, string>>;
export type Sample = { labels: Labels; value: number };
/** Every sample of a scrape, by series name (histograms as name_bucket, name_sum, name_count). */
export type Scrape = Map<string, Sample[]>;

export function parsePrometheus(text: string): Scrape {
  const scrape: Scrape = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parsed = parseLine(line);
    if (!parsed) continue;
    const list = scrape.get(parsed.name);
    if (list) list.push(parsed.sample);
    else scrape.set(parsed.name, [parsed.sample]);
  }
  return scrape;
}

function parseLine(line: string): { name: string; sample: Sample } | undefined {
  const nameEnd = line.search(/[{\s]/);
  if (nameEnd <= 0) return undefined;
  const name = line.slice(0, nameEnd);
  const labels: Record<string, string> = {};
  let i = nameEnd;
  if (line[i] === '{') {
    i += 1;
    while (i < line.length && line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return undefined;
      const key = line.slice(i, eq).trim();
      let value = '';
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) {
          j += 1;
          value += line[j] === 'n' ? '\n' : line[j];
        } else value += line[j];
      }
      labels[key] = value;
      i = j + 1;
      if (line[i] === ',') i += 1;
    }
    i += 1;
  }
  const [valueText] = line.slice(i).trim().split(/\s+/);
  if (valueText === undefined || valueText === '') return undefined;
  return { name, sample: { labels, value: parseValue(valueText) } };
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text); // NaN stays NaN
}

const matches = (labels: Labels, wanted: Labels) => Object.entries(wanted).every(([key, value]) => labels[key] === value);

/** The sum of a series' samples whose labels include `wanted` (one sample for an unlabelled series); undefined if none. */
export function valueOf(scrape: Scrape, name: string, wanted: Labels = {}): number | undefined {
  let total: number | undefined;
  for (const sample of scrape.get(name) ?? []) if (matches(sample.labels, wanted)) total = (total ?? 0) + sample.value;
  return total;
}

/** A histogram's cumulative buckets, summed over any other labels, in ascending order of `le` (+Inf last). */
export type Buckets = { le: number; count: number }[];

export function bucketsOf(scrape: Scrape, name: string): Buckets | undefined {
  const samples = scrape.get(`${name}_bucket`);
  if (!samples) return undefined;
  const byLe = new Map<number, number>();
  for (const { labels, value } of samples) {
    const le = parseValue(labels.le ?? '+Inf');
    byLe.set(le, (byLe.get(le) ?? 0) + value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** What was observed between two readings of the same histogram (a reset in between: the later reading). */
export function bucketDelta(before: Buckets | undefined, after: Buckets): Buckets {
  if (!before || before.length !== after.length) return after;
  const delta = after.map((bucket, index) => ({ le: bucket.le, count: bucket.count - before[index]!.count }));
  return delta.some((bucket) => bucket.count < 0) ? after : delta;
}

/**
 * The q-quantile of cumulative buckets, as PromQL's histogram_quantile computes it: linear within
 * the bucket the rank falls in; in the +Inf bucket, the highest finite bound. Undefined when empty.
 */
export function quantile(buckets: Buckets, q: number): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  for (let i = 0; i < buckets.length; i++) {
    const bucket = buckets[i]!;
    if (bucket.count < rank) continue;
    const lower = i === 0 ? { le: 0, count: 0 } : buckets[i - 1]!;
    if (bucket.le === Infinity) return lower.le;
    const inBucket = bucket.count - lower.count;
    return inBucket > 0 ? lower.le + ((bucket.le - lower.le) * (rank - lower.count)) / inBucket : bucket.le;
  }
  return buckets.length > 1 ? buckets.at(-2)!.le : undefined;
}
