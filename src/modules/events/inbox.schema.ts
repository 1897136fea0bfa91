import { AppError } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { ConversationRef, loadConversation } from '../conversations/conversation.schema.js';
import { viewerMembership } from '../conversations/viewer-membership.js';
import { asMessageRow, MessageRef } from '../messages/message.schema.js';
import type { CommittedEvent } from './committed-events.js';
import { readClock } from './event-clock.js';
import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor.js';
import { subscribeToInbox } from './inbox-subscription.js';
import { replayEvents } from './replay.js';

type MessageEvent = Extract<CommittedEvent, { kind: 'message' }>;
type ConversationEvent = Extract<CommittedEvent, { kind: 'conversation' }>;
type ReadEvent = Extract<CommittedEvent, { kind: 'read' }>;

const MAX_PAGE = 500;
const DEFAULT_PAGE = 100;

const viewerId = (context: GraphQLContext) => context.viewer!.id;

export const InboxEventRef = builder.interfaceRef<CommittedEvent>('InboxEvent').implement({
  description: 'A change in one of your conversations, at a position in your event stream.',
  fields: (t) => ({
    cursor: t.string({
      description: 'Resume after this event: inbox(after: cursor) gives exactly the events that follow it.',
      resolve: (event, _args, context) => encodeInboxCursor(viewerId(context), event.pos),
    }),
    conversationId: t.exposeID('conversationId'),
  }),
  resolveType: (event, context) => {
    if (event.kind === 'message') return 'MessageAdded';
    if (event.kind === 'read') return 'ReadStateChanged';
    return event.removed.includes(viewerId(context as GraphQLContext)) ? 'RemovedFromConversation' : 'ConversationUpdated';
  },
});

builder.objectRef<MessageEvent>('MessageAdded').implement({
  interfaces: [InboxEventRef],
  description: 'A message was stored. Its sender has read the conversation up to it.',
  fields: (t) => ({ message: t.field({ type: MessageRef, resolve: (event) => asMessageRow(event.message) }) }),
});

const ConversationChangeEnum = builder.enumType('ConversationChange', {
  values: ['CREATED', 'MEMBERS_ADDED', 'MEMBER_REMOVED', 'MEMBER_LEFT', 'RENAMED', 'ROLE_CHANGED'] as const,
});

builder.objectRef<ConversationEvent>('ConversationUpdated').implement({
  interfaces: [InboxEventRef],
  description: 'You were added to a conversation, or a group you are in was created, renamed, or had its members or roles changed.',
  fields: (t) => ({
    change: t.field({ type: ConversationChangeEnum, resolve: (event) => event.change }),
    userIds: t.idList({ description: 'The members added, removed, or whose role changed.', resolve: (event) => event.userIds }),
    conversation: t.field({
      type: ConversationRef,
      description: 'The conversation as it is now.',
      resolve: async (event, _args, context, info) => {
        const conversation = await loadConversation(context, info, event.conversationId);
        // Replaying an old event of a conversation you have since left: its name and type, nothing of
        // what happened there after you left.
        if (!(await viewerMembership(context, event.conversationId))) return { ...conversation, members: [], lastMessage: null };
        return conversation;
      },
    }),
  }),
});

const RemovalReasonEnum = builder.enumType('RemovalReason', { values: ['REMOVED', 'LEFT'] as const });

builder.objectRef<ConversationEvent>('RemovedFromConversation').implement({
  interfaces: [InboxEventRef],
  description: 'You left, or were removed from, this conversation: you get nothing more of it.',
  fields: (t) => ({
    reason: t.field({ type: RemovalReasonEnum, resolve: (event) => (event.change === 'MEMBER_LEFT' ? 'LEFT' : 'REMOVED') }),
  }),
});

builder.objectRef<ReadEvent>('ReadStateChanged').implement({
  interfaces: [InboxEventRef],
  description: 'A member (you, from another device, included) read up to lastReadSeq.',
  fields: (t) => ({ userId: t.exposeID('userId'), lastReadSeq: t.exposeInt('lastReadSeq') }),
});

type InboxPage = { events: CommittedEvent[]; endCursor: string; hasMore: boolean };

const InboxPageRef = builder.objectRef<InboxPage>('InboxPage').implement({
  fields: (t) => ({
    events: t.field({ type: [InboxEventRef], resolve: (page) => page.events }),
    endCursor: t.exposeString('endCursor', { description: 'Where to continue: the next page, or inbox(after:) live.' }),
    hasMore: t.exposeBoolean('hasMore'),
  }),
});

/** A cursor's position, refused if it lies beyond what was ever committed (a cursor of another database). */
async function positionOf(context: GraphQLContext, after: string): Promise<number> {
  const pos = decodeInboxCursor(after, viewerId(context));
  if (pos > (await readClock(context.services.conversations.pool))) {
    throw new AppError('BAD_USER_INPUT', 'This cursor is ahead of the server (was the database reset?): start over without a cursor.', {
      field: 'after',
    });
  }
  return pos;
}

builder.queryField('inbox', (t) =>
  t.field({
    type: InboxPageRef,
    description: `Your events after a cursor, oldest first, at most ${MAX_PAGE} a page (default ${DEFAULT_PAGE}): for a cold start and for catching up. Without after: no events, and endCursor is the position of now.`,
    authScopes: { authenticated: true },
    args: { after: t.arg.string(), first: t.arg.int() },
    resolve: async (_root, args, context) => {
      const userId = viewerId(context);
      const pool = context.services.conversations.pool;
      if (args.first != null && args.first < 0) throw new AppError('BAD_USER_INPUT', 'first must be 0 or more.', { field: 'first' });
      if (args.after == null) return { events: [], endCursor: encodeInboxCursor(userId, await readClock(pool)), hasMore: false };
      const after = await positionOf(context, args.after);
      const page = await replayEvents(pool, userId, after, { limit: Math.min(args.first ?? DEFAULT_PAGE, MAX_PAGE) });
      const lastPos = page.events[page.events.length - 1]?.pos ?? after;
      // Without more, everything up to the clock read with the page was considered: skip ahead to it.
      const end = page.hasMore ? lastPos : Math.max(lastPos, page.clock);
      return { events: page.events, endCursor: encodeInboxCursor(userId, end), hasMore: page.hasMore };
    },
  }),
);

builder.subscriptionField('inbox', (t) =>
  t.field({
    type: InboxEventRef,
    description:
      'Every event of your conversations after the cursor (replayed from storage, however old), then live, each once and in order; without after, from now. Resume with the cursor of the last event you received.',
    authScopes: { authenticated: true },
    args: { after: t.arg.string() },
    subscribe: async (_root, args, context) => {
      const after = args.after == null ? null : await positionOf(context, args.after);
      const { services } = context;
      return subscribeToInbox(
        {
          feeds: services.feeds,
          router: services.router,
          pool: services.conversations.pool,
          metrics: services.metrics,
          logger: services.logger,
        },
        viewerId(context),
        after,
      );
    },
    resolve: (event) => event,
  }),
);
