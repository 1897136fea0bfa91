// Who is a member of what: the one place that answers it, for reads (Prisma), for the writers that
// lock a conversation to change it, and for the worker's commit (membersOf).
import type { PoolClient } from 'pg';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { Db } from '../../infra/db/prisma.js';

const conversationIdSchema = z.uuid();

export type Role = 'ADMIN' | 'MEMBER';
export type MemberRow = { user_id: string; role: Role; joined_at: Date; joined_pos: string };
export type LockedConversation = {
  id: string;
  kind: 'DIRECT' | 'GROUP';
  title: string | null;
  last_seq: number;
  /** Longest-standing first. */
  members: MemberRow[];
};

export function assertConversationId(conversationId: string, field = 'conversationId'): void {
  if (!conversationIdSchema.safeParse(conversationId).success) {
    throw new AppError('BAD_USER_INPUT', `${field} must be a conversation id.`, { field });
  }
}

const notFound = (conversationId: string) => new AppError('NOT_FOUND', `Conversation ${conversationId} not found.`);
export const notAMember = () => new AppError('FORBIDDEN', 'You are not a member of this conversation.');

/**
 * Throws BAD_USER_INPUT for an id that is not a uuid (PostgreSQL would reject it with an
 * unexpected error), NOT_FOUND for a conversation that does not exist, FORBIDDEN for one the user
 * is not in.
 */
export async function assertMember(db: Db, conversationId: string, userId: string): Promise<void> {
  assertConversationId(conversationId);
  const conversation = await db.conversation.findUnique({
    where: { id: conversationId },
    select: { members: { where: { userId }, select: { userId: true } } },
  });
  if (!conversation) throw notFound(conversationId);
  if (conversation.members.length === 0) throw notAMember();
}

/**
 * Locks the conversation row for a change of its members, title or roles (FOR UPDATE: such changes,
 * and the worker's commits, then happen one at a time per conversation), with its members. The
 * actor must be a member: NOT_FOUND / FORBIDDEN as in assertMember.
 */
export async function lockConversation(client: PoolClient, conversationId: string, actorId: string): Promise<LockedConversation> {
  assertConversationId(conversationId);
  const { rows } = await client.query<Omit<LockedConversation, 'members'>>(
    'SELECT id, kind, title, last_seq FROM conversations WHERE id = $1 FOR UPDATE',
    [conversationId],
  );
  if (!rows[0]) throw notFound(conversationId);
  const members = await client.query<MemberRow>(
    'SELECT user_id, role, joined_at, joined_pos FROM conversation_members WHERE conversation_id = $1 ORDER BY joined_at, user_id',
    [conversationId],
  );
  if (!members.rows.some((m) => m.user_id === actorId)) throw notAMember();
  return { ...rows[0], members: members.rows };
}

/** For group-only changes: a direct conversation has no admins and a fixed pair. */
export function assertGroup(conversation: LockedConversation, what: string): void {
  if (conversation.kind !== 'GROUP') throw new AppError('BAD_USER_INPUT', `A direct conversation cannot ${what}: only groups can.`);
}

export function assertAdmin(conversation: LockedConversation, actorId: string, what: string): void {
  const actor = conversation.members.find((m) => m.user_id === actorId);
  if (actor?.role !== 'ADMIN') throw new AppError('FORBIDDEN', `Only an admin of this group can ${what}.`);
}

/** The members of each conversation, inside the worker's transaction (after it locked them). */
export async function membersOf(client: PoolClient, conversationIds: readonly string[]): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ conversation_id: string; user_id: string }>(
    'SELECT conversation_id, user_id FROM conversation_members WHERE conversation_id = ANY($1::uuid[])',
    [conversationIds],
  );
  const members = new Map<string, string[]>();
  for (const row of rows) {
    const list = members.get(row.conversation_id) ?? [];
    list.push(row.user_id);
    members.set(row.conversation_id, list);
  }
  return members;
}
