import { z } from 'zod';
import { AppError } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import { assertMember } from '../conversations/membership.js';
import { UserRef } from '../users/user.schema.js';
import { markSharesConversation } from '../users/shared-users.js';
import type { Message, User } from '../../generated/prisma/client.js';
import type { CommittedMessage } from './message-event.js';
import { sendMessage } from './send-message.js';
import { subscribeToMessages } from './message-subscription.js';

export const MessageRef = builder.prismaObject('Message', {
  fields: (t) => ({
    id: t.exposeID('id'),
    conversationId: t.exposeID('conversationId'),
    seq: t.exposeInt('seq', { description: '1, 2, 3 ... within the conversation, with no gaps: a jump means you missed messages.' }),
    // Not t.relation: a message always comes with its sender (history loads it, live events carry
    // it), so that delivering one never queries the database. A load that forgot it is a bug, and
    // fails loudly here rather than adding a query per message.
    sender: t.field({
      type: UserRef,
      resolve: (message) => {
        const sender = (message as { sender?: User }).sender;
        if (!sender) throw new Error(`message ${message.id} was loaded without its sender`);
        // Whoever reads a message is in its conversation, as its sender is: presence may show.
        return markSharesConversation(sender);
      },
    }),
    content: t.exposeString('content'),
    clientMessageId: t.exposeString('clientMessageId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    recipientId: t.id({ description: 'A user: sends in your direct conversation with them, created on first use.' }),
    conversationId: t.id({ description: 'A conversation you are a member of.' }),
    content: t.string({ required: true, description: 'Trimmed; up to 4000 characters; may be empty when the message has attachments.' }),
    clientMessageId: t.string({
      description:
        'Your own id for this message (e.g. a UUID). A retry with the same one returns the original message instead of sending again.',
    }),
    attachmentIds: t.idList({ description: 'Finished uploads of yours for this conversation (createUpload, then PUT), at most 10.' }),
  }),
});

builder.mutationField('sendMessage', (t) =>
  t.field({
    type: MessageRef,
    description: 'Sends a message; answers once it is stored, with its seq. Give exactly one of recipientId or conversationId.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: async (_root, { input }, { services, viewer }) => asMessageRow(await sendMessage(services.send, viewer!.id, input)),
  }),
);

builder.queryField('messages', (t) =>
  t.prismaConnection(
    {
      type: 'Message',
      cursor: 'conversationId_seq',
      description: 'History of a conversation, ordered by seq. `last: n` gives the newest n, oldest first. Pages hold at most 100.',
      authScopes: { authenticated: true },
      args: {
        conversationId: t.arg.id({ required: true }),
        afterSeq: t.arg.int({
          description:
            'Only messages with a greater seq: catch up from the last message you have (a live event gives its seq, not a cursor).',
        }),
      },
      resolve: async (query, _root, args, context) => {
        await assertMember(context.db, args.conversationId, context.viewer!.id);
        assertHistoryCursor(query, args.conversationId);
        if (args.afterSeq != null && args.afterSeq < 0) {
          throw new AppError('BAD_USER_INPUT', 'afterSeq must be 0 or more.', { field: 'afterSeq' });
        }
        return context.db.message.findMany({
          ...withSender(query),
          where: { conversationId: args.conversationId, ...(args.afterSeq != null ? { seq: { gt: args.afterSeq } } : {}) },
          orderBy: { seq: 'asc' },
        });
      },
    },
    { name: 'MessageConnection' },
    { name: 'MessageEdge' },
  ),
);

const historyCursor = z.object({ conversationId: z.uuid(), seq: z.number().int().positive() });

/**
 * Pothos decodes a cursor's encoding but not its values: a forged one (a non-uuid id, a string seq)
 * would reach PostgreSQL and fail as an unexpected error, and one from another conversation would
 * silently page from an unrelated seq. Both are the client's mistake: BAD_USER_INPUT.
 */
function assertHistoryCursor(query: unknown, conversationId: string): void {
  const cursor = (query as { cursor?: { conversationId_seq?: unknown } }).cursor;
  if (cursor === undefined) return;
  const parsed = historyCursor.safeParse(cursor.conversationId_seq);
  if (!parsed.success || parsed.data.conversationId !== conversationId) {
    throw new AppError('BAD_USER_INPUT', "Invalid cursor: use a cursor from this conversation's history.");
  }
}

builder.subscriptionField('messageReceived', (t) =>
  t.field({
    type: MessageRef,
    description:
      'Every message stored from now on in your conversations (or in one, with conversationId), on every device you are connected with, your own messages included.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id() },
    subscribe: async (_root, args, context) => {
      if (args.conversationId) await assertMember(context.db, args.conversationId, context.viewer!.id);
      return subscribeToMessages(context.services, context.viewer!.id, args.conversationId ?? null);
    },
    resolve: (message) => asMessageRow(message),
  }),
);

/**
 * A committed message as the Message type's parent. The type's fields read only what a committed
 * message carries (its sender included), so the mutation's answer, a history row and a live event
 * are the same Message; only the row's bigint position, which no field exposes, is missing.
 * (A type-level Pothos `select` would type this exactly, but it also makes Pothos query for any
 * parent it did not load itself: a query per delivered event.)
 */
export const asMessageRow = (message: CommittedMessage) => message as unknown as Message;

/** The sender and attachments are read with every history page (the type's fields never query on their own). */
function withSender<Q extends object>(query: Q): Q {
  const q = query as { select?: object; include?: object };
  const withMessage = { sender: true, attachments: { orderBy: { id: 'asc' } } } as const;
  return (q.select ? { ...query, select: { ...q.select, ...withMessage } } : { ...query, include: { ...q.include, ...withMessage } }) as Q;
}
