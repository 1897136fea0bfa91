import type { GraphQLResolveInfo } from 'graphql';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { MessageRef } from '../messages/message.schema.js';
import { addMembers } from './add-members.js';
import { createGroup } from './create-group.js';
import { getOrCreateDirectConversation } from './direct-conversation.js';
import { leaveConversation, removeMember } from './end-membership.js';
import { listConversations } from './list-conversations.js';
import { markRead } from './mark-read.js';
import { assertConversationId, assertMember, notAMember } from './membership.js';
import { renameConversation } from './rename-conversation.js';
import { setMemberRole } from './set-member-role.js';
import { viewerMembership } from './viewer-membership.js';
import { AppError } from '../../errors.js';

export const ConversationTypeEnum = builder.enumType('ConversationType', { values: ['DIRECT', 'GROUP'] as const });
export const MemberRoleEnum = builder.enumType('MemberRole', { values: ['ADMIN', 'MEMBER'] as const });

export const MemberRef = builder.prismaObject('ConversationMember', {
  name: 'Member',
  fields: (t) => ({
    user: t.relation('user'),
    role: t.field({ type: MemberRoleEnum, resolve: (member) => member.role }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime' }),
    lastReadSeq: t.exposeInt('lastReadSeq', {
      description: 'Messages up to this seq are read by this member (a sender has read up to their own message). Never moves back.',
    }),
  }),
});

export const ConversationRef = builder.prismaObject('Conversation', {
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.field({ type: ConversationTypeEnum, resolve: (conversation) => conversation.kind }),
    title: t.string({
      nullable: true,
      description: 'Null for a direct conversation.',
      resolve: (c) => (c.kind === 'DIRECT' ? null : c.title),
    }),
    members: t.relation('members', {
      description: 'Longest-standing first, with each member’s read state (receipts).',
      query: { orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }] },
    }),
    memberCount: t.exposeInt('memberCount'),
    lastMessage: t.field({
      type: MessageRef,
      nullable: true,
      select: { lastMessage: { include: { sender: true, attachments: { orderBy: { id: 'asc' } } } } },
      resolve: (conversation) => conversation.lastMessage,
    }),
    lastSeq: t.exposeInt('lastSeq', { description: 'Seq of the newest message (0 before the first).' }),
    lastActivityAt: t.field({
      type: 'DateTime',
      description: 'The newest message’s time, or when you joined if later: the order of your conversation list.',
      select: { lastActivityAt: true },
      resolve: async (conversation, _args, context) => {
        const own = await viewerMembership(context, conversation.id);
        return own && own.joinedAt > conversation.lastActivityAt ? own.joinedAt : conversation.lastActivityAt;
      },
    }),
    unreadCount: t.int({
      description: 'Messages after your lastReadSeq.',
      select: { lastSeq: true },
      resolve: async (conversation, _args, context) => {
        const own = await viewerMembership(context, conversation.id);
        return own ? Math.max(0, conversation.lastSeq - own.lastReadSeq) : 0;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ConversationConnection = builder.connectionObject({ type: ConversationRef, name: 'ConversationConnection' });

/** The Conversation `info` resolves, loaded with what the client selected. */
export function loadConversation(context: GraphQLContext, info: GraphQLResolveInfo, id: string, path?: string[]) {
  return context.db.conversation.findUniqueOrThrow({ ...queryFromInfo({ context, info, path, typeName: 'Conversation' }), where: { id } });
}

builder.queryFields((t) => ({
  conversations: t.field({
    type: ConversationConnection,
    description: 'Your conversations, most recent activity first (ties broken by id). Pages hold at most 100 (default 20).',
    authScopes: { authenticated: true },
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: async (_root, args, context, info) => {
      const page = await listConversations(context.services.conversations.pool, context.viewer!.id, args);
      const rows = await context.db.conversation.findMany({
        ...queryFromInfo({ context, info, path: ['edges', 'node'], typeName: 'Conversation' }),
        where: { id: { in: page.items.map((item) => item.id) } },
      });
      const byId = new Map(rows.map((row) => [row.id, row]));
      const edges = page.items.flatMap((item) => (byId.has(item.id) ? [{ cursor: item.cursor, node: byId.get(item.id)! }] : []));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
        },
      };
    },
  }),
  conversation: t.prismaField({
    type: 'Conversation',
    nullable: true,
    description: 'One of your conversations. NOT_FOUND if it does not exist, FORBIDDEN if you are not a member.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, context) => {
      assertConversationId(args.id, 'id');
      await assertMember(context.db, args.id, context.viewer!.id);
      return context.db.conversation.findUnique({ ...query, where: { id: args.id } });
    },
  }),
}));

const CreateConversationInput = builder.inputType('CreateConversationInput', {
  fields: (t) => ({
    title: t.string({ required: true, description: '1 to 100 characters, trimmed.' }),
    memberIds: t.idList({ required: true, description: 'Users to add besides you (you are its admin). Repeats are ignored.' }),
  }),
});

builder.mutationFields((t) => ({
  createConversation: t.prismaField({
    type: 'Conversation',
    description: 'Creates a group with you as its admin.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateConversationInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const id = await createGroup(context.services.conversations, context.viewer!.id, input);
      return context.db.conversation.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  directConversation: t.prismaField({
    type: 'Conversation',
    description: 'Your direct conversation with this user, created on first use: the one sendMessage(recipientId:) uses.',
    authScopes: { authenticated: true },
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, context) => {
      assertConversationId(args.userId, 'userId');
      const user = await context.db.user.findUnique({ where: { id: args.userId }, select: { id: true } });
      if (!user) throw new AppError('NOT_FOUND', `User ${args.userId} not found.`, { field: 'userId' });
      const id = await getOrCreateDirectConversation(context.services.conversations, context.viewer!.id, user.id);
      return context.db.conversation.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  addMembers: t.prismaField({
    type: 'Conversation',
    description: 'Admins only. Users already in the group are left as they are.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id({ required: true }), userIds: t.arg.idList({ required: true }) },
    resolve: async (query, _root, args, context) => {
      await addMembers(context.services.conversations, context.viewer!.id, args);
      return context.db.conversation.findUniqueOrThrow({ ...query, where: { id: args.conversationId } });
    },
  }),
  removeMember: t.prismaField({
    type: 'Conversation',
    description: 'Admins only. The member stops receiving the group’s events at once and can no longer read or send.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, context) => {
      await removeMember(context.services.conversations, context.viewer!.id, args.conversationId, args.userId);
      return context.db.conversation.findUniqueOrThrow({ ...query, where: { id: args.conversationId } });
    },
  }),
  renameConversation: t.prismaField({
    type: 'Conversation',
    description: 'Admins only.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id({ required: true }), title: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, context) => {
      await renameConversation(context.services.conversations, context.viewer!.id, args);
      return context.db.conversation.findUniqueOrThrow({ ...query, where: { id: args.conversationId } });
    },
  }),
  setMemberRole: t.prismaField({
    type: 'ConversationMember',
    description: 'Admins only. A group always keeps an admin: demoting the last one promotes the longest-standing member.',
    authScopes: { authenticated: true },
    args: {
      conversationId: t.arg.id({ required: true }),
      userId: t.arg.id({ required: true }),
      role: t.arg({ type: MemberRoleEnum, required: true }),
    },
    resolve: async (query, _root, args, context) => {
      await setMemberRole(context.services.conversations, context.viewer!.id, args.conversationId, args.userId, args.role);
      const member = await context.db.conversationMember.findUnique({
        ...query,
        where: { conversationId_userId: { conversationId: args.conversationId, userId: args.userId } },
      });
      // They can leave, or be removed, between the change and this read.
      if (!member) throw new AppError('NOT_FOUND', `User ${args.userId} is no longer a member of this conversation.`, { field: 'userId' });
      return member;
    },
  }),
  leaveConversation: t.boolean({
    description: 'Leaves a group (any member). If you were its last admin, the longest-standing member becomes admin.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      await leaveConversation(context.services.conversations, context.viewer!.id, args.conversationId);
      return true;
    },
  }),
  markRead: t.prismaField({
    type: 'ConversationMember',
    description:
      'Marks messages up to seq as read (clamped to the conversation’s lastSeq). Never moves back: a lower or repeated call changes nothing.',
    authScopes: { authenticated: true },
    args: { conversationId: t.arg.id({ required: true }), seq: t.arg.int({ required: true }) },
    resolve: async (query, _root, args, context) => {
      await context.services.limits.markRead.take(context.viewer!.id, 'read updates');
      await markRead(context.services.conversations, context.viewer!.id, args.conversationId, args.seq);
      const member = await context.db.conversationMember.findUnique({
        ...query,
        where: { conversationId_userId: { conversationId: args.conversationId, userId: context.viewer!.id } },
      });
      // Removed between the change and this read: as for any call from a non-member.
      if (!member) throw notAMember();
      return member;
    },
  }),
}));
