import type { Pool } from 'pg';
import type { CommittedMessage, MessageSender, SendRequest } from '../messages/message-event.js';

export type CommitResult =
  /** Stored now: publish to the members. */
  | { kind: 'new'; message: CommittedMessage; memberIds: string[] }
  /** This very entry was stored before (a redelivery after a crash): publish again, at least once. */
  | { kind: 'redelivered'; message: CommittedMessage; memberIds: string[] }
  /** Another request with the same (sender, clientMessageId) owns the message: answer with it, publish nothing. */
  | { kind: 'duplicate'; message: CommittedMessage }
  | { kind: 'rejected'; code: 'FORBIDDEN' | 'NOT_FOUND'; error: string };

type MessageRow = {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  content: string;
  client_message_id: string | null;
  created_at: Date;
};

/**
 * Commits a batch of send requests in one transaction and says what became of each, in order.
 * Seq numbers come from `conversations.last_seq` under a row lock taken in id order, so they are
 * gapless per conversation and concurrent workers cannot deadlock on them. Idempotent: an entry
 * stored before (same message id) or a retry (same sender and clientMessageId) inserts nothing.
 * Throws if the transaction fails; nothing of the batch is stored then.
 */
export async function commitMessages(pool: Pool, requests: readonly SendRequest[], now = new Date()): Promise<CommitResult[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const conversationIds = [...new Set(requests.map((r) => r.conversationId))].sort();
    const locked = await client.query<{ id: string; last_seq: number }>(
      'SELECT id, last_seq FROM conversations WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [conversationIds],
    );
    const lastSeq = new Map(locked.rows.map((r) => [r.id, r.last_seq]));

    const memberRows = await client.query<{ conversation_id: string; user_id: string }>(
      'SELECT conversation_id, user_id FROM conversation_members WHERE conversation_id = ANY($1::uuid[])',
      [conversationIds],
    );
    const members = new Map<string, string[]>();
    for (const row of memberRows.rows) {
      const list = members.get(row.conversation_id) ?? [];
      list.push(row.user_id);
      members.set(row.conversation_id, list);
    }

    const keyed = requests.filter((r) => r.clientMessageId !== null);
    // Two index lookups, not one OR: `id = ANY(..) OR (sender_id, client_message_id) IN (..)` can use
    // neither index and reads the whole table on every batch.
    const existing = await client.query<MessageRow>(
      `SELECT id, conversation_id, seq, sender_id, content, client_message_id, created_at FROM messages WHERE id = ANY($1::uuid[])
       UNION
       SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.content, m.client_message_id, m.created_at
         FROM unnest($2::uuid[], $3::text[]) AS k(sender_id, client_message_id)
         JOIN messages m ON m.sender_id = k.sender_id AND m.client_message_id = k.client_message_id`,
      [requests.map((r) => r.id), keyed.map((r) => r.senderId), keyed.map((r) => r.clientMessageId)],
    );
    const byId = new Map(existing.rows.map((row) => [row.id, row]));
    const byClientKey = new Map(
      existing.rows.filter((row) => row.client_message_id !== null).map((row) => [clientKey(row.sender_id, row.client_message_id!), row]),
    );

    type Planned = { kind: 'new' | 'redelivered' | 'duplicate'; row: MessageRow } | Extract<CommitResult, { kind: 'rejected' }>;
    const planned: Planned[] = [];
    const inserts: MessageRow[] = [];
    for (const request of requests) {
      const own = byId.get(request.id);
      if (own) {
        planned.push({ kind: 'redelivered', row: own });
        continue;
      }
      const key = request.clientMessageId === null ? undefined : clientKey(request.senderId, request.clientMessageId);
      const earlier = key === undefined ? undefined : byClientKey.get(key);
      if (earlier) {
        planned.push({ kind: 'duplicate', row: earlier });
        continue;
      }
      const seq = lastSeq.get(request.conversationId);
      if (seq === undefined) {
        planned.push({ kind: 'rejected', code: 'NOT_FOUND', error: 'Conversation not found.' });
        continue;
      }
      if (!members.get(request.conversationId)?.includes(request.senderId)) {
        planned.push({ kind: 'rejected', code: 'FORBIDDEN', error: 'You are not a member of this conversation.' });
        continue;
      }
      const row: MessageRow = {
        id: request.id,
        conversation_id: request.conversationId,
        seq: seq + 1,
        sender_id: request.senderId,
        content: request.content,
        client_message_id: request.clientMessageId,
        created_at: now,
      };
      lastSeq.set(request.conversationId, row.seq);
      inserts.push(row);
      byId.set(row.id, row);
      if (key !== undefined) byClientKey.set(key, row);
      planned.push({ kind: 'new', row });
    }

    if (inserts.length > 0) {
      await client.query(
        `INSERT INTO messages (id, conversation_id, seq, sender_id, content, client_message_id, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])`,
        [
          inserts.map((r) => r.id),
          inserts.map((r) => r.conversation_id),
          inserts.map((r) => r.seq),
          inserts.map((r) => r.sender_id),
          inserts.map((r) => r.content),
          inserts.map((r) => r.client_message_id),
          inserts.map((r) => r.created_at),
        ],
      );
      const advanced = [...new Set(inserts.map((r) => r.conversation_id))];
      await client.query('UPDATE conversations c SET last_seq = v.seq FROM unnest($1::uuid[], $2::int[]) AS v(id, seq) WHERE c.id = v.id', [
        advanced,
        advanced.map((id) => lastSeq.get(id)),
      ]);
    }

    const senderIds = [...new Set(planned.flatMap((p) => ('row' in p ? [p.row.sender_id] : [])))];
    const senders = await client.query<{ id: string; username: string; email: string; created_at: Date }>(
      'SELECT id, username, email, created_at FROM users WHERE id = ANY($1::uuid[])',
      [senderIds],
    );
    await client.query('COMMIT');

    const senderById = new Map<string, MessageSender>(
      senders.rows.map((u) => [u.id, { id: u.id, username: u.username, email: u.email, createdAt: u.created_at }]),
    );
    return planned.map((p): CommitResult => {
      if (p.kind === 'rejected') return p;
      const message = toMessage(p.row, senderById.get(p.row.sender_id)!);
      if (p.kind === 'duplicate') return { kind: 'duplicate', message };
      return { kind: p.kind, message, memberIds: members.get(p.row.conversation_id) ?? [] };
    });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const clientKey = (senderId: string, clientMessageId: string) => `${senderId}\u0000${clientMessageId}`;

function toMessage(row: MessageRow, sender: MessageSender): CommittedMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    senderId: row.sender_id,
    content: row.content,
    clientMessageId: row.client_message_id,
    createdAt: row.created_at,
    sender,
  };
}
