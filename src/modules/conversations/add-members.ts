import { z } from 'zod';
import { inTransaction } from '../../infra/db/transaction.js';
import { parseInput } from '../../validation.js';
import type { ConversationDeps } from './conversation-deps.js';
import { assertGroupSize, assertUsersExist, userIdsField } from './conversation-input.js';
import { assertAdmin, assertGroup, lockConversation } from './membership.js';
import { recordChanges } from './record-changes.js';

const addMembersInput = z.object({ conversationId: z.string(), userIds: userIdsField('userIds').min(1, 'userIds must not be empty') });

/** ADMIN only. Idempotent: users already in the group are left as they are. */
export async function addMembers(deps: ConversationDeps, actorId: string, raw: z.input<typeof addMembersInput>): Promise<void> {
  const input = parseInput(addMembersInput, raw);
  const events = await inTransaction(deps.pool, async (client) => {
    const conversation = await lockConversation(client, input.conversationId, actorId);
    assertGroup(conversation, 'have members added');
    assertAdmin(conversation, actorId, 'add members');
    const present = new Set(conversation.members.map((m) => m.user_id));
    const added = [...new Set(input.userIds)].filter((id) => !present.has(id));
    if (added.length === 0) return [];
    await assertUsersExist(client, added, 'userIds');
    assertGroupSize(present.size + added.length, deps.maxMembers);
    await client.query(
      `INSERT INTO conversation_members (conversation_id, user_id, role) SELECT $1::uuid, u, 'MEMBER'::member_role FROM unnest($2::uuid[]) AS u`,
      [conversation.id, added],
    );
    await client.query('UPDATE conversations SET member_count = member_count + $2 WHERE id = $1', [conversation.id, added.length]);
    const members = [...present, ...added];
    const recorded = await recordChanges(client, conversation.id, actorId, [
      { change: 'MEMBERS_ADDED', userIds: added, recipients: members },
    ]);
    await client.query('UPDATE conversation_members SET joined_pos = $3 WHERE conversation_id = $1 AND user_id = ANY($2::uuid[])', [
      conversation.id,
      added,
      recorded[0]!.pos,
    ]);
    return recorded;
  });
  await deps.publish(events);
}
