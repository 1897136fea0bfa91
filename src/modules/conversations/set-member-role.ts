import { AppError } from '../../errors.js';
import { inTransaction } from '../../infra/db/transaction.js';
import type { ConversationDeps } from './conversation-deps.js';
import { assertAdmin, assertConversationId, assertGroup, lockConversation, type Role } from './membership.js';
import { recordChanges, type PlannedChange } from './record-changes.js';

/**
 * ADMIN only. A group always has an admin: demoting the last one makes the longest-standing other
 * member admin; a group's only member stays its admin.
 */
export async function setMemberRole(
  deps: ConversationDeps,
  actorId: string,
  conversationId: string,
  userId: string,
  role: Role,
): Promise<void> {
  assertConversationId(userId, 'userId');
  const events = await inTransaction(deps.pool, async (client) => {
    const conversation = await lockConversation(client, conversationId, actorId);
    assertGroup(conversation, 'have roles');
    assertAdmin(conversation, actorId, 'change roles');
    const target = conversation.members.find((m) => m.user_id === userId);
    if (!target) throw new AppError('NOT_FOUND', `User ${userId} is not a member of this conversation.`, { field: 'userId' });
    if (target.role === role) return [];
    const others = conversation.members.filter((m) => m.user_id !== userId);
    const successor = role === 'MEMBER' && !others.some((m) => m.role === 'ADMIN') ? others[0] : undefined;
    if (role === 'MEMBER' && others.length === 0) {
      throw new AppError('BAD_USER_INPUT', 'A group always has an admin, and you are its only member: add someone first.');
    }
    const members = conversation.members.map((m) => m.user_id);
    const changes: PlannedChange[] = [{ change: 'ROLE_CHANGED', userIds: [userId], role, recipients: members }];
    await client.query('UPDATE conversation_members SET role = $3 WHERE conversation_id = $1 AND user_id = $2', [
      conversation.id,
      userId,
      role,
    ]);
    if (successor) {
      await client.query(`UPDATE conversation_members SET role = 'ADMIN' WHERE conversation_id = $1 AND user_id = $2`, [
        conversation.id,
        successor.user_id,
      ]);
      changes.push({ change: 'ROLE_CHANGED', userIds: [successor.user_id], role: 'ADMIN', recipients: members });
    }
    return recordChanges(client, conversation.id, actorId, changes);
  });
  await deps.publish(events);
}
