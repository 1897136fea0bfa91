// What gets printed: the machine, then one table per workload with the bare ws ceiling beside it.
import os from 'node:os';
import { settledRss } from './child-process.js';
import type { IdleMeasurement } from './idle-workload.js';
import type { Measurement } from './measure.js';
import type { BenchOptions } from './options.js';

export function machineLines(options: BenchOptions): string[] {
  const cpus = os.cpus();
  return [
    `machine: ${cpus.length} cpus (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    `node ${process.version} on ${os.platform()} ${os.arch()}`,
    `engine: ${process.env.REDIS_URL || process.env.REDIS_ADDR ? 'redis (REDIS_URL set)' : 'memory (REDIS_URL unset)'}`,
    `run: ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s measured per server and workload; ` +
      `DM senders ${options.dmSenders}, DM users ${options.dmUsers}; group members ${options.groupMembers}, group senders ${options.groupSenders}` +
      (options.workloads.includes('idle') ? `; idle sockets ${options.idleSockets}` : ''),
    ...(options.historyLevels.length > 0
      ? [`stored-history mode: DM at ${options.historyLevels.map((n) => n.toLocaleString('en')).join(', ')} stored messages`]
      : []),
  ];
}

type Row = [figure: string, value: (m: Measurement) => number, digits: number];

export function resultTable(title: string, chat: Measurement, bare: Measurement, baseline?: Measurement): string {
  const perSecond = (m: Measurement, count: number) => count / m.window.seconds;
  const cpuMicros = (m: Measurement, count: number) => (count ? (m.serverCpuSeconds * 1e6) / count : Number.NaN);
  const rows: Row[] = [
    ['sends/s (answered)', (m) => perSecond(m, m.window.sends), 0],
    ['deliveries/s (events received)', (m) => perSecond(m, m.window.deliveries), 0],
    ['p50 send→receive (ms)', (m) => m.window.p50Ms, 2],
    ['p99 send→receive (ms)', (m) => m.window.p99Ms, 2],
    ['max send→receive (ms)', (m) => m.window.maxMs, 1],
    ['server CPU (cores busy)', (m) => m.serverCpuSeconds / m.window.seconds, 2],
    ['server CPU per send (µs)', (m) => cpuMicros(m, m.window.sends), 0],
    ['server CPU per delivery (µs)', (m) => cpuMicros(m, m.window.deliveries), 1],
    ['PostgreSQL CPU per send (µs)', (m) => databaseMicros(m), 0],
    ['Redis commands per send', (m) => (m.window.sends ? m.redisCommands / m.window.sends : Number.NaN), 2],
    ['Redis CPU per send (µs)', (m) => (m.window.sends ? (m.redisCpuSeconds * 1e6) / m.window.sends : Number.NaN), 0],
    ['server RSS per socket (KiB)', (m) => perSocketKiB(m), 1],
    ['server JS heap per socket (KiB)', (m) => jsPerSocketKiB(m), 1],
    ['server RSS before sockets (MiB)', (m) => mib(m.beforeSockets.rssBytes), 1],
    ['server RSS, sockets idle (MiB)', (m) => mib(m.socketsIdle.rssBytes), 1],
    ['server RSS after load (MiB)', (m) => mib(m.afterLoad.rssBytes), 1],
    ['failed sends', (m) => m.window.failedSends, 0],
  ];
  const header = ['figure', 'chat server', ...(baseline ? ['baseline', 'chat/baseline'] : []), 'bare ws', 'ratio (chat/bare)'];
  const body = rows.map(([figure, value, digits]) => {
    const [a, b] = [value(chat), value(bare)];
    const base = baseline ? [format(value(baseline), digits), ratio(a, value(baseline))] : [];
    return [figure, format(a, digits), ...base, format(b, digits), ratio(a, b)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');

  const notes = [
    `${chat.window.seconds.toFixed(1)} s measured (chat), ${bare.window.seconds.toFixed(1)} s (bare); ` +
      `latency samples: ${chat.window.samples} chat, ${bare.window.samples} bare; ${chat.sockets} sockets each`,
    `memory is read after a full GC in the server; per socket = growth from "before sockets" to "sockets idle" / sockets ` +
      `(RSS without V8's young generation; JS heap = heap used + external)`,
    ...Object.entries(chat.facts).map(([key, value]) => `${key}: ${value}`),
    ...(baseline ? [`baseline: ${baseline.facts.database ?? ''}`, ...problems('baseline', baseline)] : []),
    ...problems('chat server', chat),
    ...problems('bare ws', bare),
  ];
  return [
    `\n== ${title} ==`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...body.map(line),
    ...notes.map((n) => `  ${n}`),
  ].join('\n');
}

/**
 * RSS outside the JS heap (allocator arenas, compiler zones, wasm code) moves by tens of MiB on its
 * own in the chat server; beyond this much plus ~2 KiB a socket, RSS per socket is that noise.
 */
const NATIVE_NOISE_BYTES = 2 * 2 ** 20;

/** The readings per-socket figures come from: any workload that connects sockets and reads memory around it. */
type SocketMemory = Pick<Measurement, 'beforeSockets' | 'socketsIdle' | 'sockets'>;

const rssPerSocketKiB = (m: SocketMemory) => (settledRss(m.socketsIdle) - settledRss(m.beforeSockets)) / m.sockets / 1024;
/** RSS per socket, n/a when native memory moved too far on its own between the readings. */
const perSocketKiB = (m: SocketMemory) => (nativeNoise(m) !== undefined ? Number.NaN : rssPerSocketKiB(m));
const jsPerSocketKiB = (m: SocketMemory) => (m.socketsIdle.jsBytes - m.beforeSockets.jsBytes) / m.sockets / 1024;
const mib = (bytes: number) => bytes / 2 ** 20;

/** How far RSS outside the JS heap moved while the sockets connected, when that is too far to ignore. */
function nativeNoise(m: SocketMemory): number | undefined {
  const moved = m.socketsIdle.nativeBytes - m.beforeSockets.nativeBytes;
  return Math.abs(moved) > NATIVE_NOISE_BYTES + m.sockets * 2048 ? moved : undefined;
}

function noiseNote(name: string, m: SocketMemory): string[] {
  const noise = nativeNoise(m);
  if (noise === undefined) return [];
  return [
    `${name}: RSS outside the JS heap moved by ${(noise / 2 ** 20).toFixed(1)} MiB while sockets connected (allocator and ` +
      `compiler memory, not sockets), so RSS per socket (${rssPerSocketKiB(m).toFixed(1)} KiB) is noise in this run; the JS heap figure holds`,
  ];
}

function problems(name: string, m: Measurement): string[] {
  const out = noiseNote(name, m);
  if (m.window.firstError) out.push(`${name}: a send failed (${m.window.failedSends} in the window): ${m.window.firstError}`);
  if (m.feedErrors) out.push(`${name}: ${m.feedErrors} subscription(s) or socket(s) ended early`);
  if (m.serverErrors.count) out.push(`${name} logged ${m.serverErrors.count} error(s), first: ${m.serverErrors.first.join(' | ')}`);
  return out;
}

/** The idle workload: N subscribed sockets, then a window with no sends, chat server beside bare ws. */
export function idleTable(chat: IdleMeasurement, bare: IdleMeasurement): string {
  const percentOfCore = (m: IdleMeasurement) => (m.serverCpuSeconds / m.idleSeconds) * 100;
  const microsPerSocketSecond = (m: IdleMeasurement) => (m.serverCpuSeconds * 1e6) / m.sockets / m.idleSeconds;
  const rows: [figure: string, value: (m: IdleMeasurement) => number, digits: number][] = [
    ['sockets', (m) => m.sockets, 0],
    ['subscriptions per socket', (m) => m.subscriptionsPerSocket, 0],
    ['server RSS per socket (KiB)', (m) => perSocketKiB(m), 1],
    // The same growth once the window is over: what the connect burst borrowed from the allocator
    // (read buffers, compiler zones) is mostly handed back by then, and what is left is the sockets'.
    [
      'server RSS per socket after the idle window (KiB)',
      (m) => (settledRss(m.afterIdle) - settledRss(m.beforeSockets)) / m.sockets / 1024,
      1,
    ],
    ['server JS heap per socket (KiB)', (m) => jsPerSocketKiB(m), 1],
    ['server RSS before sockets (MiB)', (m) => mib(m.beforeSockets.rssBytes), 1],
    ['server RSS, sockets idle (MiB)', (m) => mib(m.socketsIdle.rssBytes), 1],
    ['server RSS after the idle window (MiB)', (m) => mib(m.afterIdle.rssBytes), 1],
    ['server CPU while idle (% of one core)', (m) => percentOfCore(m), 2],
    ['server CPU while idle (µs per socket per s)', (m) => microsPerSocketSecond(m), 3],
    ['Redis commands while idle (per s)', (m) => m.redisCommands / m.idleSeconds, 1],
    ['Redis CPU while idle (% of one core)', (m) => (m.redisCpuSeconds / m.idleSeconds) * 100, 2],
    ['feed errors', (m) => m.feedErrors, 0],
  ];
  const header = ['figure', 'chat server', 'bare ws', 'ratio (chat/bare)'];
  const body = rows.map(([figure, value, digits]) => {
    const [a, b] = [value(chat), value(bare)];
    return [figure, format(a, digits), format(b, digits), ratio(a, b)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  const timing = (name: string, m: IdleMeasurement) =>
    `${name}: ${m.sockets.toLocaleString('en')} sockets connected in ${m.connectSeconds.toFixed(1)} s ` +
    `(${Math.round(m.sockets / m.connectSeconds).toLocaleString('en')}/s), every subscription live ${m.liveSeconds.toFixed(1)} s later`;
  const notes = [
    `${chat.idleSeconds.toFixed(1)} s idle (chat), ${bare.idleSeconds.toFixed(1)} s (bare), no sends; ` +
      `users paired into ${Math.ceil(chat.sockets / 2).toLocaleString('en')} direct conversations, one socket per user`,
    'chat server sockets subscribe to messageReceived and inbox, bare ws sockets to its one feed',
    `memory is read after a full GC in the server; per socket = growth from "before sockets" to "sockets idle" / sockets ` +
      `(RSS without V8's young generation; JS heap = heap used + external)`,
    `the chat server pings every socket each WS_KEEPALIVE (12 s by default), so a shorter window holds one sweep or none; ` +
      `the bare ws server sends no pings; CPU is read from /proc in 10 ms ticks (0 = less than one tick in the window)`,
    timing('chat server', chat),
    timing('bare ws', bare),
    ...(Number.isFinite(chat.databaseCpuSeconds)
      ? [`PostgreSQL CPU while idle: ${format(chat.databaseCpuSeconds * 1000, 0)} ms (every postgres process on this box)`]
      : []),
    ...Object.entries(chat.facts).map(([key, value]) => `${key}: ${value}`),
    ...idleProblems('chat server', chat),
    ...idleProblems('bare ws', bare),
  ];
  return [
    `\n== idle: ${chat.sockets.toLocaleString('en')} subscribed sockets, no sends ==`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...body.map(line),
    ...notes.map((n) => `  ${n}`),
  ].join('\n');
}

function idleProblems(name: string, m: IdleMeasurement): string[] {
  const out = noiseNote(name, m);
  if (m.feedErrors) out.push(`${name}: ${m.feedErrors} subscription(s) or socket(s) ended early`);
  if (m.serverErrors.count) out.push(`${name} logged ${m.serverErrors.count} error(s), first: ${m.serverErrors.first.join(' | ')}`);
  return out;
}

const databaseMicros = (m: Measurement) => (m.window.sends ? (m.databaseCpuSeconds * 1e6) / m.window.sends : Number.NaN);

/** Stored-history mode: one row per level of stored messages, the bare ceiling last. */
export function historyTable(title: string, levels: readonly { stored: number; chat: Measurement }[], bare: Measurement): string {
  const sendsPerSecond = (m: Measurement) => m.window.sends / m.window.seconds;
  const cpuPerSend = (m: Measurement) => (m.window.sends ? (m.serverCpuSeconds * 1e6) / m.window.sends : Number.NaN);
  const first = levels[0]!.chat;
  const header = [
    'stored messages',
    'sends/s',
    'vs first',
    'vs bare',
    'p50 ms',
    'p99 ms',
    'server CPU/send µs',
    'vs bare',
    'PostgreSQL CPU/send µs',
    'vs first',
    'failed',
  ];
  const rows = levels.map(({ stored, chat }) => [
    stored.toLocaleString('en'),
    format(sendsPerSecond(chat), 0),
    ratio(sendsPerSecond(chat), sendsPerSecond(first)),
    ratio(sendsPerSecond(chat), sendsPerSecond(bare)),
    format(chat.window.p50Ms, 1),
    format(chat.window.p99Ms, 1),
    format(cpuPerSend(chat), 0),
    ratio(cpuPerSend(chat), cpuPerSend(bare)),
    format(databaseMicros(chat), 0),
    ratio(databaseMicros(chat), databaseMicros(first)),
    format(chat.window.failedSends, 0),
  ]);
  rows.push([
    'bare ws ceiling',
    format(sendsPerSecond(bare), 0),
    '',
    '',
    format(bare.window.p50Ms, 1),
    format(bare.window.p99Ms, 1),
    format(cpuPerSend(bare), 0),
    '',
    '',
    '',
    format(bare.window.failedSends, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  const notes = [
    'each level seeds more history into the same database (users, direct conversations, messages, refresh tokens), then runs the DM workload',
    'PostgreSQL CPU: every `postgres` process on this box in the measured window (backends, WAL writer, checkpointer, autovacuum) / answered sends',
    ...levels.map(({ stored, chat }) => {
      const per = (seconds: number) => format(chat.window.sends ? (seconds * 1e6) / chat.window.sends : Number.NaN, 1);
      const cpu = chat.databaseCpu;
      return `PostgreSQL CPU per send at ${stored.toLocaleString('en')}: backends ${per(cpu.backends)} µs, autovacuum ${per(cpu.autovacuum)} µs, background ${per(cpu.background)} µs`;
    }),
    ...levels.flatMap(({ stored, chat }) => problems(`chat server at ${stored.toLocaleString('en')}`, chat)),
    ...problems('bare ws', bare),
  ];
  return [
    `\n== ${title} ==`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    ...notes.map((n) => `  ${n}`),
  ].join('\n');
}

function format(value: number, digits: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(chat: number, bare: number): string {
  // A ratio of a figure at or below zero (RSS growth within noise, no failures) says nothing.
  if (!Number.isFinite(chat) || !Number.isFinite(bare) || bare <= 0 || chat < 0) return 'n/a';
  const value = chat / bare;
  return value >= 10 ? value.toFixed(1) : value.toFixed(value >= 1 ? 2 : 3);
}
