import type { PoolClient } from 'pg';
import { AppError } from '../../errors.js';
import { inTransaction } from '../../infra/db/transaction.js';
import type { CommittedEvent } from '../events/committed-events.js';
import type { ConversationDeps } from './conversation-deps.js';
import { assertAdmin, assertConversationId, assertGroup, lockConversation, type LockedConversation } from './membership.js';
import { recordChanges, type PlannedChange } from './record-changes.js';

/** ADMIN only: takes a member out of a group. */
export async function removeMember(deps: ConversationDeps, actorId: string, conversationId: string, userId: string): Promise<void> {
  assertConversationId(userId, 'userId');
  const events = await inTransaction(deps.pool, async (client) => {
    const conversation = await lockConversation(client, conversationId, actorId);
    assertGroup(conversation, 'have members removed');
    assertAdmin(conversation, actorId, 'remove members');
    if (!conversation.members.some((m) => m.user_id === userId)) {
      throw new AppError('NOT_FOUND', `User ${userId} is not a member of this conversation.`, { field: 'userId' });
    }
    return endMembership(client, conversation, userId, actorId, 'MEMBER_REMOVED');
  });
  await deps.publish(events);
}

/** Any member of a group: leaves it. */
export async function leaveConversation(deps: ConversationDeps, userId: string, conversationId: string): Promise<void> {
  const events = await inTransaction(deps.pool, async (client) => {
    const conversation = await lockConversation(client, conversationId, userId);
    assertGroup(conversation, 'be left');
    return endMembership(client, conversation, userId, userId, 'MEMBER_LEFT');
  });
  await deps.publish(events);
}

/**
 * Removes the member (whose feeds stop getting the conversation's events from this position on:
 * later commits no longer name them), keeps the period in membership_history for replay, and keeps
 * an admin in the group: if none is left, the longest-standing member becomes one.
 */
async function endMembership(
  client: PoolClient,
  conversation: LockedConversation,
  userId: string,
  actorId: string,
  change: 'MEMBER_REMOVED' | 'MEMBER_LEFT',
): Promise<CommittedEvent[]> {
  const leaving = conversation.members.find((m) => m.user_id === userId)!;
  const remaining = conversation.members.filter((m) => m.user_id !== userId);
  await client.query('DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2', [conversation.id, userId]);
  await client.query('UPDATE conversations SET member_count = member_count - 1 WHERE id = $1', [conversation.id]);
  const changes: PlannedChange[] = [
    { change, userIds: [userId], recipients: conversation.members.map((m) => m.user_id), removed: [userId] },
  ];
  const successor = remaining.some((m) => m.role === 'ADMIN') ? undefined : remaining[0];
  if (successor) {
    await client.query(`UPDATE conversation_members SET role = 'ADMIN' WHERE conversation_id = $1 AND user_id = $2`, [
      conversation.id,
      successor.user_id,
    ]);
    changes.push({ change: 'ROLE_CHANGED', userIds: [successor.user_id], role: 'ADMIN', recipients: remaining.map((m) => m.user_id) });
  }
  const events = await recordChanges(client, conversation.id, actorId, changes);
  await client.query('INSERT INTO membership_history (user_id, left_pos, conversation_id, joined_pos) VALUES ($1, $2, $3, $4)', [
    userId,
    events[0]!.pos,
    conversation.id,
    leaving.joined_pos,
  ]);
  return events;
}
