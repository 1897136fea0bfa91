// The grid of panels: each shows its figures as text (the numbers, for reading and for assistive
// technology) beside a small chart of their recent history.
import { LineChart, StatusStrip } from './chart.js';
import { PERCENTILE_WINDOW_MS, type Figures } from './figures.js';

/** What /ready answers (200 or 503 alike). */
export type Readiness = {
  status: string;
  postgres?: { ok: boolean; error?: string };
  redis?: { ok: boolean; used?: boolean; engine?: string; error?: string };
  migrations?: { ok: boolean; error?: string };
};
export type HealthReading = { readiness?: Readiness; roundTripMs?: number; error?: string };

const count = (n: number) => Math.round(n).toLocaleString('en');
const perSecond = (n: number) => `${n < 10 ? n.toFixed(1) : count(n)}/s`;
const ms = (seconds: number) => {
  const value = seconds * 1000;
  return `${value < 10 ? value.toFixed(1) : count(value)} ms`;
};
const percent = (n: number) => `${n.toFixed(1)} %`;
const MiB = 2 ** 20;
const mib = (mebibytes: number) => `${mebibytes.toFixed(1)} MiB`;

type ValueSpec = {
  key: string;
  label: string;
  read: (figures: Figures) => number | undefined;
  format: (value: number) => string;
  /** Text only, not charted (totals and such). */
  textOnly?: boolean;
};
type PanelSpec = { title: string; note?: string; values: ValueSpec[]; format: (value: number) => string; minScale: number };

const windowSeconds = PERCENTILE_WINDOW_MS / 1000;

const PANELS: PanelSpec[] = [
  {
    title: 'Connected sockets',
    format: count,
    minScale: 5,
    values: [{ key: 'sockets', label: 'open', read: (f) => f.sockets, format: count }],
  },
  {
    title: 'Sends',
    format: perSecond,
    minScale: 1,
    values: [
      { key: 'sends', label: 'sent', read: (f) => f.sendsPerSecond, format: perSecond },
      { key: 'committed', label: 'committed', read: (f) => f.committedPerSecond, format: perSecond },
      { key: 'sent-total', label: 'since start', read: (f) => f.sentTotal, format: count, textOnly: true },
    ],
  },
  {
    title: 'Deliveries',
    note: 'Message events handed to subscriptions on this instance.',
    format: perSecond,
    minScale: 1,
    values: [
      { key: 'deliveries', label: 'delivered', read: (f) => f.deliveriesPerSecond, format: perSecond },
      { key: 'delivered-total', label: 'since start', read: (f) => f.deliveredTotal, format: count, textOnly: true },
    ],
  },
  {
    title: 'Send to delivery latency',
    note: `Percentiles over the last ${windowSeconds} s, from the append to the hand-off to local subscriptions.`,
    format: ms,
    minScale: 0.01,
    values: [
      { key: 'latency-p50', label: 'p50', read: (f) => f.deliveryLatency?.p50, format: ms },
      { key: 'latency-p95', label: 'p95', read: (f) => f.deliveryLatency?.p95, format: ms },
      { key: 'latency-p99', label: 'p99', read: (f) => f.deliveryLatency?.p99, format: ms },
      { key: 'latency-count', label: 'messages', read: (f) => f.deliveryCount, format: count, textOnly: true },
    ],
  },
  {
    title: 'Stream lag',
    note: `Append to commit by the worker, over the last ${windowSeconds} s.`,
    format: ms,
    minScale: 0.01,
    values: [
      { key: 'lag-p50', label: 'p50', read: (f) => f.workerLag?.p50, format: ms },
      { key: 'lag-p99', label: 'p99', read: (f) => f.workerLag?.p99, format: ms },
    ],
  },
  {
    title: 'Stream entries',
    format: count,
    minScale: 5,
    values: [
      { key: 'pending', label: 'pending (read, not acked)', read: (f) => f.pending, format: count },
      { key: 'undelivered', label: 'not yet read', read: (f) => f.undelivered, format: count },
    ],
  },
  {
    title: 'Dead letters',
    note: 'Entries that could not be stored; each was logged with its error.',
    format: count,
    minScale: 5,
    values: [
      { key: 'dead-letters', label: 'kept', read: (f) => f.deadLetters, format: count },
      { key: 'dead-lettered-total', label: 'since start', read: (f) => f.deadLetteredTotal, format: count, textOnly: true },
    ],
  },
  {
    title: 'Process CPU',
    format: percent,
    minScale: 10,
    values: [
      { key: 'cpu', label: 'of one core', read: (f) => f.cpuPercent, format: percent },
      { key: 'event-loop-lag', label: 'event loop lag p99', read: (f) => f.eventLoopLagP99Seconds, format: ms, textOnly: true },
    ],
  },
  {
    title: 'Process memory',
    format: mib,
    minScale: 64,
    values: [
      { key: 'rss', label: 'resident', read: (f) => (f.rssBytes === undefined ? undefined : f.rssBytes / MiB), format: mib },
      {
        key: 'heap-used',
        label: 'JS heap used',
        read: (f) => (f.heapUsedBytes === undefined ? undefined : f.heapUsedBytes / MiB),
        format: mib,
      },
      {
        key: 'heap-total',
        label: 'JS heap total',
        read: (f) => (f.heapTotalBytes === undefined ? undefined : f.heapTotalBytes / MiB),
        format: mib,
        textOnly: true,
      },
    ],
  },
];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, unknown>> = {}, ...children: Node[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function valueRow(key: string, label: string, seriesIndex: number | undefined) {
  const dt = element('dt', {}, document.createTextNode(label));
  if (seriesIndex !== undefined) dt.prepend(element('span', { className: `swatch series-${seriesIndex + 1}`, ariaHidden: 'true' }));
  const dd = element('dd', { textContent: '—' });
  dd.dataset.testid = `value-${key}`;
  return { row: element('div', {}, dt, dd), dd };
}

function panel(title: string, note: string | undefined, ...content: Node[]) {
  const id = `panel-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const section = element('section', { className: 'panel' });
  section.setAttribute('aria-labelledby', id);
  section.append(element('h2', { id, textContent: title }), ...content);
  if (note) section.append(element('p', { className: 'note', textContent: note }));
  return section;
}

export function createBoard() {
  const root = element('div', { className: 'board' });
  const updaters: ((figures: Figures | undefined) => void)[] = [];

  for (const spec of PANELS) {
    const charted = spec.values.filter((value) => !value.textOnly);
    const chart = new LineChart(
      spec.title,
      charted.map((value) => ({ label: value.label })),
      spec.format,
      spec.minScale,
    );
    const rows = spec.values.map((value) => ({
      value,
      ...valueRow(value.key, value.label, value.textOnly ? undefined : charted.indexOf(value)),
    }));
    root.append(panel(spec.title, spec.note, element('dl', { className: 'values' }, ...rows.map((r) => r.row)), chart.element));
    updaters.push((figures) => {
      for (const { value, dd } of rows) {
        const reading = figures && value.read(figures);
        dd.textContent = reading === undefined || !Number.isFinite(reading) ? '—' : value.format(reading);
      }
      chart.push(charted.map((value) => figures && value.read(figures)));
    });
  }

  const checks = [
    { key: 'postgres', label: 'PostgreSQL' },
    { key: 'redis', label: 'Redis' },
    { key: 'migrations', label: 'Migrations' },
  ] as const;
  const healthRows = checks.map((check) => ({
    check,
    strip: new StatusStrip(`${check.label} checks`),
    ...valueRow(check.key, check.label, undefined),
  }));
  const roundTrip = valueRow('ready-round-trip', '/ready round trip', undefined);
  const healthList = element('dl', { className: 'values health' });
  for (const { row, strip } of healthRows) healthList.append(row, strip.element);
  healthList.append(roundTrip.row);
  root.append(panel('Database and Redis', 'From /ready, read with every update.', healthList));

  return {
    element: root,
    update(figures: Figures | undefined, health: HealthReading) {
      for (const update of updaters) update(figures);
      for (const { check, strip, dd } of healthRows) {
        const result = health.readiness?.[check.key];
        const used = !(check.key === 'redis' && health.readiness?.redis?.used === false);
        dd.textContent = !result
          ? `unknown${health.error ? `: ${health.error}` : ''}`
          : !used
            ? 'not used (in-process bus)'
            : result.ok
              ? 'up'
              : `down: ${result.error ?? 'no answer'}`;
        dd.className = !result ? 'unknown' : result.ok ? 'up' : 'down';
        strip.push(result ? result.ok : undefined);
      }
      roundTrip.dd.textContent = health.roundTripMs === undefined ? '—' : `${count(health.roundTripMs)} ms`;
    },
  };
}
