// CPU used by PostgreSQL on this machine: every process named `postgres`, read from /proc, split into
// client backends, autovacuum and the background processes (WAL writer, checkpointer, background
// writer). Only meaningful when the database runs on this box, which is how the benchmark is meant
// to be run; elsewhere it reads as unavailable.
import { readdirSync, readFileSync } from 'node:fs';
import { readCpuSeconds } from './child-process.js';

export type PostgresProcessKind = 'backends' | 'autovacuum' | 'background';
export type CpuSnapshot = Map<number, { kind: PostgresProcessKind; seconds: number }>;
export type PostgresCpu = Record<PostgresProcessKind | 'total', number>;

export function snapshotPostgresCpu(): CpuSnapshot | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const snapshot: CpuSnapshot = new Map();
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      snapshot.set(Number(pid), { kind: kindOf(title), seconds: readCpuSeconds(Number(pid)) });
    } catch {
      // exited while we looked
    }
  }
  return snapshot.size > 0 ? snapshot : undefined;
}

/** CPU seconds between two snapshots: processes started in between count whole; ones that ended are lost. */
export function postgresCpuBetween(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined): PostgresCpu {
  const out: PostgresCpu = { backends: 0, autovacuum: 0, background: 0, total: 0 };
  if (!before || !after) return { backends: Number.NaN, autovacuum: Number.NaN, background: Number.NaN, total: Number.NaN };
  for (const [pid, { kind, seconds }] of after) {
    const used = seconds - (before.get(pid)?.seconds ?? 0);
    out[kind] += used;
    out.total += used;
  }
  return out;
}

function kindOf(title: string): PostgresProcessKind {
  if (/autovacuum/.test(title)) return 'autovacuum';
  // Client backends show "user database host(port) state"; the postmaster and auxiliary processes do not.
  if (/\(\d+\)|\[local\]/.test(title)) return 'backends';
  return 'background';
}
