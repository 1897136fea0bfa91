import { AppError } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import type { User } from '../../generated/prisma/client.js';
import type { LiveEvent } from '../events/live-event.js';
import { createPushIterator } from '../realtime/push-iterator.js';
import type { FeedListener } from '../realtime/user-feeds.js';
import { markSharesConversation } from '../users/shared-users.js';
import { UserRef } from '../users/user.schema.js';
import type { PresenceChange } from './presence-service.js';
import { mayShowPresence, usersSharingWith, type SharedUser } from './shared-conversations.js';

type PresenceEvent = { user: SharedUser; online: boolean; lastSeenAt: number | null };

async function presenceOf(context: GraphQLContext, user: { id: string }) {
  if (!(await mayShowPresence(context, user))) return undefined;
  return (await context.services.presence.states([user.id])).get(user.id);
}

builder.prismaObjectFields('User', (t) => ({
  online: t.boolean({
    description: 'Whether any of their devices is connected. False for anyone you share no conversation with.',
    resolve: async (user, _args, context) => (await presenceOf(context, user))?.online ?? false,
  }),
  lastSeenAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When their last device disconnected; null while online, and for anyone you share no conversation with.',
    resolve: async (user, _args, context) => {
      const state = await presenceOf(context, user);
      return state?.lastSeenAt == null ? null : new Date(state.lastSeenAt);
    },
  }),
}));

const PresenceEventRef = builder.objectRef<PresenceEvent>('PresenceEvent').implement({
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (event) => markSharesConversation(event.user as unknown as User) }),
    online: t.exposeBoolean('online'),
    lastSeenAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (event) => (event.lastSeenAt === null ? null : new Date(event.lastSeenAt)),
    }),
  }),
});

builder.subscriptionField('presence', (t) =>
  t.field({
    type: PresenceEventRef,
    description:
      'The online state of these users (or, without userIds, of everyone you share a conversation with): first each one’s current state, then every change. Users you share no conversation with are left out.',
    authScopes: { authenticated: true },
    args: { userIds: t.arg.idList() },
    subscribe: (_root, args, context) => subscribeToPresence(context, args.userIds ?? null),
    resolve: (event) => event,
  }),
);

async function subscribeToPresence(
  context: GraphQLContext,
  userIds: readonly string[] | null,
): Promise<AsyncIterableIterator<PresenceEvent>> {
  if (userIds?.some((id) => !/^[0-9a-f-]{36}$/i.test(id)))
    throw new AppError('BAD_USER_INPUT', 'userIds must hold user ids.', { field: 'userIds' });
  const viewerId = context.viewer!.id;
  const { presence, feeds } = context.services;
  const watched = new Map<string, SharedUser>();
  let unwatch = () => {};
  // Whom you share conversations with changes with your memberships.
  const feedListener: FeedListener<LiveEvent> = {
    onEvent: (event) => {
      if (event.kind === 'conversation')
        refresh().catch((error) => context.services.logger.warn({ err: error }, 'presence watch refresh failed'));
    },
  };
  const queue = createPushIterator<PresenceEvent>({
    maxQueue: 1000,
    overflow: 'drop-oldest',
    overflowError: () => new Error('unused'),
    onEnd: () => {
      unwatch();
      feeds.unlisten(viewerId, feedListener);
    },
  });
  const onChange = (change: PresenceChange) => {
    const user = watched.get(change.userId);
    if (user) queue.push({ user, online: change.online, lastSeenAt: change.lastSeenAt });
  };
  /** (Re)reads whom to watch; newcomers get their current state first. */
  const refresh = async () => {
    const users = await usersSharingWith(context, viewerId, userIds ?? undefined);
    if (queue.ended) return; // ended while reading: a watch made now would never be undone
    const fresh = users.filter((u) => !watched.has(u.id));
    watched.clear();
    for (const user of users) watched.set(user.id, user);
    unwatch();
    unwatch = presence.watch(watched.keys(), onChange);
    const states = await presence.states(fresh.map((u) => u.id));
    for (const user of fresh) {
      const state = states.get(user.id) ?? { online: false, lastSeenAt: null };
      queue.push({ user, online: state.online, lastSeenAt: state.lastSeenAt });
    }
  };
  await refresh();
  if (!queue.ended) feeds.listen(viewerId, feedListener); // not if it ended while the first read ran
  return queue.iterator;
}
