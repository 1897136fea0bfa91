// A server under test, as the workloads see it: make users and conversations, connect devices.
import type { ServerMemory } from './child-process.js';
import type { BenchConnection } from './clients.js';

export type BenchUser = { id: string; token: string };
export type RedisStats = { commands: number; cpuSeconds: number };

/** Commands and CPU between two readings; NaN when there is no Redis to read. */
export function redisBetween(before: RedisStats | undefined, after: RedisStats | undefined): RedisStats {
  if (!before || !after) return { commands: Number.NaN, cpuSeconds: Number.NaN };
  return { commands: after.commands - before.commands, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
}

export interface Target {
  readonly name: string;
  /** Facts worth printing beside the figures (engine, database). */
  readonly facts: Readonly<Record<string, string>>;
  /** Whether PostgreSQL on this box works for this target (its CPU is then counted). */
  readonly usesDatabase: boolean;
  createUsers(count: number): Promise<BenchUser[]>;
  /** The conversation of a pair, whatever the target calls it. */
  createDirect(a: BenchUser, b: BenchUser): Promise<string>;
  createGroup(members: readonly BenchUser[]): Promise<string>;
  /** Between setup and the first socket: lets the server start from a still heap (or does nothing). */
  restartAfterSetup(): Promise<void>;
  connect(user: BenchUser): Promise<BenchConnection>;
  /** The server process's memory, after a full GC in it. */
  memory(): Promise<ServerMemory>;
  /** CPU seconds the server process has used so far. */
  cpuSeconds(): number;
  /** The server process's RSS now, as is (no GC first). */
  rssNow(): number;
  serverErrors(): { count: number; first: string[] };
  /** A GraphQL call over HTTP (the chat server only). */
  graphql?<T = any>(query: string, variables: Record<string, unknown>, token?: string): Promise<T>;
  /** Adds this many seeded messages (with their users and conversations) to the target's stored history. */
  storeHistory?(messages: number, progress: (line: string) => void): Promise<void>;
  /** Commands Redis has run and CPU it has used so far (a Redis-mode chat server only). */
  redisStats?(): Promise<RedisStats>;
  /** Stops the server and removes what it left behind. */
  stop(): Promise<void>;
}
