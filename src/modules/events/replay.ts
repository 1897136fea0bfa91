import type { Pool } from 'pg';
import type { CommittedEvent, ConversationChangeKind } from './committed-events.js';
import { attachmentsOf } from '../files/attach-uploads.js';
import type { AttachmentInfo } from '../files/files-deps.js';

/** Bigger than any position: "no upper bound". */
export const NO_BOUND = Number.MAX_SAFE_INTEGER;

export type ReplayPage = {
  /** In position order, at most `limit`. */
  events: CommittedEvent[];
  /** More events exist after the last one returned (within the bound). */
  hasMore: boolean;
  /** The last committed position when the page was read: every event up to it was considered. */
  clock: number;
};

type Row = {
  pos: string;
  kind: 'message' | 'conversation' | 'read';
  conversation_id: string;
  message_id: string | null;
  seq: number | null;
  sender_id: string | null;
  content: string | null;
  client_message_id: string | null;
  created_at: Date | null;
  username: string | null;
  sender_created_at: Date | null;
  user_id: string | null;
  last_read_seq: number | null;
  change: ConversationChangeKind | null;
  actor_id: string | null;
  user_ids: string[] | null;
  /** From a membership that has ended. */
  ended: boolean | null;
  clock: string;
};

/**
 * The events a user received (or would have, had they been listening) at positions (after, upTo],
 * in position order, read from PostgreSQL: what the live path delivers, replayed. A user receives
 * a conversation's events while a member (from the event that added them to the one that removed
 * them, both included), so the periods come from conversation_members and membership_history. Only
 * conversations with an event after `after` are read, each along a (conversation_id, position)
 * index: the cost follows the user's conversations and the events returned, never stored history.
 * A member's read state is kept as its latest value: replay gives that one, at its latest position.
 */
export async function replayEvents(
  pool: Pick<Pool, 'query'>,
  userId: string,
  after: number,
  { limit, upTo = NO_BOUND }: { limit: number; upTo?: number },
): Promise<ReplayPage> {
  const { rows } = await pool.query<Row>(REPLAY, [userId, after, limit + 1, upTo]);
  const clock = Number(rows[0]?.clock ?? 0);
  const found = rows.filter((row) => row.pos !== null);
  // Files of a conversation the user has left are not theirs to fetch any more: no attachments there.
  const attachments = await attachmentsOf(
    pool,
    found.filter((row) => row.kind === 'message' && !row.ended).map((row) => row.message_id!),
  );
  const events = found.map((row) => toEvent(row, userId, attachments));
  const hasMore = events.length > limit;
  return { events: hasMore ? events.slice(0, limit) : events, hasMore, clock };
}

/** Every event in (after, upTo], page by page (for filling a gap in live delivery). */
export async function replayAll(pool: Pick<Pool, 'query'>, userId: string, after: number, upTo: number): Promise<CommittedEvent[]> {
  const all: CommittedEvent[] = [];
  for (let from = after; ;) {
    const page = await replayEvents(pool, userId, from, { limit: 500, upTo });
    all.push(...page.events);
    if (!page.hasMore) return all;
    from = page.events[page.events.length - 1]!.pos;
  }
}

function toEvent(row: Row, userId: string, attachments: Map<string, AttachmentInfo[]>): CommittedEvent {
  const pos = Number(row.pos);
  const base = { pos, conversationId: row.conversation_id, recipients: [userId] };
  if (row.kind === 'message') {
    return {
      ...base,
      kind: 'message',
      message: {
        id: row.message_id!,
        conversationId: row.conversation_id,
        seq: row.seq!,
        senderId: row.sender_id!,
        content: row.content!,
        clientMessageId: row.client_message_id,
        createdAt: row.created_at!,
        pos,
        sender: { id: row.sender_id!, username: row.username!, createdAt: row.sender_created_at! },
        attachments: attachments.get(row.message_id!) ?? [],
      },
    };
  }
  if (row.kind === 'read') return { ...base, kind: 'read', userId: row.user_id!, lastReadSeq: row.last_read_seq! };
  const userIds = row.user_ids ?? [];
  const lost = (row.change === 'MEMBER_REMOVED' || row.change === 'MEMBER_LEFT') && userIds.includes(userId);
  return { ...base, kind: 'conversation', change: row.change!, actorId: row.actor_id, userIds, removed: lost ? [userId] : [] };
}

// $1 user, $2 after, $3 limit, $4 upTo. A period covers positions (after_pos, to_pos]: from the
// event that added the member (hence from_pos - 1) to the one that removed them.
const REPLAY = `
  WITH periods AS (
    SELECT m.conversation_id, m.joined_pos AS from_pos, $4::bigint AS to_pos, false AS ended
      FROM conversation_members m WHERE m.user_id = $1::uuid
    UNION ALL
    SELECT h.conversation_id, h.joined_pos, least(h.left_pos, $4::bigint), true
      FROM membership_history h WHERE h.user_id = $1::uuid AND h.left_pos > $2::bigint
  ), active AS (
    SELECT p.conversation_id, greatest($2::bigint, p.from_pos - 1) AS after_pos, p.to_pos, p.ended
      FROM periods p JOIN conversations c ON c.id = p.conversation_id
     WHERE p.to_pos > $2::bigint
       AND (c.last_event_pos > greatest($2::bigint, p.from_pos - 1)
            -- read events do not move last_event_pos (markRead only share-locks the conversation)
            OR EXISTS (SELECT 1 FROM conversation_members r
                        WHERE r.conversation_id = p.conversation_id AND r.read_pos > greatest($2::bigint, p.from_pos - 1)))
  ), found AS (
    SELECT x.* FROM active a CROSS JOIN LATERAL (
      SELECT m.pos, 'message' AS kind, m.conversation_id, m.id AS message_id, m.seq, m.sender_id, m.content,
             m.client_message_id, m.created_at, u.username, u.created_at AS sender_created_at,
             NULL::uuid AS user_id, NULL::int AS last_read_seq, NULL::conversation_event_kind AS change,
             NULL::uuid AS actor_id, NULL::uuid[] AS user_ids, a.ended
        FROM messages m JOIN users u ON u.id = m.sender_id
       WHERE m.conversation_id = a.conversation_id AND m.pos > a.after_pos AND m.pos <= a.to_pos
       ORDER BY m.pos LIMIT $3) x
    UNION ALL
    SELECT x.* FROM active a CROSS JOIN LATERAL (
      SELECT e.pos, 'conversation', e.conversation_id, NULL::uuid, NULL::int, NULL::uuid, NULL::text, NULL::text, e.created_at,
             NULL::text, NULL::timestamptz, NULL::uuid, NULL::int, e.kind, e.actor_id, e.user_ids, a.ended
        FROM conversation_events e
       WHERE e.conversation_id = a.conversation_id AND e.pos > a.after_pos AND e.pos <= a.to_pos
       ORDER BY e.pos LIMIT $3) x
    UNION ALL
    SELECT x.* FROM active a CROSS JOIN LATERAL (
      SELECT r.read_pos, 'read', r.conversation_id, NULL::uuid, NULL::int, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz,
             NULL::text, NULL::timestamptz, r.user_id, r.last_read_seq, NULL::conversation_event_kind, NULL::uuid, NULL::uuid[], a.ended
        FROM conversation_members r
       WHERE r.conversation_id = a.conversation_id AND r.read_pos > a.after_pos AND r.read_pos <= a.to_pos
       ORDER BY r.read_pos LIMIT $3) x
  ), page AS (
    SELECT * FROM found ORDER BY pos LIMIT $3
  )
  -- The clock is read in the same statement, so in the same snapshot as the events.
  SELECT page.*, clock.last_pos AS clock FROM (SELECT last_pos FROM event_clock WHERE id = 1) clock LEFT JOIN page ON true
  ORDER BY page.pos`;
