import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { Db } from '../../infra/db/prisma.js';

const conversationIdSchema = z.uuid();

/**
 * Throws BAD_USER_INPUT for an id that is not a uuid (PostgreSQL would reject it with an
 * unexpected error), NOT_FOUND for a conversation that does not exist, FORBIDDEN for one the user
 * is not in.
 */
export async function assertMember(db: Db, conversationId: string, userId: string): Promise<void> {
  if (!conversationIdSchema.safeParse(conversationId).success) {
    throw new AppError('BAD_USER_INPUT', 'conversationId must be a conversation id.', { field: 'conversationId' });
  }
  const conversation = await db.conversation.findUnique({
    where: { id: conversationId },
    select: { members: { where: { userId }, select: { userId: true } } },
  });
  if (!conversation) throw new AppError('NOT_FOUND', `Conversation ${conversationId} not found.`);
  if (conversation.members.length === 0) throw new AppError('FORBIDDEN', 'You are not a member of this conversation.');
}
