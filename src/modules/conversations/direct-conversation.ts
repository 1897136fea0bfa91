import { newId } from '../../infra/ids.js';
import { inTransaction } from '../../infra/db/transaction.js';
import type { ConversationDeps } from './conversation-deps.js';
import { recordChanges } from './record-changes.js';

/**
 * The one direct conversation of a pair, created on first use (by directConversation or a first
 * sendMessage). Safe under concurrent first calls: the unique direct_key makes the loser's INSERT
 * wait for the winner's commit and do nothing, after which it reads the winner's row. Creating it
 * sends both members a CREATED event. Both users must exist (the caller checks).
 */
export async function getOrCreateDirectConversation(
  deps: Pick<ConversationDeps, 'pool' | 'publish'>,
  userA: string,
  userB: string,
): Promise<string> {
  const directKey = [userA, userB].sort().join(':');
  const found = await deps.pool.query<{ id: string }>('SELECT id FROM conversations WHERE direct_key = $1', [directKey]);
  if (found.rows[0]) return found.rows[0].id;

  const { id, events } = await inTransaction(deps.pool, async (client) => {
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO conversations (id, kind, direct_key, member_count) VALUES ($1, 'DIRECT', $2, $3)
       ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
      [newId(), directKey, userA === userB ? 1 : 2],
    );
    if (!inserted.rows[0]) {
      const existing = await client.query<{ id: string }>('SELECT id FROM conversations WHERE direct_key = $1', [directKey]);
      return { id: existing.rows[0]!.id, events: [] };
    }
    const conversationId = inserted.rows[0].id;
    const members = [...new Set([userA, userB])];
    await client.query(`INSERT INTO conversation_members (conversation_id, user_id) SELECT $1::uuid, u FROM unnest($2::uuid[]) AS u`, [
      conversationId,
      members,
    ]);
    const recorded = await recordChanges(client, conversationId, userA, [{ change: 'CREATED', userIds: members, recipients: members }]);
    await client.query('UPDATE conversation_members SET joined_pos = $2 WHERE conversation_id = $1', [conversationId, recorded[0]!.pos]);
    return { id: conversationId, events: recorded };
  });
  await deps.publish(events);
  return id;
}
