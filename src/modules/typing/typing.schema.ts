import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { assertConversationId, assertMember } from '../conversations/membership.js';
import type { LiveEvent } from '../events/live-event.js';
import { createPushIterator } from '../realtime/push-iterator.js';
import type { FeedListener } from '../realtime/user-feeds.js';
import { UserRef } from '../users/user.schema.js';
import { markSharesConversation } from '../users/shared-users.js';
import type { User } from '../../generated/prisma/client.js';
import type { TypingLiveEvent } from './typing-event.js';

const TypingEventRef = builder.objectRef<TypingLiveEvent>('TypingEvent').implement({
  description: 'Someone started or stopped typing in one of your conversations. Nothing of it is stored.',
  fields: (t) => ({
    conversationId: t.exposeID('conversationId'),
    user: t.field({ type: UserRef, resolve: (event) => markSharesConversation(event.user as unknown as User) }),
    typing: t.exposeBoolean('typing'),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When this typing lapses by itself unless renewed (a typing: false follows then).',
      resolve: (event) => (event.expiresAt === null ? null : new Date(event.expiresAt)),
    }),
  }),
});

builder.mutationField('setTyping', (t) =>
  t.boolean({
    description:
      'Tells the other members you are (or stopped) typing. Call it as keys are pressed: at most one event per 2 s reaches them, and a typing: true lapses 6 s after your last one.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id({ required: true }), typing: t.arg.boolean({ required: true }) },
    resolve: async (_root, args, context) => {
      const { services, viewer } = context;
      await services.limits.typing.take(viewer!.id, 'typing updates');
      // The send path's membership cache: a steady typist costs no query for it.
      await services.send.access.conversationFor(viewer!.id, { conversationId: args.conversationId });
      await services.typing.set(viewer!.id, args.conversationId, args.typing);
      return true;
    },
  }),
);

builder.subscriptionField('typing', (t) =>
  t.field({
    type: TypingEventRef,
    description:
      'Typing in your conversations (or one of them), from the other members; not from your own devices. The first thing dropped when your socket falls behind.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id() },
    subscribe: async (_root, args, context) => {
      if (args.conversationId != null) {
        assertConversationId(args.conversationId);
        await assertMember(context.db, args.conversationId, context.viewer!.id);
      }
      return subscribeToTyping(context, args.conversationId ?? null);
    },
    resolve: (event) => event,
  }),
);

/** A socket with this much unsent data is behind: typing is not worth adding to it. */
const BEHIND_BYTES = 64 * 1024;

function subscribeToTyping(context: GraphQLContext, conversationId: string | null): AsyncIterableIterator<TypingLiveEvent> {
  const { feeds } = context.services;
  const userId = context.viewer!.id;
  const listener: FeedListener<LiveEvent> = {
    onEvent: (event) => {
      if (event.kind !== 'typing') return;
      if (conversationId !== null && event.conversationId !== conversationId) return;
      if ((context.socket?.bufferedAmount() ?? 0) > BEHIND_BYTES) return;
      queue.push(event);
    },
  };
  // A short queue that drops the oldest: a stale typing state is worth nothing.
  const queue = createPushIterator<TypingLiveEvent>({
    maxQueue: 20,
    overflow: 'drop-oldest',
    overflowError: () => new Error('unused'),
    onEnd: () => feeds.unlisten(userId, listener),
  });
  feeds.listen(userId, listener);
  return queue.iterator;
}
