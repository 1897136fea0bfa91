import { z } from 'zod';
import { inTransaction } from '../../infra/db/transaction.js';
import { parseInput } from '../../validation.js';
import type { ConversationDeps } from './conversation-deps.js';
import { titleField } from './conversation-input.js';
import { assertAdmin, assertGroup, lockConversation } from './membership.js';
import { recordChanges } from './record-changes.js';

const renameInput = z.object({ conversationId: z.string(), title: titleField });

/** ADMIN only. The same title again changes nothing and sends no event. */
export async function renameConversation(deps: ConversationDeps, actorId: string, raw: z.input<typeof renameInput>): Promise<void> {
  const input = parseInput(renameInput, raw);
  const events = await inTransaction(deps.pool, async (client) => {
    const conversation = await lockConversation(client, input.conversationId, actorId);
    assertGroup(conversation, 'be renamed');
    assertAdmin(conversation, actorId, 'rename it');
    if (conversation.title === input.title) return [];
    await client.query('UPDATE conversations SET title = $2 WHERE id = $1', [conversation.id, input.title]);
    const members = conversation.members.map((m) => m.user_id);
    return recordChanges(client, conversation.id, actorId, [{ change: 'RENAMED', userIds: [], recipients: members, title: input.title }]);
  });
  await deps.publish(events);
}
