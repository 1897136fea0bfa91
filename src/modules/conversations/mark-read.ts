import { AppError } from '../../errors.js';
import { inTransaction } from '../../infra/db/transaction.js';
import type { CommittedEvent } from '../events/committed-events.js';
import { takePositions } from '../events/event-clock.js';
import type { ConversationDeps } from './conversation-deps.js';
import { assertConversationId, notAMember } from './membership.js';

/**
 * Moves the reader's lastReadSeq up to `seq`, clamped to the conversation's lastSeq. It never
 * moves back: a lower or repeated call changes nothing and sends no event. A change reaches every
 * member's devices (the reader's own included) as a read event.
 *
 * Locks: the conversation FOR SHARE (readers do not wait for each other, but wait for a commit of
 * messages or a membership change in progress, so the clamp reads a settled lastSeq), then the
 * reader's row, then the clock, last.
 */
export async function markRead(
  deps: Pick<ConversationDeps, 'pool' | 'publish'>,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<void> {
  assertConversationId(conversationId);
  if (!Number.isInteger(seq) || seq < 0) throw new AppError('BAD_USER_INPUT', 'seq must be 0 or more.', { field: 'seq' });
  const events = await inTransaction(deps.pool, async (client): Promise<CommittedEvent[]> => {
    const conversation = await client.query<{ last_seq: number }>('SELECT last_seq FROM conversations WHERE id = $1 FOR SHARE', [
      conversationId,
    ]);
    if (!conversation.rows[0]) throw new AppError('NOT_FOUND', `Conversation ${conversationId} not found.`);
    const member = await client.query<{ last_read_seq: number }>(
      'SELECT last_read_seq FROM conversation_members WHERE conversation_id = $1 AND user_id = $2 FOR UPDATE',
      [conversationId, userId],
    );
    if (!member.rows[0]) throw notAMember();
    const lastReadSeq = Math.min(Math.max(member.rows[0].last_read_seq, seq), conversation.rows[0].last_seq);
    if (lastReadSeq <= member.rows[0].last_read_seq) return [];
    const recipients = await client.query<{ user_id: string }>('SELECT user_id FROM conversation_members WHERE conversation_id = $1', [
      conversationId,
    ]);
    const pos = (await takePositions(client, 1)) + 1;
    await client.query('UPDATE conversation_members SET last_read_seq = $3, read_pos = $4 WHERE conversation_id = $1 AND user_id = $2', [
      conversationId,
      userId,
      lastReadSeq,
      pos,
    ]);
    return [{ kind: 'read', pos, conversationId, recipients: recipients.rows.map((r) => r.user_id), userId, lastReadSeq }];
  });
  await deps.publish(events);
}
