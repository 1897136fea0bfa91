// The two workloads: who is connected, who sends, and into which conversation.
import type { BenchOptions, WorkloadName } from './options.js';
import type { BenchUser, Target } from './target.js';

export type Sender = { user: BenchUser; conversationId: string };

export type Workload = {
  name: WorkloadName;
  title: string;
  /** Users, each with one subscribed socket. */
  users: number;
  /** Creates the conversations on the target; says who sends where. */
  arrange(target: Target, users: readonly BenchUser[]): Promise<Sender[]>;
};

export function workload(name: WorkloadName, options: BenchOptions): Workload {
  if (name === 'dm') {
    const pairs = options.dmSenders;
    return {
      name,
      title: `DM: ${pairs} senders, each to its own receiver (${2 * pairs} subscribed sockets)`,
      users: 2 * pairs,
      arrange: (target, users) =>
        Promise.all(
          Array.from({ length: pairs }, async (_, i) => {
            const [sender, receiver] = [users[2 * i]!, users[2 * i + 1]!];
            return { user: sender, conversationId: await target.createDirect(sender, receiver) };
          }),
        ),
    };
  }
  const { groupMembers: members, groupSenders: senders } = options;
  return {
    name,
    title: `fan-out: ${senders} sender(s) into one group of ${members} subscribed members`,
    users: members,
    async arrange(target, users) {
      const conversationId = await target.createGroup(users);
      return users.slice(0, senders).map((user) => ({ user, conversationId }));
    },
  };
}
