// The two workloads: who is connected, who sends, and into which conversation.
import type { BenchOptions, WorkloadName } from './options.js';
import { mapLimit } from './async-utils.js';
import type { BenchUser, Target } from './target.js';

export type Sender = { user: BenchUser; conversationId: string };

/** Who sends under load, and who sends the probes that prove every subscription live (a superset). */
export type Arrangement = { senders: Sender[]; probes: Sender[] };

export type Workload = {
  name: WorkloadName;
  title: string;
  /** Users, each with one subscribed socket. */
  users: number;
  /** Creates the conversations on the target; says who sends where. */
  arrange(target: Target, users: readonly BenchUser[]): Promise<Arrangement>;
};

export function workload(name: WorkloadName, options: BenchOptions): Workload {
  if (name === 'dm') {
    const pairs = options.dmSenders;
    const idle = options.dmUsers - 2 * pairs;
    return {
      name,
      title: `DM: ${pairs} senders, each to its own receiver (${options.dmUsers} subscribed sockets${idle > 0 ? `, ${idle} of them idle` : ''})`,
      users: options.dmUsers,
      // Idle users are paired too, so that a probe in each pair shows their subscriptions live.
      async arrange(target, users) {
        const all = await mapLimit(
          Array.from({ length: Math.floor(users.length / 2) }, (_, i) => i),
          8,
          async (i) => {
            const [sender, receiver] = [users[2 * i]!, users[2 * i + 1]!];
            return { user: sender, conversationId: await target.createDirect(sender, receiver) };
          },
        );
        if (users.length % 2 === 1) {
          const last = users[users.length - 1]!;
          all.push({ user: last, conversationId: await target.createDirect(last, users[0]!) });
        }
        return { senders: all.slice(0, pairs), probes: all };
      },
    };
  }
  const { groupMembers: members, groupSenders: senders } = options;
  return {
    name,
    title: `fan-out: ${senders} sender(s) into one group of ${members} subscribed members`,
    users: members,
    async arrange(target, users) {
      const conversationId = await target.createGroup(users);
      const loaded = users.slice(0, senders).map((user) => ({ user, conversationId }));
      return { senders: loaded, probes: loaded };
    },
  };
}
