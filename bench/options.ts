// What a bench run measures: flags first, then BENCH_* environment variables, then defaults.
import { parseArgs } from 'node:util';

export type WorkloadName = 'dm' | 'fanout';

export type BenchOptions = Readonly<{
  workloads: readonly WorkloadName[];
  /** DM: this many senders, each paired with its own receiver (2 × dmSenders sockets). */
  dmSenders: number;
  /** Fan-out: members of the one group, each with a subscribed socket. */
  groupMembers: number;
  /** Fan-out: members sending into the group in a closed loop. */
  groupSenders: number;
  warmupMs: number;
  durationMs: number;
  /** Skip the chat server's PostgreSQL choice and start the embedded one (slow first start). */
  embeddedDb: boolean;
}>;

export const USAGE = `npm run bench [-- options]
  --workload dm|fanout|all   default all (env BENCH_WORKLOAD)
  --dm-senders S             DM pairs: S senders, S receivers (default 50; BENCH_DM_SENDERS)
  --group-members N          fan-out group size, all subscribed (default 200; BENCH_GROUP_MEMBERS)
  --group-senders S          fan-out senders, members of the group (default 2; BENCH_GROUP_SENDERS)
  --duration SECONDS         measured time per run (default 10; BENCH_DURATION)
  --warmup SECONDS           unmeasured load before it (default 2; BENCH_WARMUP)
  --embedded-db              use the embedded PostgreSQL even if a local one is reachable
Database: BENCH_DATABASE_URL, else DATABASE_URL, else a fresh database on
postgresql://postgres@127.0.0.1:5432 (dropped after), else embedded. Redis mode when REDIS_URL is set.
BENCH_SERVER_NODE_ARGS adds node flags to both servers (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").`;

export class UsageError extends Error {
  override name = 'UsageError';
  /** 0 when the usage was asked for (--help), 2 for a bad flag. */
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        workload: { type: 'string' },
        'dm-senders': { type: 'string' },
        'group-members': { type: 'string' },
        'group-senders': { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        'embedded-db': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) throw new UsageError(USAGE, 0);

  const workload = values.workload ?? env.BENCH_WORKLOAD ?? 'all';
  if (!['dm', 'fanout', 'all'].includes(workload)) throw new UsageError(`--workload must be dm, fanout or all, not "${workload}"`);
  const groupMembers = integer('--group-members', values['group-members'] ?? env.BENCH_GROUP_MEMBERS, 200, 2, 5000);
  const groupSenders = integer('--group-senders', values['group-senders'] ?? env.BENCH_GROUP_SENDERS, 2, 1, 100);
  if (groupSenders > groupMembers) throw new UsageError('--group-senders must not exceed --group-members (senders are members)');

  return Object.freeze({
    workloads: workload === 'all' ? (['dm', 'fanout'] as const) : [workload as WorkloadName],
    dmSenders: integer('--dm-senders', values['dm-senders'] ?? env.BENCH_DM_SENDERS, 50, 1, 2500),
    groupMembers,
    groupSenders,
    durationMs: seconds('--duration', values.duration ?? env.BENCH_DURATION, 10, 1, 600),
    warmupMs: seconds('--warmup', values.warmup ?? env.BENCH_WARMUP, 2, 0, 120),
    embeddedDb: values['embedded-db'] ?? false,
  });
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  return value;
}

function seconds(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`${name} must be a number of seconds from ${min} to ${max}, not "${raw}"`);
  return Math.round(value * 1000);
}
