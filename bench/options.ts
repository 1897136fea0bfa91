// What a bench run measures: flags first, then BENCH_* environment variables, then defaults.
import { parseArgs } from 'node:util';

export type WorkloadName = 'dm' | 'fanout' | 'inbox' | 'files' | 'idle';

export type BenchOptions = Readonly<{
  workloads: readonly WorkloadName[];
  /** DM: this many senders, each paired with its own receiver. */
  dmSenders: number;
  /** DM: users connected and subscribed in all (at least 2 × dmSenders; the rest are idle). */
  dmUsers: number;
  /**
   * Stored-history mode: the DM workload at each of these numbers of stored messages, seeded before
   * each run, in one database (ascending). Empty: the usual workloads on a fresh database.
   */
  historyLevels: readonly number[];
  /** Inbox: the user's conversations, and messages sent into each to fill the stream. */
  inboxConversations: number;
  inboxMessages: number;
  /** Another checkout whose chat server runs the DM workload in the same run (before/after a change). */
  baselineDir: string | undefined;
  /** Fan-out: members of the one group, each with a subscribed socket. */
  groupMembers: number;
  /** Fan-out: members sending into the group in a closed loop. */
  groupSenders: number;
  /** Idle: sockets connected and subscribed, one per user, users paired into DMs, then no sends at all. */
  idleSockets: number;
  /** Chat server instances sharing one Redis and one database; users' sockets are spread over them. */
  instances: number;
  warmupMs: number;
  durationMs: number;
  /** Skip the chat server's PostgreSQL choice and start the embedded one (slow first start). */
  embeddedDb: boolean;
}>;

export const USAGE = `npm run bench [-- options]
  --workload W[,W]           dm, fanout, inbox, files, idle or all (dm and fanout); default all (env BENCH_WORKLOAD)
                             files: 20 concurrent uploads of 25 MiB (MAX_UPLOAD_BYTES), then downloads
                             idle: --idle-sockets subscribed sockets, then --duration seconds with no sends:
                             server RSS per socket and CPU while idle
  --dm-senders S             DM pairs: S senders, S receivers (default 50; BENCH_DM_SENDERS)
  --dm-users N               DM: users connected in all, the ones beyond the pairs idle (default 2 × S; BENCH_DM_USERS)
  --history N,N,...          stored-history mode: the DM workload at each number of stored messages, seeded
                             (generate_series) into one database before each run, e.g. 0,1000000,5000000
                             (BENCH_HISTORY); reports sends/s and server + PostgreSQL CPU per message
  --group-members N          fan-out group size, all subscribed (default 200; BENCH_GROUP_MEMBERS)
  --group-senders S          fan-out senders, members of the group (default 2; BENCH_GROUP_SENDERS)
  --idle-sockets N           idle: users, each with one socket (messageReceived + inbox on the chat server),
                             paired into DMs (default 10000; BENCH_IDLE_SOCKETS); needs ulimit -n above N
  --instances N              run the chat server as N instances on one Redis and one database, each user's
                             socket on instance (user number mod N); needs REDIS_URL (default 1; BENCH_INSTANCES)
  --duration SECONDS         measured time per run (default 10; BENCH_DURATION)
  --warmup SECONDS           unmeasured load before it (default 2; BENCH_WARMUP)
  --inbox-conversations N    inbox: groups the measured user is in (default 1000; BENCH_INBOX_CONVERSATIONS)
  --inbox-messages N         inbox: messages sent into each, replayed after (default 10; BENCH_INBOX_MESSAGES)
  --baseline DIR             also run the DM workload on the chat server of another checkout (its own fresh
                             database), in the same run: e.g. \`git worktree add ../base <ref>\` + npm ci there
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
        'inbox-conversations': { type: 'string' },
        'inbox-messages': { type: 'string' },
        baseline: { type: 'string' },
        'dm-senders': { type: 'string' },
        'dm-users': { type: 'string' },
        history: { type: 'string' },
        'group-members': { type: 'string' },
        'group-senders': { type: 'string' },
        'idle-sockets': { type: 'string' },
        instances: { type: 'string' },
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
  const names = workload === 'all' ? ['dm', 'fanout'] : workload.split(',').map((w) => w.trim());
  for (const name of names) {
    if (!['dm', 'fanout', 'inbox', 'files', 'idle'].includes(name))
      throw new UsageError(`--workload takes dm, fanout, inbox, files, idle or all, not "${name}"`);
  }
  const groupMembers = integer('--group-members', values['group-members'] ?? env.BENCH_GROUP_MEMBERS, 200, 2, 5000);
  const groupSenders = integer('--group-senders', values['group-senders'] ?? env.BENCH_GROUP_SENDERS, 2, 1, 100);
  if (groupSenders > groupMembers) throw new UsageError('--group-senders must not exceed --group-members (senders are members)');

  const dmSenders = integer('--dm-senders', values['dm-senders'] ?? env.BENCH_DM_SENDERS, 50, 1, 2500);
  const dmUsers = integer('--dm-users', values['dm-users'] ?? env.BENCH_DM_USERS, 2 * dmSenders, 2, 20_000);
  if (dmUsers < 2 * dmSenders) throw new UsageError('--dm-users must be at least 2 × --dm-senders (each sender has its own receiver)');
  const historyLevels = levels(values.history ?? env.BENCH_HISTORY);
  if (historyLevels.length > 0 && values.workload !== undefined && names.some((name) => name !== 'dm' && name !== 'inbox'))
    throw new UsageError('--history runs the dm and inbox workloads; give --workload dm, inbox or dm,inbox');

  const instances = integer('--instances', values.instances ?? env.BENCH_INSTANCES, 1, 1, 4);
  if (instances > 1 && !env.REDIS_URL) throw new UsageError('--instances above 1 needs REDIS_URL: instances meet only through Redis');

  return Object.freeze({
    instances,
    workloads: (historyLevels.length > 0 && values.workload === undefined ? ['dm'] : names) as WorkloadName[],
    inboxConversations: integer('--inbox-conversations', values['inbox-conversations'] ?? env.BENCH_INBOX_CONVERSATIONS, 1000, 1, 5000),
    inboxMessages: integer('--inbox-messages', values['inbox-messages'] ?? env.BENCH_INBOX_MESSAGES, 10, 1, 1000),
    baselineDir: values.baseline ?? env.BENCH_BASELINE ?? undefined,
    dmSenders,
    dmUsers,
    historyLevels,
    groupMembers,
    groupSenders,
    idleSockets: integer('--idle-sockets', values['idle-sockets'] ?? env.BENCH_IDLE_SOCKETS, 10_000, 2, 50_000),
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

/** "0,1000000,5e6" -> [0, 1000000, 5000000], ascending; "" or unset -> []. */
function levels(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 0 || v > 100_000_000))
    throw new UsageError(`--history must be a comma-separated list of message counts from 0 to 100000000, not "${raw}"`);
  return [...new Set(values)].sort((a, b) => a - b);
}

function seconds(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`${name} must be a number of seconds from ${min} to ${max}, not "${raw}"`);
  return Math.round(value * 1000);
}
